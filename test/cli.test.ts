// The CLI as a user runs it: a real process (tsx src/server.ts), the URL line, pino JSON logs on stdout, graceful
// shutdown on SIGTERM/SIGINT, exit status 2 with one line per configuration mistake, --help and --version.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markdownTable, SETTINGS } from '../src/config.js';
import { VERSION } from '../src/version.js';
import { cleanEnv, lineMatching, ROOT, startProcess, within, type Running } from './cli-helpers.js';

const CLI = [process.execPath, '--import', 'tsx', path.join(ROOT, 'src/server.ts')] as const;

const running: Running[] = [];
afterEach(() => {
  for (const r of running.splice(0))
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
});

function runCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(CLI[0], [...CLI.slice(1), ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('restoresim CLI', () => {
  it('starts on the port it prints, answers health, logs JSON with reqId, and exits 0 on SIGTERM', async () => {
    const r = await startProcess([...CLI, '--port', '0', '--db', ':memory:', '--clock', 'virtual']);
    running.push(r);
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${r.url}/_sim/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const other = await fetch(`${r.url}/_sim/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 5 }),
    });
    expect(other.status).toBe(200);
    await new Promise((res) => setTimeout(res, 200));

    r.child.kill('SIGTERM');
    expect(await within(5000, r.exited, 'exit after SIGTERM')).toBe(0);

    // stdout is not a TTY here: every line but the URL line is pino JSON.
    const json = r.lines
      .filter((l) => l && !l.startsWith('restoresim listening on '))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = json.filter((l) => l.msg === 'request');
    expect(requests.map((l) => l.url)).toEqual(['/_sim/clock/advance']); // health calls are not logged
    expect(requests[0]).toMatchObject({ method: 'POST', statusCode: 200, level: 30 });
    expect(requests[0]!.reqId).toEqual(expect.any(String));
    expect(json.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
    expect(r.stderr()).toBe('');
  });

  it('on SIGTERM lets an in-flight request finish, closes the database, and a restart resumes from it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-cli-'));
    const db = path.join(dir, 'sim.db');
    const P = 'c76b3355a164498aa95ddbc960adc238';
    const T = { 'x-auth-token': 'demo-token', 'content-type': 'application/json' };
    try {
      const r = await startProcess([...CLI, '--port', '0', '--db', db, '--clock', 'virtual', '--log-level', 'silent']);
      running.push(r);
      const created = await fetch(`${r.url}/v1/${P}/snapshots/2e56d167-bad7-43c7-8ede-a613c3fe7844`, {
        method: 'POST',
        headers: T,
        body: JSON.stringify({
          restore: {
            name: 'survives',
            options: { type: 'openstack', restore_type: 'oneclick', oneclickrestore: true, openstack: {} },
          },
        }),
      });
      expect(created.status).toBe(202);
      const id = ((await created.json()) as { restore: { id: string } }).restore.id;
      const rule = await fetch(`${r.url}/_sim/rules`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          match: { operation: 'restores.get' },
          effects: { latency: { kind: 'fixed', ms: 5000 } },
        }),
      });
      expect(rule.status).toBe(201);
      const ruleId = ((await rule.json()) as { id: string }).id;
      const slow = fetch(`${r.url}/v1/${P}/restores/${id}`, { headers: T });
      // In flight for sure once the rule has fired (it counts before the latency starts); no fixed sleep.
      await within(
        5000,
        (async () => {
          for (;;) {
            const state = (await (await fetch(`${r.url}/_sim/rules/${ruleId}`)).json()) as { fired: number };
            if (state.fired >= 1) return;
            await new Promise((res) => setTimeout(res, 20));
          }
        })(),
        'the slow request to reach its latency',
      );
      r.child.kill('SIGTERM');
      const answer = await slow;
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { restore: { name: string } }).restore.name).toBe('survives');
      expect(await within(5000, r.exited, 'exit after SIGTERM')).toBe(0);

      const again = await startProcess([
        ...CLI,
        '--port',
        '0',
        '--db',
        db,
        '--clock',
        'virtual',
        '--log-level',
        'silent',
      ]);
      running.push(again);
      const back = await fetch(`${again.url}/v1/${P}/restores/${id}`, { headers: T });
      expect(back.status).toBe(200);
      again.child.kill('SIGTERM');
      expect(await within(5000, again.exited, 'exit after SIGTERM')).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 0 on SIGINT too', async () => {
    const r = await startProcess([
      ...CLI,
      '--port',
      '0',
      '--db',
      ':memory:',
      '--clock',
      'virtual',
      '--log-level',
      'silent',
    ]);
    running.push(r);
    r.child.kill('SIGINT');
    expect(await within(5000, r.exited, 'exit after SIGINT')).toBe(0);
    expect(r.lines.filter(Boolean)).toEqual([expect.stringMatching(/^restoresim listening on /)]);
  });

  it('rejects bad flags and variables with exit status 2 and one line per mistake', () => {
    const r = runCli(['--port', 'x', '--clock', 'sometimes', '--db', ':memory:'], {
      RESTORESIM_SPEED: '0',
      RESTORESIM_TRILIO_ERRORS: 'new',
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'restoresim: --port "x": must be a number',
      'restoresim: --clock "sometimes": must be one of real, virtual',
      'restoresim: RESTORESIM_SPEED = "0": must be at least 0.001',
      'restoresim: RESTORESIM_TRILIO_ERRORS = "new": must be one of legacy, modern',
      'restoresim: see --help',
    ]);
  });

  it('rejects an unknown flag with exit status 2', () => {
    const r = runCli(['--colour', 'blue']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^restoresim: .*--colour/);
  });

  it('a flag wins over its environment variable', async () => {
    const r = await startProcess([...CLI, '--port', '0', '--db', ':memory:', '--clock', 'virtual'], {
      env: cleanEnv({ RESTORESIM_PORT: 'not-a-port', RESTORESIM_CLOCK: 'real' }),
    });
    running.push(r);
    expect((await fetch(`${r.url}/_sim/health`)).status).toBe(200);
    r.child.kill('SIGTERM');
    expect(await within(5000, r.exited, 'exit after SIGTERM')).toBe(0);
  });

  it('exits 1 with one line when the port is taken', async () => {
    const first = await startProcess([...CLI, '--port', '0', '--db', ':memory:', '--log-level', 'silent']);
    running.push(first);
    const port = new URL(first.url).port;
    const r = runCli(['--port', port, '--db', ':memory:', '--log-level', 'silent']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^restoresim: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    first.child.kill('SIGTERM');
    expect(await within(5000, first.exited, 'exit after SIGTERM')).toBe(0);
  });

  it('--help lists every setting with its flag, variable and default', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    for (const s of SETTINGS) {
      expect(r.stdout).toContain(s.kind === 'bool' ? `--${s.flag}\n` : `--${s.flag} <value>`);
      expect(r.stdout).toContain(s.env);
      expect(r.stdout).toContain(s.description);
    }
    expect(r.stdout).toContain('--version');
  });

  it('--version prints the package version', () => {
    const r = runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });
});

/** GET over https trusting only `ca`: the status. */
function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) =>
    https
      .get(url, { ca, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
      .on('error', reject),
  );
}

const CERT_LINE = /^restoresim tls certificate (\S+) sha256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$/;

describe('restoresim CLI over HTTPS', () => {
  it('--tls prints the https URL, then the certificate file and fingerprint; it serves who trusts it', async () => {
    const r = await startProcess([...CLI, '--tls', '--port', '0', '--db', ':memory:', '--log-level', 'silent']);
    running.push(r);
    expect(r.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const [, file, fingerprint] = await lineMatching(r, CERT_LINE);
    expect(r.lines.filter(Boolean).slice(0, 2)).toEqual([`restoresim listening on ${r.url}`, expect.any(String)]);
    const pem = fs.readFileSync(file!, 'utf8');
    expect(new X509Certificate(pem).fingerprint256).toBe(fingerprint);
    expect(await httpsStatus(`${r.url}/_sim/health`, pem)).toBe(200);
    r.child.kill('SIGTERM');
    expect(await within(5000, r.exited, 'exit after SIGTERM')).toBe(0);
    expect(fs.existsSync(file!)).toBe(false); // the temporary PEM of an in-memory database
    expect(r.stderr()).toBe('');
  });

  it('RESTORESIM_TLS_PORT adds HTTPS beside HTTP; the certificate kept by the database outlives restarts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-cli-tls-'));
    try {
      const start = async () => {
        const r = await startProcess(
          [...CLI, '--port', '0', '--db', path.join(dir, 'sim.db'), '--log-level', 'silent'],
          {
            env: cleanEnv({ RESTORESIM_TLS_PORT: '0', RESTORESIM_TLS_SAN: 'cli.test' }),
          },
        );
        running.push(r);
        const [, file, fingerprint] = await lineMatching(r, CERT_LINE);
        const [, httpsUrl] = await lineMatching(r, /^restoresim also listening on (https:\/\/\S+)$/);
        expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(r.lines.filter(Boolean)).toEqual([
          `restoresim listening on ${r.url}`,
          `restoresim also listening on ${httpsUrl}`,
          `restoresim tls certificate ${file} sha256 ${fingerprint}`,
        ]);
        expect(file).toBe(path.join(dir, 'restoresim-tls', 'cert.pem'));
        const pem = fs.readFileSync(file!, 'utf8');
        expect(new X509Certificate(pem).checkHost('cli.test')).toBe('cli.test');
        expect((await fetch(`${r.url}/_sim/health`)).status).toBe(200);
        expect(await httpsStatus(`${httpsUrl}/_sim/health`, pem)).toBe(200);
        r.child.kill('SIGTERM');
        expect(await within(5000, r.exited, 'exit after SIGTERM')).toBe(0);
        return fingerprint;
      };
      const first = await start();
      expect(await start()).toBe(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses TLS settings that do not fit together, and unreadable PEM files, with exit status 2', () => {
    const alone = runCli(['--tls-cert', 'cert.pem', '--db', ':memory:']);
    expect(alone.status).toBe(2);
    expect(alone.stdout).toBe('');
    expect(alone.stderr.trimEnd().split('\n')).toEqual([
      'restoresim: --tls-cert and --tls-key go together: give both PEM files (certificate and private key) or neither',
      'restoresim: --tls-cert, --tls-key and --tls-san configure HTTPS: add --tls (HTTPS on --port) or ' +
        '--tls-port <port> (HTTPS beside HTTP)',
      'restoresim: see --help',
    ]);
    const both = runCli(['--tls', '--port', '0', '--db', ':memory:'], { RESTORESIM_TLS_PORT: '0' });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^restoresim: --tls and --tls-port exclude each other: /);
    const missing = runCli(['--port', '0', '--db', ':memory:', '--tls-cert', '/nonexistent/c.pem'], {
      RESTORESIM_TLS: 'yes',
      RESTORESIM_TLS_KEY: '/nonexistent/k.pem',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr.trimEnd().split('\n')).toEqual([
      'restoresim: --tls-cert /nonexistent/c.pem: cannot read it (no such file)',
      'restoresim: --tls-key /nonexistent/k.pem: cannot read it (no such file)',
    ]);
    const word = runCli(['--db', ':memory:'], { RESTORESIM_TLS: 'on' });
    expect(word.status).toBe(2);
    expect(word.stderr).toContain('restoresim: RESTORESIM_TLS = "on": must be true or false (or 1/0, yes/no)\n');
  });
});

describe('README', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = (marker: string) => {
    const m = new RegExp(`<!-- ${marker}[^>]*-->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /${marker} -->`).exec(
      readme,
    );
    if (!m) throw new Error(`README has no ${marker} block`);
    return m[1]!;
  };

  it('starts with the two commands', () => {
    const lines = readme.split('\n');
    expect(lines[0]).toBe('# restoresim');
    expect(lines.slice(2, 6)).toEqual([
      '```sh',
      expect.stringMatching(/^npm install && npm start +# /),
      expect.stringMatching(/^npm test +# /),
      '```',
    ]);
  });

  it('holds exactly the configuration table the code generates', () => {
    const m = /<!-- config-table[^>]*-->\n([\s\S]*?)\n<!-- \/config-table -->/.exec(readme);
    expect(m?.[1], 'README configuration table: paste markdownTable() of src/config.ts').toBe(markdownTable());
  });

  it('shows the vitest example of docs/control-plane.md, unchanged', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/control-plane.md'), 'utf8');
    const m = /### A complete vitest example\n\n```ts\n([\s\S]*?)\n```/.exec(doc);
    expect(m, 'docs/control-plane.md has its vitest example').toBeTruthy();
    expect(block('readme-vitest')).toBe(m![1]);
  });

  const tools = ['curl', 'jq'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  it.skipIf(tools.length > 0)(
    'its curl session works against a real emulator (needs curl and jq)',
    async () => {
      const r = await startProcess([...CLI, '--port', '0', '--db', ':memory:', '--speed', '25', '--log-level', 'warn']);
      running.push(r);
      const script = block('readme-session')
        .replaceAll('http://127.0.0.1:8780', r.url)
        .replaceAll('sleep 5', 'sleep 0.3');
      const out = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
      expect(out.status, out.stderr).toBe(0);
      const lines = out.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^\{"status":"reset"/);
      expect(lines).toContain('available 100% Restore from snapshot is complete');
      expect(lines).toContain('{"state":"INPROGRESS","progress":0}');
      expect(lines.at(-1)).toMatch(/^SUCCEEDED 100% /);
      r.child.kill('SIGTERM');
      expect(await within(5000, r.exited, 'exit after SIGTERM')).toBe(0);
    },
    60_000,
  );
});
