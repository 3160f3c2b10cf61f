// Shipping: `npm start` as the README says, the Docker image replayed by scripts/docker-smoke.sh, and the npm
// package (npm pack, installed into a temp folder, started with npx). Slow (better-sqlite3 compiles once, in the
// Docker replay; the tarball install reuses that compiled module, see below); SKIP_SHIP_TESTS=1 skips this file.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, startProcess, within, type Running } from './cli-helpers.js';

const SKIP = process.env.SKIP_SHIP_TESTS === '1';
/** SHIP_FRESH_INSTALL=1: install the tarball into an empty folder (compiles better-sqlite3 a second time). */
const FRESH = process.env.SHIP_FRESH_INSTALL === '1';
const MINUTES = 60_000;

let work: string;
let smoke: Promise<{ status: number | null; output: string }>;
const running: Running[] = [];

function sh(cmd: string, args: string[], cwd: string, timeout = 5 * MINUTES) {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe.skipIf(SKIP)('shipping', () => {
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-ship-'));
    // The Docker replay runs in the background while the quicker tests below run.
    smoke = new Promise((resolve) => {
      const child = spawn('bash', [path.join(ROOT, 'scripts/docker-smoke.sh'), '--workdir', path.join(work, 'smoke')], {
        cwd: ROOT,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', (status) => resolve({ status, output }));
    });
  });

  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await smoke?.catch(() => undefined);
    if (work && process.env.SHIP_KEEP !== '1') fs.rmSync(work, { recursive: true, force: true });
  }, 10 * MINUTES);

  it(
    '`npm start -- --port 0 --db :memory: --clock virtual` builds, starts healthy and stops on Ctrl-C',
    async () => {
      // detached: its own process group, so the signal reaches npm and the server as Ctrl-C in a terminal would.
      const r = await startProcess(['npm', 'start', '--', '--port', '0', '--db', ':memory:', '--clock', 'virtual'], {
        env: cleanEnv(),
        timeoutMs: 3 * MINUTES,
        detached: true,
      });
      running.push(r);
      expect((await fetch(`${r.url}/_sim/health`)).status).toBe(200);
      process.kill(-r.child.pid!, 'SIGINT');
      await within(10_000, r.exited, 'npm start after SIGINT');
      await within(10_000, groupGone(r.child.pid!), 'the server after SIGINT');
      const dist = path.join(ROOT, 'dist/server.js');
      expect(fs.readFileSync(dist, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
      expect(fs.statSync(dist).mode & 0o111).toBe(0o111);
    },
    5 * MINUTES,
  );

  let tarball: string;
  it(
    'npm pack holds the built JavaScript, types, fixtures, OpenAPI documents and README, and no sources or tests',
    () => {
      // The previous test ran `npm run build` (prestart); pack exactly what is in the checkout now.
      const out = sh('npm', ['pack', '--json', '--pack-destination', work], ROOT);
      const [info] = JSON.parse(out.slice(out.indexOf('['))) as {
        filename: string;
        files: { path: string; mode: number }[];
      }[];
      tarball = path.join(work, info!.filename);
      const files = info!.files.map((f) => f.path);
      for (const f of [
        'package.json',
        'README.md',
        'dist/server.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/app.js',
        'fixtures/trilio.json',
        'fixtures/vcenter.json',
        'openapi/trilio.json',
        'openapi/vcenter.json',
        'openapi/control.json',
      ]) {
        expect(files, f).toContain(f);
      }
      expect(
        files.filter((f) => /^(src|test|scripts|docs|\.ci)\//.test(f) || f.endsWith('.map') || f.endsWith('.tgz')),
      ).toEqual([]);
      expect(info!.files.find((f) => f.path === 'dist/server.js')!.mode & 0o111).toBe(0o111);
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      expect(pkg.bin).toEqual({ restoresim: 'dist/server.js' });
      expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    },
    2 * MINUTES,
  );

  it(
    'scripts/docker-smoke.sh replays the Dockerfile: builds, runs as an unprivileged user, healthy, stops cleanly',
    async () => {
      const { status, output } = await smoke;
      expect(status, output).toBe(0);
      expect(output).toMatch(/^docker-smoke: ok /m);
    },
    10 * MINUTES,
  );

  it('the Dockerfile has the shape the issue asks for', () => {
    const d = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(d.match(/^FROM /gm)).toHaveLength(2);
    expect(d).toMatch(/apt-get install .*python3 make g\+\+/);
    expect(d).toMatch(/^RUN npm ci/m);
    expect(d).toMatch(/npm prune --omit=dev/);
    expect(d).toMatch(/^USER node$/m);
    expect(d).toMatch(/^EXPOSE 8780$/m);
    expect(d).toMatch(/^VOLUME \/data$/m);
    expect(d).toMatch(/^ENV .*RESTORESIM_HOST=0\.0\.0\.0/m);
    expect(d).toMatch(/^ENV .*RESTORESIM_DB=\/data\/restoresim\.db/m);
    expect(d).toMatch(/^HEALTHCHECK .* CMD node -e .*\/_sim\/health/m);
    expect(d).not.toMatch(/curl|wget/);
    const ignore = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
    for (const p of ['**/node_modules', 'dist', '.git', 'test']) expect(ignore.split('\n')).toContain(p);
  });

  it(
    'the packed tarball installs into an empty project and `npx restoresim --port 0 --db :memory:` is healthy',
    async () => {
      expect(tarball, 'npm pack test ran').toBeTruthy();
      const consumer = path.join(work, 'consumer');
      fs.mkdirSync(consumer);
      fs.writeFileSync(
        path.join(consumer, 'package.json'),
        JSON.stringify(
          { name: 'consumer', version: '1.0.0', private: true, allowScripts: { 'better-sqlite3': true } },
          null,
          2,
        ),
      );
      if (!FRESH) {
        // Share the one better-sqlite3 compile: seed node_modules with the production tree the Docker replay built from
        // the same lockfile. npm still resolves the tarball's dependencies, installs the package and links its bin.
        const { status } = await smoke;
        const seed = path.join(work, 'smoke/runtime/node_modules');
        if (status === 0 && fs.existsSync(seed))
          fs.cpSync(seed, path.join(consumer, 'node_modules'), { recursive: true });
      }
      sh('npm', ['install', tarball, '--no-audit', '--no-fund'], consumer, 8 * MINUTES);
      expect(fs.existsSync(path.join(consumer, 'node_modules/restoresim/dist/server.js'))).toBe(true);
      expect(fs.existsSync(path.join(consumer, 'node_modules/restoresim/src'))).toBe(false);

      const r = await startProcess(['npx', '--no-install', 'restoresim', '--port', '0', '--db', ':memory:'], {
        cwd: consumer,
        env: cleanEnv(),
        timeoutMs: MINUTES,
        detached: true,
      });
      running.push(r);
      const health = await fetch(`${r.url}/_sim/health`);
      expect(health.status).toBe(200);
      expect((await fetch(`${r.url}/openapi/trilio.json`)).status).toBe(200);
      process.kill(-r.child.pid!, 'SIGINT');
      await within(10_000, r.exited, 'npx restoresim after SIGINT');
      await within(10_000, groupGone(r.child.pid!), 'the server after SIGINT');

      // The library entry resolves from the installed package too.
      const lib = sh(
        process.execPath,
        ['--input-type=module', '-e', "const m = await import('restoresim'); console.log(typeof m.startRestoreSim)"],
        consumer,
      );
      expect(lib.trim()).toBe('function');
    },
    10 * MINUTES,
  );
});

/** Resolves once no process of the group `pgid` is left. */
async function groupGone(pgid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
