// Process helpers shared by test/cli.test.ts and test/ship.test.ts: spawn restoresim, wait for its URL line.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The environment without the developer's RESTORESIM_* variables, and without the npm_* variables of an enclosing
 * `npm test` (they would steer the npm commands the ship tests run).
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('RESTORESIM_') && !k.startsWith('npm_')) env[k] = v;
  return { ...env, ...extra };
}

export interface Running {
  child: ChildProcess;
  url: string;
  /** Every stdout line so far. */
  lines: string[];
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
}

/** Spawns a restoresim process and resolves once it printed its URL line. */
export function startProcess(
  cmd: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; detached?: boolean } = {},
): Promise<Running> {
  const child = spawn(cmd[0]!, cmd.slice(1), {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  const lines: string[] = [];
  let err = '';
  let partial = '';
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`no URL line within ${opts.timeoutMs ?? 20_000} ms; stdout:\n${lines.join('\n')}\nstderr:\n${err}`),
      );
    }, opts.timeoutMs ?? 20_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        const m = /^restoresim listening on (https?:\/\/\S+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ child, url: m[1]!, lines, stderr: () => err, exited });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing its URL; stdout:\n${lines.join('\n')}\nstderr:\n${err}`));
    });
  });
}

/** Waits for a promise at most `ms`; rejects with `what` when it takes longer. */
export async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>(
    (_r, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first stdout line (printed so far or to come) that matches `re`. */
export function lineMatching(r: Running, re: RegExp, ms = 5000): Promise<RegExpExecArray> {
  return within(
    ms,
    new Promise<RegExpExecArray>((resolve) => {
      const check = (): boolean => {
        for (const line of r.lines) {
          const m = re.exec(line);
          if (m) {
            r.child.stdout!.off('data', check);
            resolve(m);
            return true;
          }
        }
        return false;
      };
      if (!check()) r.child.stdout!.on('data', check);
    }),
    `a stdout line matching ${re}`,
  );
}
