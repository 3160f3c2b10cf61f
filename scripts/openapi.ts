// `npm run openapi`: writes openapi/trilio.json, openapi/vcenter.json and openapi/control.json from the code.
// It builds the app in-process (in-memory DB, virtual clock at a fixed start, built-in fixtures), reads the three
// documents the app serves, then plays the scenario in scripts/scenario.ts against the same app and records each
// response as an example of its operation: every example in the documents is a real response of the emulator.
// `npm run openapi -- --check` writes nothing and exits 1 when a checked-in file differs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../src/config.js';
import { buildApp } from '../src/app.js';
import { Random } from '../src/core/random.js';
import { DOCUMENT_NAMES, type DocumentName } from '../src/plugins/docs.js';
import { SCENARIO, SCENARIO_CONFIG, SCENARIO_START, type Step } from './scenario.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OPENAPI_DIR = path.join(ROOT, 'openapi');

type Json = Record<string, any>;

interface Recorded {
  method: string;
  url: string;
  statusCode: number;
  contentType: string;
  payload: string;
}

/**
 * Makes node:crypto's randomUUID and randomBytes deterministic (a seeded PRNG) while recording, so restore ids and
 * session ids, and with them the documents, are the same on every run. The emulator's code is unchanged: it calls
 * the same functions (ESM bindings of builtins follow syncBuiltinESMExports). Returns the undo function.
 */
function seedRandomness(seed: number): () => void {
  const original = { randomUUID: crypto.randomUUID, randomBytes: crypto.randomBytes };
  const random = new Random(seed);
  const byte = () => Math.floor(random.next() * 4294967296) & 0xff;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, byte));
  (crypto as { randomBytes: unknown }).randomBytes = (n: number, cb?: (err: Error | null, buf: Buffer) => void) => {
    const b = bytes(n);
    if (cb) return void cb(null, b);
    return b;
  };
  (crypto as { randomUUID: unknown }).randomUUID = () => {
    const b = bytes(16);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  syncBuiltinESMExports();
  return () => {
    Object.assign(crypto, original);
    syncBuiltinESMExports();
  };
}

/** The document path a request path hits: fewest parameters wins, as in Fastify's router (static before param). */
function findPath(docs: Record<DocumentName, Json>, method: string, url: string): string | undefined {
  const requested = new URL(url, 'http://x');
  const pathname = requested.pathname.replace(/(.)\/$/, '$1');
  // Most specific first: a documented path with a query (`…/job?action=cancel`) beats the plain path, and fewer
  // path parameters beat more.
  let best: { path: string; params: number; query: number } | undefined;
  for (const name of DOCUMENT_NAMES) {
    for (const [path, item] of Object.entries((docs[name].paths ?? {}) as Record<string, Json>)) {
      if (!item[method]) continue;
      const [pathPart, queryPart] = path.split('?') as [string, string | undefined];
      const wanted = [...new URLSearchParams(queryPart ?? '')];
      if (!wanted.every(([k, v]) => requested.searchParams.get(k) === v)) continue;
      const params = (pathPart.match(/\{[^}]+\}/g) ?? []).length;
      const re = new RegExp(
        `^${pathPart
          .split(/\{[^}]+\}/)
          .map((x) => x.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join('[^/]+')}$`,
      );
      if (!re.test(pathname)) continue;
      if (!best || wanted.length > best.query || (wanted.length === best.query && params < best.params)) {
        best = { path, params, query: wanted.length };
      }
    }
  }
  return best?.path;
}

function parseBody(contentType: string, text: string): unknown {
  if (contentType.endsWith('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

const PLACEHOLDER = JSON.stringify({ '200': { description: 'Default Response' } });

/**
 * Puts a recorded response (and its request body) into the document that holds its operation. A route that declares
 * no response schema gets the statuses it was seen answering (its placeholder "200 Default Response" is dropped); a
 * declared status without content gets the recorded media type with the example only.
 */
function attach(
  docs: Record<DocumentName, Json>,
  step: Step & { example: string },
  rec: Recorded,
  problems: string[],
): void {
  const method = rec.method.toLowerCase();
  const label = `${step.method} ${step.url} (example "${step.example}")`;
  const p = findPath(docs, method, rec.url);
  if (!p) return void problems.push(`${label}: no documented operation matches ${method.toUpperCase()} ${rec.url}`);
  const op = DOCUMENT_NAMES.map((n) => docs[n].paths?.[p]?.[method]).find(Boolean);
  if (JSON.stringify(op.responses) === PLACEHOLDER) {
    op.responses = {};
    op['x-restoresim-recorded-responses'] = true;
  }
  const status = String(rec.statusCode);
  let response = op.responses[status] ?? op.responses[`${status[0]}XX`] ?? op.responses.default;
  if (!response) {
    if (!op['x-restoresim-recorded-responses']) {
      return void problems.push(`${label}: ${method.toUpperCase()} ${p} documents no ${status} response`);
    }
    response = op.responses[status] = { description: `Recorded response ${status}` };
    op.responses = Object.fromEntries(Object.entries(op.responses as Json).sort(([a], [b]) => a.localeCompare(b)));
  }
  if (rec.payload === '') return;
  response.content ??= {};
  const type = rec.contentType || 'application/octet-stream';
  response.content[type] ??= {};
  const media = response.content[type];
  media.examples ??= {};
  if (media.examples[step.example]) return void problems.push(`${label}: example name used twice for this response`);
  const value = parseBody(rec.contentType, rec.payload);
  let summary = step.example;
  try {
    summary = typeof step.summary === 'function' ? step.summary(value) : (step.summary ?? step.example);
  } catch (err) {
    problems.push(`${label}: summary: ${(err as Error).message}`);
  }
  media.examples[step.example] = { summary, value };
  if (step.body !== undefined && rec.statusCode < 400) {
    op.requestBody ??= { content: {} };
    const req = op.requestBody;
    req.content ??= {};
    req.content['application/json'] ??= {};
    const json = req.content['application/json'];
    json.examples ??= {};
    if (!json.examples[step.example]) json.examples[step.example] = { summary, value: step.body };
  }
}

/** Generates the three documents as the exact text `npm run openapi` writes. */
export async function generateOpenapi(): Promise<{ files: Record<DocumentName, string>; problems: string[] }> {
  const unseed = seedRandomness(SCENARIO_CONFIG.seed ?? 42);
  const config = validateConfig({ ...SCENARIO_CONFIG, port: 0, db: ':memory:', clock: 'virtual', logLevel: 'silent' });
  const app = await buildApp(config, { logger: false, start: SCENARIO_START });
  try {
    const docs = {} as Record<DocumentName, Json>;
    for (const name of DOCUMENT_NAMES) {
      const r = await app.inject({ method: 'GET', url: `/openapi/${name}.json` });
      if (r.statusCode !== 200) throw new Error(`GET /openapi/${name}.json answered ${r.statusCode}: ${r.body}`);
      docs[name] = r.json();
    }
    const problems: string[] = [];
    const vars: Record<string, string> = {};
    const fill = (s: string) =>
      s.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => {
        if (!(k in vars)) throw new Error(`scenario: {{${k}}} used before it was captured`);
        return vars[k]!;
      });
    for (const step of SCENARIO) {
      if (step.advance) {
        const a = await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds: step.advance } });
        if (a.statusCode !== 200) throw new Error(`scenario: clock advance answered ${a.statusCode}: ${a.body}`);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.headers ?? {})) headers[k] = fill(v);
      const body = step.body === undefined ? undefined : JSON.parse(fill(JSON.stringify(step.body)));
      const url = fill(step.url);
      const res = await app.inject({
        method: step.method,
        url,
        headers,
        ...(body !== undefined ? { payload: body } : {}),
      });
      const rec: Recorded = {
        method: step.method,
        url,
        statusCode: res.statusCode,
        contentType: String(res.headers['content-type'] ?? '')
          .split(';')[0]!
          .trim(),
        payload: res.body,
      };
      if (step.status !== undefined && res.statusCode !== step.status) {
        problems.push(
          `${step.method} ${step.url}: expected ${step.status}, got ${res.statusCode}: ${res.body.slice(0, 300)}`,
        );
        continue;
      }
      for (const [name, from] of Object.entries(step.capture ?? {})) {
        const v = from(
          res.statusCode === 204 ? undefined : parseBody(rec.contentType, res.body),
          res.headers as Record<string, unknown>,
        );
        if (typeof v !== 'string') problems.push(`${step.method} ${step.url}: could not capture ${name}`);
        else vars[name] = v;
      }
      if (step.example) attach(docs, { ...step, example: step.example }, rec, problems);
    }
    const files = {} as Record<DocumentName, string>;
    for (const name of DOCUMENT_NAMES) files[name] = `${JSON.stringify(docs[name], null, 2)}\n`;
    return { files, problems };
  } finally {
    await app.close();
    unseed();
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const { files, problems } = await generateOpenapi();
  for (const p of problems) process.stderr.write(`openapi: ${p}\n`);
  let stale = 0;
  for (const name of DOCUMENT_NAMES) {
    const file = path.join(OPENAPI_DIR, `${name}.json`);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (current === files[name]) continue;
    stale++;
    if (check) {
      process.stderr.write(`openapi: ${path.relative(ROOT, file)} is out of date: run npm run openapi\n`);
    } else {
      fs.mkdirSync(OPENAPI_DIR, { recursive: true });
      fs.writeFileSync(file, files[name]);
      process.stdout.write(`wrote ${path.relative(ROOT, file)}\n`);
    }
  }
  if (!check && stale === 0) process.stdout.write('openapi/ is up to date\n');
  process.exit(problems.length || (check && stale) ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
