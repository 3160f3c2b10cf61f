// HTTPS (src/tls.ts): both APIs over TLS to a client that trusts only restoresim's certificate, its names, keeping
// it beside a file database, the user's own pair, HTTPS beside HTTP in one process (and its graceful shutdown), the
// settings, and the session cookie (Secure only over HTTPS) in a real cookie jar (Python's http.cookiejar).
import { execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpText, markdownTable, parseCli, validateConfig } from '../src/config.js';
import { ConfigError, connectRestoreSim, startRestoreSim, type RestoreSim } from '../src/index.js';
import { resolveTls, TLS_DIR, wantedSans } from '../src/tls.js';
import { T0 } from './helpers.js';
import { within } from './cli-helpers.js';

const P = 'c76b3355a164498aa95ddbc960adc238';
const BASIC = `Basic ${Buffer.from('root:VMware1!').toString('base64')}`;
const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection; over https the client trusts `ca` only (when given), else the system's CAs. */
function request(
  url: string,
  opts: { ca?: string | Buffer; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const { ca, method = 'GET', headers = {}, body } = opts;
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, agent: false, ...(ca ? { ca } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const restores = (base: string, ca?: string | Buffer) =>
  request(`${base}/v1/${P}/restores/detail`, { ca, headers: { 'x-auth-token': 'demo-token' } });
const login = (base: string, ca?: string | Buffer) =>
  request(`${base}/rest/com/vmware/cis/session`, { ca, method: 'POST', headers: { authorization: BASIC } });

/** A certificate and key of the test's own (not restoresim's), for localhost and 127.0.0.1. */
async function ownPair(dir: string): Promise<{ cert: string; key: string; certFile: string; keyFile: string }> {
  const pems = await generate([{ name: 'commonName', value: 'own' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const certFile = path.join(dir, 'own-cert.pem');
  const keyFile = path.join(dir, 'own-key.pem');
  fs.writeFileSync(certFile, pems.cert);
  fs.writeFileSync(keyFile, pems.private);
  return { cert: pems.cert, key: pems.private, certFile, keyFile };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-tls-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('--tls: a generated certificate (in-memory database)', () => {
  let sim: RestoreSim;
  beforeAll(async () => {
    sim = await startRestoreSim({ tls: true, tlsSan: 'restoresim.test, 10.1.2.3', start: T0 });
  });
  afterAll(() => sim?.close());

  it('serves https on 127.0.0.1 and exposes the PEM, its file and its SHA-256 fingerprint', () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.httpsUrl).toBe(sim.url);
    const x509 = new X509Certificate(sim.tls!.cert);
    expect(sim.tls!.fingerprint).toMatch(FINGERPRINT);
    expect(sim.tls!.fingerprint).toBe(x509.fingerprint256);
    expect(fs.readFileSync(sim.tls!.path, 'utf8')).toBe(sim.tls!.cert);
  });

  it('is for localhost, 127.0.0.1, ::1 and the --tls-san names (IPs as IP SANs)', () => {
    const x509 = new X509Certificate(sim.tls!.cert);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');
    expect(x509.checkHost('restoresim.test')).toBe('restoresim.test');
    expect(x509.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(x509.checkHost('10.1.2.3')).toBeUndefined(); // an IP SAN, not a DNS one
    expect(x509.subjectAltName!.split(', ')).toHaveLength(5);
    expect(x509.checkHost('elsewhere.test')).toBeUndefined();
  });

  it('both APIs answer a client that trusts only the printed certificate', async () => {
    const pem = fs.readFileSync(sim.tls!.path);
    const list = await restores(sim.url, pem);
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toHaveProperty('restores');
    const session = await login(sim.url, pem);
    expect(session.status).toBe(200);
    const id = (JSON.parse(session.body) as { value: string }).value;
    expect(id).toEqual(expect.any(String));
    expect(session.headers['set-cookie']).toEqual([`vmware-api-session-id=${id};Path=/rest;Secure;HttpOnly`]);
    const jobs = await request(`${sim.url}/rest/appliance/recovery/restore/job`, {
      ca: pem,
      headers: { 'vmware-api-session-id': id },
    });
    expect(jobs.status).toBe(200);
  });

  it('refuses a client that does not trust it', async () => {
    await expect(restores(sim.url)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const other = await ownPair(tmp);
    await expect(restores(sim.url, other.cert)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await expect(fetch(`${sim.url}/_sim/health`)).rejects.toThrow(/fetch failed/);
    await expect(request(sim.url.replace('https:', 'http:'))).rejects.toBeDefined(); // no plain HTTP on that port
  });

  it('the library client trusts it; connectRestoreSim does with `ca`, not without', async () => {
    expect((await sim.clock.get()).epochMs).toBeGreaterThanOrEqual(T0);
    const withCa = await connectRestoreSim(sim.url, { ca: sim.tls!.cert });
    expect(await withCa.ready()).toBe(true);
    expect((await withCa.rules.list()).length).toBeGreaterThanOrEqual(0);
    const without = await connectRestoreSim(sim.url, { waitMs: 0 });
    expect(await without.ready()).toBe(false);
  });

  it('removes the temporary PEM file when it closes', async () => {
    const other = await startRestoreSim({ tls: true });
    expect(fs.existsSync(other.tls!.path)).toBe(true);
    expect(other.tls!.fingerprint).not.toBe(sim.tls!.fingerprint); // a fresh one for each in-memory database
    await other.close();
    expect(fs.existsSync(other.tls!.path)).toBe(false);
  });
});

describe('--tls with a file database: the certificate is kept beside it', () => {
  const dir = path.join(tmp, 'kept');
  const db = path.join(dir, 'sim.db');
  const certFile = path.join(dir, TLS_DIR, 'cert.pem');
  const startClose = async (more: { tlsSan?: string } = {}) => {
    const sim = await startRestoreSim({ db, tls: true, ...more });
    expect((await restores(sim.url, sim.tls!.cert)).status).toBe(200);
    await sim.close();
    return sim.tls!;
  };

  it('a restart keeps the same certificate; other names make a new one', async () => {
    const first = await startClose();
    expect(first.path).toBe(certFile);
    expect((fs.statSync(path.join(dir, TLS_DIR, 'key.pem')).mode & 0o777).toString(8)).toBe('600');
    const again = await startClose();
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(fs.readFileSync(certFile, 'utf8')).toBe(first.cert);
    const renamed = await startClose({ tlsSan: 'renamed.test' });
    expect(renamed.fingerprint).not.toBe(first.fingerprint);
    expect(new X509Certificate(renamed.cert).checkHost('renamed.test')).toBe('renamed.test');
    expect((await startClose({ tlsSan: 'renamed.test' })).fingerprint).toBe(renamed.fingerprint);
  });

  it('an expired or damaged certificate is made again', async () => {
    const config = validateConfig({ db, tls: true });
    await resolveTls(config); // the names of the previous test's last start differ: made again
    const kept = await resolveTls(config);
    expect(kept!.origin).toBe('reused');
    const later = await resolveTls(config, Date.now() + 900 * 86_400_000);
    expect(later!.origin).toBe('generated');
    expect(later!.fingerprint).not.toBe(kept!.fingerprint);
    fs.writeFileSync(certFile, 'not a certificate');
    const repaired = await resolveTls(config);
    expect(repaired!.origin).toBe('generated');
    expect((await resolveTls(config))!.fingerprint).toBe(repaired!.fingerprint);
  });

  it('the --host (unless a wildcard) is one of the names', () => {
    const names = (host: string) => wantedSans(validateConfig({ tls: true, host }));
    expect(names('127.0.0.1')).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(names('0.0.0.0')).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(names('::')).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(names('Sim.Example')).toEqual(['localhost', '127.0.0.1', '::1', 'sim.example']);
    expect(wantedSans(validateConfig({ tls: true, host: '10.0.0.7', tlsSan: '[fd00::1],a.test,,' }))).toEqual([
      'localhost',
      '127.0.0.1',
      '::1',
      '10.0.0.7',
      'fd00::1',
      'a.test',
    ]);
  });
});

describe('--tls-cert / --tls-key: your own pair', () => {
  it('serves your certificate, prints its fingerprint and path, and leaves your files alone', async () => {
    const own = await ownPair(tmp);
    const sim = await startRestoreSim({ tls: true, tlsCert: own.certFile, tlsKey: own.keyFile });
    try {
      expect(sim.tls).toEqual({
        cert: own.cert,
        fingerprint: new X509Certificate(own.cert).fingerprint256,
        path: own.certFile,
      });
      expect((await login(sim.url, own.cert)).status).toBe(200);
    } finally {
      await sim.close();
    }
    expect(fs.existsSync(own.certFile)).toBe(true);
  });

  it('an unreadable, invalid or mismatched file is a ConfigError naming it', async () => {
    const own = await ownPair(tmp);
    const other = await ownPair(fs.mkdtempSync(path.join(tmp, 'other-')));
    const missing = path.join(tmp, 'missing.pem');
    const problems = async (tlsCert: string, tlsKey: string) => {
      const err = await startRestoreSim({ tls: true, tlsCert, tlsKey }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    };
    expect(await problems(missing, own.keyFile)).toEqual([`--tls-cert ${missing}: cannot read it (no such file)`]);
    expect(await problems(own.keyFile, tmp)).toEqual([
      `--tls-key ${tmp}: cannot read it (a folder, not a file)`,
      `--tls-cert ${own.keyFile}: not a PEM certificate`,
    ]);
    expect(await problems(own.certFile, own.certFile)).toEqual([
      `--tls-key ${own.certFile}: not an unencrypted PEM private key`,
    ]);
    expect(await problems(own.certFile, other.keyFile)).toEqual([
      `--tls-key ${other.keyFile}: not the private key of the certificate in ${own.certFile}`,
    ]);
  });
});

describe('--tls-port: HTTPS beside HTTP in one process', () => {
  let sim: RestoreSim;
  beforeAll(async () => {
    sim = await startRestoreSim({ tlsPort: 0, start: T0 });
  });
  afterAll(() => sim?.close());

  it('serves both schemes on two ports; the cookie is Secure only over HTTPS; one state', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(sim.httpsUrl!).port).not.toBe(new URL(sim.url).port);
    expect((await restores(sim.url)).status).toBe(200);
    expect((await restores(sim.httpsUrl!, sim.tls!.cert)).status).toBe(200);
    const plain = await login(sim.url);
    const id = (JSON.parse(plain.body) as { value: string }).value;
    expect(plain.headers['set-cookie']).toEqual([`vmware-api-session-id=${id};Path=/rest;HttpOnly`]);
    const secure = await login(sim.httpsUrl!, sim.tls!.cert);
    expect(secure.headers['set-cookie']![0]).toMatch(/;Secure;HttpOnly$/);
    // A session made over HTTP works over HTTPS: one emulator behind both listeners.
    const jobs = await request(`${sim.httpsUrl}/rest/appliance/recovery/restore/job`, {
      ca: sim.tls!.cert,
      headers: { 'vmware-api-session-id': id },
    });
    expect(jobs.status).toBe(200);
  });

  it('closing lets a request in flight over HTTPS finish, then stops the HTTPS listener too', async () => {
    const other = await startRestoreSim({ tlsPort: 0 });
    const rule = await other.rules.add({
      match: { operation: 'restores.detail' },
      effects: { latency: { kind: 'fixed', ms: 60_000 } },
    });
    const slow = restores(other.httpsUrl!, other.tls!.cert);
    await within(
      5000,
      (async () => {
        while ((await other.rules.get(rule.id)).fired < 1) await new Promise((r) => setImmediate(r));
      })(),
      'the request to reach its latency',
    );
    const closing = other.close();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    await closing;
    await expect(restores(other.httpsUrl!, other.tls!.cert)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(restores(other.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  const python = promisify(execFile);
  const hasPython = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!hasPython)(
    'a real cookie jar (Python http.cookiejar) logs in over HTTP and HTTPS, then uses only the cookie',
    async () => {
      const script = `
import base64, http.cookiejar, json, ssl, sys, urllib.request
def run(base, context):
    jar = http.cookiejar.CookieJar()
    handlers = [urllib.request.HTTPCookieProcessor(jar)]
    if context: handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    auth = 'Basic ' + base64.b64encode(b'root:VMware1!').decode()
    req = urllib.request.Request(base + '/rest/com/vmware/cis/session', method='POST', headers={'Authorization': auth})
    with opener.open(req) as r: session = json.load(r)['value']
    cookies = [{'name': c.name, 'value': c.value, 'secure': c.secure, 'path': c.path} for c in jar]
    with opener.open(base + '/rest/appliance/recovery/restore/job') as r: status = r.status
    return {'session': session, 'cookies': cookies, 'status': status}
context = ssl.create_default_context(cafile=sys.argv[3])
print(json.dumps({'http': run(sys.argv[1], None), 'https': run(sys.argv[2], context)}))
`;
      const local = (url: string) => url.replace('127.0.0.1', 'localhost');
      const { stdout } = await python('python3', ['-c', script, local(sim.url), local(sim.httpsUrl!), sim.tls!.path]);
      const out = JSON.parse(stdout) as Record<
        'http' | 'https',
        { session: string; cookies: unknown[]; status: number }
      >;
      for (const [scheme, secure] of [
        ['http', false],
        ['https', true],
      ] as const) {
        expect(out[scheme].status).toBe(200);
        expect(out[scheme].cookies).toEqual([
          { name: 'vmware-api-session-id', value: out[scheme].session, secure, path: '/rest' },
        ]);
      }
    },
  );
});

describe('TLS settings', () => {
  it('--tls is a switch; its variable takes true/false, 1/0, yes/no', () => {
    expect(parseCli(['--tls'], {}).config.tls).toBe(true);
    expect(parseCli([], {}).config.tls).toBe(false);
    for (const [word, value] of [
      ['true', true],
      ['YES', true],
      ['1', true],
      ['false', false],
      ['no', false],
      ['0', false],
    ] as const)
      expect(parseCli([], { RESTORESIM_TLS: word }).config.tls).toBe(value);
    expect(parseCli(['--tls'], { RESTORESIM_TLS: 'maybe' }).config.tls).toBe(true); // the flag wins
    expect(() => parseCli([], { RESTORESIM_TLS: 'maybe' })).toThrow(
      'RESTORESIM_TLS = "maybe": must be true or false (or 1/0, yes/no)',
    );
    expect(() => parseCli(['--tls=yes'], {})).toThrow(ConfigError);
    expect(validateConfig({ tls: true }).tls).toBe(true);
    expect(parseCli(['--tls-port', '0'], { RESTORESIM_TLS_SAN: 'a.test' }).config).toMatchObject({
      tlsPort: 0,
      tlsSan: 'a.test',
    });
  });

  it('settings that do not fit together are refused, each with its reason', () => {
    const problems = (partial: Parameters<typeof validateConfig>[0]) => {
      try {
        validateConfig(partial);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ tlsCert: 'c.pem' })).toEqual([
      '--tls-cert and --tls-key go together: give both PEM files (certificate and private key) or neither',
      '--tls-cert, --tls-key and --tls-san configure HTTPS: add --tls (HTTPS on --port) or --tls-port <port> ' +
        '(HTTPS beside HTTP)',
    ]);
    expect(problems({ tls: true, tlsPort: 0 })).toEqual([
      '--tls and --tls-port exclude each other: --tls makes --port HTTPS, --tls-port adds HTTPS beside plain ' +
        'HTTP on --port',
    ]);
    expect(problems({ port: 8443, tlsPort: 8443 })).toEqual(['--tls-port 8443: must differ from --port']);
    expect(problems({ tls: true, tlsSan: 'ok.test,bad name,-x.test' })).toEqual([
      '--tls-san "bad name": neither a DNS name nor an IP address',
      '--tls-san "-x.test": neither a DNS name nor an IP address',
    ]);
    expect(problems({ tls: true, tlsSan: ' , ' })).toEqual(['--tls-san " , ": names no host']);
    expect(problems({ tls: true, tlsSan: 'a.test', tlsCert: 'c.pem', tlsKey: 'k.pem' })).toEqual([
      '--tls-san names a generated certificate: with --tls-cert the certificate is yours, drop --tls-san',
    ]);
    expect(problems({ tls: true, tlsSan: '*.sim.test,wlm_backend,fd00::1', tlsPort: undefined })).toEqual([]);
  });

  it('--help and the README table show the switch without a value', () => {
    const help = helpText('x');
    expect(help).toContain('\n  --tls\n');
    expect(help).toContain('env RESTORESIM_TLS (true|false, 1|0, yes|no); default false');
    expect(help).toContain('  --tls-port <value>\n');
    expect(markdownTable()).toMatch(/^\| `--tls` \| `RESTORESIM_TLS` \| `false` \| Serve HTTPS .* A switch: /m);
  });
});
