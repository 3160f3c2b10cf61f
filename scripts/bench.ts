// `npm run bench`: a small, bounded, loopback-only benchmark, printing ratios measured in one run (absolute numbers
// depend on the machine; the ratios are what to compare between versions):
//   1. Trilio restore listing and show with 1 000 and then 10 000 restores in the project (how reads scale with state);
//   2. the same request through Fastify's inject and through a real loopback socket (what HTTP costs on top).
// The emulator runs in-process: in-memory database, virtual clock, silent logs. About 30 seconds in all.
// Options: --seconds <s> per measurement (default 1.5), --large <n> restores for the second size (default 10000).
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { validateConfig } from '../src/config.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '1.5' }, large: { type: 'string', default: '10000' } },
});
const SECONDS = Number(values.seconds);
const LARGE = Number(values.large);
const SMALL = 1000;
if (!(SECONDS > 0 && SECONDS <= 30) || !(Number.isInteger(LARGE) && LARGE > SMALL && LARGE <= 100_000)) {
  console.error('bench: --seconds must be in (0, 30], --large an integer in (1000, 100000]');
  process.exit(2);
}

const P = 'c76b3355a164498aa95ddbc960adc238';
const TOKEN = { 'x-auth-token': 'demo-token' };
const SEED_RESTORE = '29fdc1f8-1d53-4a10-bb45-e539a64cdbfc';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const restoreId = (i: number) => `b0000000-0000-4000-8000-${hex(i, 12)}`;

/** Clones of a finished seed restore, `from`..`to`-1, as a fixtures document for POST /_sim/fixtures (merge). */
function clones(template: Record<string, unknown>, from: number, to: number): unknown {
  const restores = [];
  for (let i = from; i < to; i++) {
    const id = restoreId(i);
    const created = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString().replace('Z', '').padEnd(26, '0');
    const r = structuredClone(template) as Record<string, any>;
    r.id = id;
    r.name = `bench restore ${i}`;
    r.created_at = r.updated_at = created;
    r.finished_at = created;
    for (const l of r.links ?? []) l.href = String(l.href).replace(SEED_RESTORE, id);
    (r.metadata ?? []).forEach((m: Record<string, unknown>, k: number) => {
      m.id = `c0000000-0000-4000-8000-${hex(i * 16 + k, 12)}`;
      m.restore_id = id;
    });
    restores.push(r);
  }
  return { trilio: { restores } };
}

interface Result {
  label: string;
  perSecond: number;
  n: number;
}

/** Sequential requests for SECONDS; each must answer 200. */
async function measure(label: string, once: () => Promise<number>): Promise<Result> {
  for (let i = 0; i < 3; i++) await once(); // warm-up
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() < end) {
    const status = await once();
    if (status !== 200) throw new Error(`${label}: status ${status}`);
    n++;
  }
  const r = { label, perSecond: n / ((performance.now() - t0) / 1000), n };
  console.log(`  ${label.padEnd(58)} ${r.perSecond.toFixed(0).padStart(7)} req/s  (${n} requests)`);
  return r;
}

async function load(app: FastifyInstance, doc: unknown): Promise<number> {
  const t0 = performance.now();
  const r = await app.inject({ method: 'POST', url: '/_sim/fixtures?mode=merge', payload: doc as object });
  if (r.statusCode !== 200) throw new Error(`loading fixtures: ${r.statusCode} ${r.body.slice(0, 500)}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const config = validateConfig({ port: 0, db: ':memory:', clock: 'virtual', logLevel: 'silent', bodyLimit: 1 << 29 });
  const app = await buildApp(config, { logger: false });
  try {
    const fixtures = (await app.inject({ method: 'GET', url: '/_sim/fixtures' })).json();
    const template = fixtures.trilio.restores.find((r: { id: string }) => r.id === SEED_RESTORE);
    if (!template) throw new Error(`the built-in fixtures have no restore ${SEED_RESTORE}`);
    const inject = (url: string) => async () => (await app.inject({ method: 'GET', url, headers: TOKEN })).statusCode;
    const detail = `/v1/${P}/restores/detail?limit=50`;
    const list = `/v1/${P}/restores`;
    const show = `/v1/${P}/restores/${restoreId(7)}`;

    console.log(
      `restoresim bench — node ${process.version}, ${SECONDS} s per measurement, in-process (inject) unless noted\n`,
    );
    const results: Record<string, Result> = {};
    for (const [size, from] of [
      [SMALL, 0],
      [LARGE, SMALL],
    ] as const) {
      const ms = await load(app, clones(template, from, size));
      console.log(`${size} restores (+${size - from} loaded through POST /_sim/fixtures in ${ms.toFixed(0)} ms):`);
      results[`detail${size}`] = await measure('GET /restores/detail?limit=50 (first page of 50)', inject(detail));
      results[`list${size}`] = await measure('GET /restores (summary list, first 1000)', inject(list));
      results[`show${size}`] = await measure('GET /restores/{id}', inject(show));
      results[`health${size}`] = await measure(
        'GET /_sim/health (no restore read; every request settles)',
        inject('/_sim/health'),
      );
    }

    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    console.log(`\nthe same app over a loopback socket (${base}, fetch with keep-alive, one request at a time):`);
    const viaSocket = (url: string) => async () => {
      const r = await fetch(base + url, { headers: TOKEN });
      await r.arrayBuffer();
      return r.status;
    };
    const showSocket = await measure('GET /restores/{id}', viaSocket(show));
    const healthSocket = await measure('GET /_sim/health', viaSocket('/_sim/health'));

    const ratio = (a: Result, b: Result) => (a.perSecond / b.perSecond).toFixed(2);
    console.log('\nratios (same run):');
    const pair = (name: string) => ratio(results[`${name}${SMALL}`]!, results[`${name}${LARGE}`]!);
    console.log(`  detail page,  ${SMALL} / ${LARGE} restores: ${pair('detail')}× faster with fewer`);
    console.log(`  summary list, ${SMALL} / ${LARGE} restores: ${pair('list')}× faster with fewer`);
    console.log(`  show by id,   ${SMALL} / ${LARGE} restores: ${pair('show')}× faster with fewer`);
    console.log(`  health,       ${SMALL} / ${LARGE} restores: ${pair('health')}× faster with fewer`);
    console.log(`  show by id,   inject / socket (${LARGE}):  ${ratio(results[`show${LARGE}`]!, showSocket)}×`);
    console.log(`  health,       inject / socket (${LARGE}):  ${ratio(results[`health${LARGE}`]!, healthSocket)}×`);
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
