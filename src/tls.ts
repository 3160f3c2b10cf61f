// HTTPS: the TLS settings, their cross-checks, and the certificate served. Either the user's own PEM pair
// (--tls-cert/--tls-key, checked at start) or a self-signed one (`selfsigned`) for localhost, 127.0.0.1, ::1, the
// listen host and --tls-san. A generated certificate is kept beside a file database (<db dir>/restoresim-tls/) and
// reused on the next start unless its names changed or it expired; with an in-memory database it is made afresh and
// its PEM written to a temporary file (removed when the app closes), so there is always a file to point clients at.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Config } from './config.js';
import { ConfigError, setting as s, type Setting } from './core/settings.js';

/** The TLS settings (part of the one settings table, src/config.ts). */
export const TLS_SETTINGS: readonly Setting[] = [
  s({
    key: 'tls',
    flag: 'tls',
    kind: 'bool',
    default: false,
    description:
      'Serve HTTPS on --port, with a self-signed certificate made at start (kept beside a file database) unless ' +
      '--tls-cert/--tls-key give one; its PEM file and SHA-256 fingerprint are printed.',
  }),
  s({
    key: 'tlsPort',
    flag: 'tls-port',
    kind: 'int',
    min: 0,
    max: 65535,
    default: undefined,
    defaultText: '(none)',
    description: 'Also serve HTTPS on this port, beside plain HTTP on --port (0 picks a free port); not with --tls.',
  }),
  s({
    key: 'tlsSan',
    flag: 'tls-san',
    kind: 'string',
    default: undefined,
    defaultText: '(none)',
    description:
      'More names for the generated certificate, comma-separated (IP addresses become IP SANs); it always has ' +
      'localhost, 127.0.0.1, ::1 and --host (unless a wildcard).',
  }),
  s({
    key: 'tlsCert',
    flag: 'tls-cert',
    kind: 'string',
    default: undefined,
    defaultText: '(generated)',
    description:
      'Your own certificate PEM file (the chain may follow it) instead of the generated one; needs --tls-key.',
  }),
  s({
    key: 'tlsKey',
    flag: 'tls-key',
    kind: 'string',
    default: undefined,
    defaultText: '(generated)',
    description: 'The unencrypted private key PEM file of --tls-cert.',
  }),
];

/** The certificate an app serves over HTTPS. */
export interface TlsMaterial {
  /** PEM of the certificate (followed by its chain when the user's file has one). */
  cert: string;
  /** PEM of the private key. */
  key: string;
  /** SHA-256 fingerprint of the certificate, upper-case hex pairs: `AB:CD:…`. */
  fingerprint: string;
  /** The certificate's PEM file. */
  path: string;
  /** generated at this start, reused from an earlier one, or provided by the user. */
  origin: 'generated' | 'reused' | 'provided';
  /** Removes a temporary certificate file (in-memory database); a no-op otherwise. */
  dispose(): void;
}

/** Folder of a kept certificate, beside the database file. */
export const TLS_DIR = 'restoresim-tls';
const DAY = 86_400_000;
/** Lifetime of a generated certificate (825 days: the longest some platforms accept for a trusted server). */
const VALID_DAYS = 825;

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const DNS_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`, 'i');
const isWildcard = (host: string) => host === '0.0.0.0' || (isIP(host) === 6 && /^[0:]+$/.test(host));
const unbracket = (name: string) => name.replace(/^\[(.*)\]$/, '$1');
const validName = (name: string) => isIP(name) !== 0 || (name.length <= 253 && DNS_NAME.test(name));

/** The entries of a --tls-san value (empty ones skipped, IPv6 brackets removed). */
const sanEntries = (value: string) =>
  value
    .split(',')
    .map((x) => unbracket(x.trim()))
    .filter(Boolean);

/** Problems of the TLS settings taken together (each setting on its own is checked by its kind). */
export function tlsProblems(c: Config): string[] {
  const problems: string[] = [];
  const on = c.tls || c.tlsPort !== undefined;
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined))
    problems.push('--tls-cert and --tls-key go together: give both PEM files (certificate and private key) or neither');
  if (!on && (c.tlsCert !== undefined || c.tlsKey !== undefined || c.tlsSan !== undefined))
    problems.push(
      '--tls-cert, --tls-key and --tls-san configure HTTPS: add --tls (HTTPS on --port) or --tls-port <port> ' +
        '(HTTPS beside HTTP)',
    );
  if (c.tls && c.tlsPort !== undefined)
    problems.push(
      '--tls and --tls-port exclude each other: --tls makes --port HTTPS, --tls-port adds HTTPS beside plain ' +
        'HTTP on --port',
    );
  if (c.tlsPort !== undefined && c.tlsPort !== 0 && c.tlsPort === c.port)
    problems.push(`--tls-port ${c.tlsPort}: must differ from --port`);
  if (c.tlsSan !== undefined) {
    if (c.tlsCert !== undefined)
      problems.push(
        '--tls-san names a generated certificate: with --tls-cert the certificate is yours, drop --tls-san',
      );
    const entries = sanEntries(c.tlsSan);
    if (!entries.length) problems.push(`--tls-san ${JSON.stringify(c.tlsSan)}: names no host`);
    for (const name of entries.filter((x) => !validName(x)))
      problems.push(`--tls-san ${JSON.stringify(name)}: neither a DNS name nor an IP address`);
  }
  return problems;
}

/** The names a generated certificate is for: localhost, 127.0.0.1, ::1, --host unless a wildcard, --tls-san. */
export function wantedSans(c: Config): string[] {
  const host = unbracket(c.host);
  const own = isWildcard(host) || !validName(host) ? [] : [host];
  const names = ['localhost', '127.0.0.1', '::1', ...own, ...sanEntries(c.tlsSan ?? '')];
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/**
 * The certificate for a config: undefined without --tls or --tls-port; the user's pair (ConfigError when a file
 * is unreadable, not PEM, or the key does not match, as for settings that do not fit together); else a generated
 * one, kept or reused beside a file database. `now` (ms since the epoch, wall clock) decides expiry.
 */
export async function resolveTls(c: Config, now = Date.now()): Promise<TlsMaterial | undefined> {
  const problems = tlsProblems(c);
  if (problems.length) throw new ConfigError(problems);
  if (!c.tls && c.tlsPort === undefined) return undefined;
  if (c.tlsCert !== undefined && c.tlsKey !== undefined) return provided(c.tlsCert, c.tlsKey);
  const sans = wantedSans(c);
  if (c.db === ':memory:' || c.db === '') {
    const pair = await generatePair(sans, now);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${TLS_DIR}-`));
    const file = path.join(dir, 'cert.pem');
    fs.writeFileSync(file, pair.cert);
    return material(pair, file, 'generated', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const dir = path.join(path.dirname(path.resolve(c.db)), TLS_DIR);
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const kept = readKept(certFile, keyFile, sans, now);
  if (kept) return material(kept, certFile, 'reused');
  const pair = await generatePair(sans, now);
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeReplacing(keyFile, pair.key, 0o600);
    writeReplacing(certFile, pair.cert, 0o644);
  } catch (err) {
    throw new Error(`cannot keep the TLS certificate in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return material(pair, certFile, 'generated');
}

interface Pair {
  cert: string;
  key: string;
}

function material(pair: Pair, file: string, origin: TlsMaterial['origin'], dispose = () => {}): TlsMaterial {
  const fingerprint = new X509Certificate(pair.cert).fingerprint256;
  return { ...pair, fingerprint, path: file, origin, dispose };
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'a folder, not a file',
};

function provided(certPath: string, keyPath: string): TlsMaterial {
  const problems: string[] = [];
  const read = (flag: string, file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      problems.push(`--${flag} ${file}: cannot read it (${READ_ERRORS[code] ?? (err as Error).message})`);
      return undefined;
    }
  };
  const cert = read('tls-cert', certPath);
  const key = read('tls-key', keyPath);
  let x509: X509Certificate | undefined;
  let keyObject: ReturnType<typeof createPrivateKey> | undefined;
  if (cert !== undefined) {
    try {
      x509 = new X509Certificate(cert);
    } catch {
      problems.push(`--tls-cert ${certPath}: not a PEM certificate`);
    }
  }
  if (key !== undefined) {
    try {
      keyObject = createPrivateKey(key);
    } catch {
      problems.push(`--tls-key ${keyPath}: not an unencrypted PEM private key`);
    }
  }
  if (x509 && keyObject && !x509.checkPrivateKey(keyObject))
    problems.push(`--tls-key ${keyPath}: not the private key of the certificate in ${certPath}`);
  if (problems.length || !x509 || cert === undefined || key === undefined) throw new ConfigError(problems);
  return material({ cert, key }, path.resolve(certPath), 'provided');
}

/** A kept pair still good for `sans` at `now` (matching key, valid for at least a day, exactly these names). */
function readKept(certFile: string, keyFile: string, sans: string[], now: number): Pair | undefined {
  let pair: Pair;
  let x509: X509Certificate;
  try {
    pair = { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
    x509 = new X509Certificate(pair.cert);
    if (!x509.checkPrivateKey(createPrivateKey(pair.key))) return undefined;
  } catch {
    return undefined;
  }
  if (Date.parse(x509.validFrom) > now || Date.parse(x509.validTo) - now < DAY) return undefined;
  return hasExactly(x509, sans) ? pair : undefined;
}

/** Whether the certificate's subject alternative names are exactly `sans` (DNS names and IP addresses). */
export function hasExactly(x509: X509Certificate, sans: readonly string[]): boolean {
  const entries = (x509.subjectAltName ?? '').split(', ').filter(Boolean);
  const dns = entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4).toLowerCase());
  const ips = entries.filter((e) => e.startsWith('IP Address:'));
  const wantIps = sans.filter((n) => isIP(n));
  const wantDns = sans.filter((n) => !isIP(n)).map((n) => n.toLowerCase());
  return (
    entries.length === dns.length + ips.length &&
    ips.length === wantIps.length &&
    wantIps.every((ip) => x509.checkIP(ip) !== undefined) &&
    [...dns].sort().join(',') === [...wantDns].sort().join(',')
  );
}

async function generatePair(sans: string[], now: number): Promise<Pair> {
  // Loaded on first use: starting without TLS (or --help) does not pay for the X.509 library.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'restoresim' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + VALID_DAYS * DAY),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: sans.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })),
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Writes a file whole or not at all (a reader never sees half a PEM). */
function writeReplacing(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}
