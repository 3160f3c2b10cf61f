// The Trilio route schemas (src/trilio/schemas.ts) against the wire: real requests (every restore type, show through
// a restore's life, lists, snapshots, workloads, every error status, legacy and modern), each JSON answer checked
// against the response schema its route declares for that status, so the OpenAPI document cannot drift from what
// the emulator sends. Successful create bodies (and the seed's request examples) are checked against the declared
// body schema too, and every Trilio route must have been exercised.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { Config } from '../src/config.js';
import { CreateBody, SHARED_SCHEMAS } from '../src/trilio/schemas.js';
import { appRecordingRoutes, schemaChecker } from './helpers.js';

const P1 = 'c76b3355a164498aa95ddbc960adc238';
const P2 = '4e8f1c2ab9d34f0e9a7d6c5b3a2f1e0d';
const W1 = '18b809de-d7c8-41e2-867d-4a306407fb11';
const S1 = '2e56d167-bad7-43c7-8ede-a613c3fe7844';
const S1B = '7a9c1e3b-5d7f-4a9c-8e3b-5d7f9a1c3e5b';
const S_ERR = 'c5d1a0e2-4b6f-4c8e-9a0b-1c2d3e4f5a6b';
const S_INPLACE = 'ed4f29e8-7544-4e1c-af8a-a76031211926';
const W_INPLACE = '3b7b1f2e-5c8d-4a61-9f0e-2d4c6b8a1e73';
const S_WEB = '1d3f5a7c-9e1b-4d3f-8a7c-9e1b3d5f7a9c';
const S_LOCKED_WL = '2e4a6c8e-0a2c-4e4a-9c8e-0a2c4e6a8c0e';
const W_LOCKED = '8d0e2f4a-6b8c-4d1e-a3f5-7b9c1d3e5f70';
const R1 = '29fdc1f8-1d53-4a10-bb45-e539a64cdbfc';
const R2 = '4673d962-f6a5-4209-8d3e-b9f2e9115f07';
const H = { 'x-auth-token': 'demo-token' };
const seed = (name: string) => JSON.parse(fs.readFileSync(new URL(`./data/trilio-seed/${name}`, import.meta.url), 'utf8'));
const oneClick = (name = 'One Click Restore') => ({
  restore: { name, options: { type: 'openstack', restore_type: 'oneclick', oneclickrestore: true, openstack: {} } },
});

interface Route {
  method: string;
  url: string;
  schema: { body?: TSchema; response: Record<string, TSchema> };
}

let app: FastifyInstance;
let routes: Route[] = [];
/** The route (method + path pattern) that answered the last request. */
let answered: { method: string; url: string | undefined } | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'pass' && ctx.task.name !== 'every Trilio route was exercised') finished++;
  await app?.close();
});

/** The app as buildApp makes it, with every /v1 route's declared options recorded. */
async function start(over: Partial<Config> = {}): Promise<void> {
  routes = [];
  app = await appRecordingRoutes(
    (r: RouteOptions) => {
      if (!r.url.startsWith('/v1/') || r.method === 'HEAD') return;
      routes.push({ method: String(r.method), url: r.url, schema: r.schema as Route['schema'] });
    },
    { bodyLimit: 4096, ...over },
    (a) =>
      a.addHook('onSend', async (request, _reply, payload) => {
        answered = { method: request.method, url: request.routeOptions.url };
        return payload;
      }),
  );
}

/** Problems of `value` against `schema` (its `$ref`s resolved among the shared structures), one readable line each. */
const problems = schemaChecker(SHARED_SCHEMAS);

/** Every route and status checked (across tests). */
const exercised = new Set<string>();
/** Request tests that ran to the end. */
let finished = 0;
const allRoutes = new Set<string>();

interface Call {
  method?: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
  status: number;
}

/** Sends a request and checks its answer against the response schema its route declares for that status. */
async function call(c: Call): Promise<LightMyRequestResponse> {
  const method = c.method ?? (c.payload === undefined ? 'GET' : 'POST');
  answered = undefined;
  const res = await app.inject({
    method,
    url: c.url,
    headers: { ...H, ...(c.payload !== undefined && typeof c.payload !== 'string' ? { 'content-type': 'application/json' } : {}), ...c.headers },
    ...(c.payload === undefined ? {} : { payload: typeof c.payload === 'string' ? c.payload : JSON.stringify(c.payload) }),
  });
  const label = `${method} ${c.url} → ${res.statusCode}`;
  expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBe(c.status);
  expect(res.headers['content-type'], label).toBe('application/json');
  const hit = answered as { method: string; url: string | undefined } | undefined; // set by the onSend hook
  expect(hit?.url, `${label}: no route answered`).toBeDefined();
  const route = routes.find((r) => r.method === hit!.method && r.url === hit!.url);
  expect(route, `${label}: route ${hit!.url} not recorded`).toBeDefined();
  for (const r of routes) allRoutes.add(`${r.method} ${r.url}`);
  exercised.add(`${route!.method} ${route!.url}`);
  const schema = route!.schema.response[String(res.statusCode)] ?? route!.schema.response.default;
  expect(schema, `${label}: ${route!.url} declares no ${res.statusCode} response`).toBeDefined();
  if (res.body === '') {
    expect(schema!.type, `${label}: empty body, but the declared response is not empty`).toBe('null');
  } else {
    expect(schema!.type, `${label}: a body, but the declared response is empty`).not.toBe('null');
    expect(problems(schema!, res.json()), `${label}: answer does not match the declared ${res.statusCode} schema`).toEqual([]);
  }
  if (method === 'POST' && res.statusCode < 300 && route!.schema.body) {
    expect(problems(route!.schema.body, c.payload), `${label}: request body does not match the declared body schema`).toEqual([]);
  }
  return res;
}

const advance = async (seconds: number) => {
  const r = await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
  expect(r.statusCode).toBe(200);
};

describe('trilio responses match the declared schemas', () => {
  it('one-click through its life: create (three paths), show, lists, cancel, delete', async () => {
    await start();
    const created = await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: oneClick(), status: 202 });
    const id = created.json().restore.id as string;
    await call({ url: `/v1/${P1}/restores/${id}`, status: 200 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, status: 200 }); // restoring
    await call({ url: `/v1/${P1}/workloads/${W1}`, status: 200 }); // locked
    await call({ method: 'DELETE', url: `/v1/${P1}/restores/${id}`, status: 400 }); // running
    for (const s of [3, 5, 20, 40]) {
      await advance(s);
      await call({ url: `/v1/${P1}/restores/${id}`, status: 200 });
      await call({ url: `/v1/${P1}/restores/detail`, status: 200 });
      await call({ url: `/v1/${P1}/restores`, status: 200 });
    }
    const done = await call({ url: `/v1/${P1}/workloads/${W1}/snapshots/${S1}/restores/${id}`, status: 200 });
    expect(done.json().restore.status).toBe('available');
    await call({ url: `/v1/${P1}/workloads/${W1}/snapshots/${S1}/restores`, status: 200 });
    await call({ url: `/v1/${P1}/workloads/${W1}/snapshots/${S1}/restores/detail?limit=1`, status: 200 });
    const page = await call({ url: `/v1/${P1}/restores/detail?limit=1&snapshot_id=${S1}`, status: 200 });
    expect(page.json().restores_links).toBeDefined();
    await call({ url: `/v1/${P1}/restores?limit=2&offset=1`, status: 200 });

    const second = await call({ url: `/v1/${P1}/workloads/${W1}/snapshots/${S1}`, payload: oneClick('second'), status: 202 });
    const id2 = second.json().restore.id as string;
    await advance(5);
    await call({ url: `/v1/${P1}/restores/${id2}/cancel`, status: 200 });
    await call({ url: `/v1/${P1}/restores/${id2}`, status: 200 }); // cancelling
    await advance(5);
    const cancelled = await call({ url: `/v1/${P1}/restores/${id2}`, status: 200 });
    expect(cancelled.json().restore.status).toBe('cancelled');
    await call({ url: `/v1/${P1}/restores/${id2}/cancel`, status: 200 }); // no-op
    await call({ method: 'DELETE', url: `/v1/${P1}/workloads/${W1}/snapshots/${S1}/restores/${id2}`, status: 200 });
    await call({ method: 'DELETE', url: `/v1/${P1}/restores/${id}`, status: 200 });
    await call({ url: `/v1/${P1}/restores/${id}`, status: 404 });

    // TMP sends oneclickrestore as the string "True", with extra keys; a test restore through ?test=1 and testbubble.
    const tmp = {
      restore: {
        name: 'OneClick Restore', description: '-',
        options: {
          type: 'openstack', restore_type: 'oneclick', oneclickrestore: 'True', openstack: { instances: [], zone: '' },
          vmware: {}, restore_options: {}, name: 'OneClick Restore', description: '-',
        },
      },
    };
    await call({ url: `/v1/${P1}/workloads/${W1}/snapshots/${S1}/restores`, payload: tmp, status: 202 });
    await advance(120);
    await call({ url: `/v1/${P1}/snapshots/${S1}?test=1`, payload: oneClick('test'), status: 202 });
    await advance(120);
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: { testbubble: oneClick('bubble').restore }, status: 202 });
    await advance(120);
    await call({ url: `/v1/${P1}/snapshots/${S1}`, status: 200 });
  });

  it('selective and in-place (the seed bodies), a failing one-click, an error fixture', async () => {
    await start();
    const selective = await call({ url: `/v1/${P1}/snapshots/${S1B}`, payload: seed('selective-request.json'), status: 202 });
    const inplace = await call({ url: `/v1/${P1}/workloads/${W_INPLACE}/snapshots/${S_INPLACE}`, payload: seed('inplace-request.json'), status: 202 });
    const web = await call({ url: `/v1/${P1}/snapshots/${S_WEB}`, payload: oneClick('web'), status: 202 });
    await advance(30);
    for (const r of [selective, inplace, web]) await call({ url: `/v1/${P1}/restores/${r.json().restore.id}`, status: 200 });
    await advance(600);
    const ends = [];
    for (const r of [selective, inplace, web]) ends.push((await call({ url: `/v1/${P1}/restores/${r.json().restore.id}`, status: 200 })).json().restore.status);
    expect(ends).toEqual(['available', 'available', 'error']);
    await call({ url: `/v1/${P1}/restores/${R2}`, status: 200 });
    await call({ url: `/v1/${P1}/restores/detail`, status: 200 });
    // The one-click seed body too.
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: seed('oneclick-request.json'), status: 202 });
  });

  it('snapshots and workloads', async () => {
    await start();
    await call({ url: `/v1/${P1}/snapshots`, status: 200 });
    await call({ url: `/v1/${P1}/snapshots?workload_id=${W1}&status=available`, status: 200 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, status: 200 });
    await call({ url: `/v1/${P1}/snapshots/${S_ERR}`, status: 200 });
    await call({ url: `/v1/${P1}/workloads/${W1}/snapshots/${S1}`, status: 200 });
    await call({ url: `/v1/${P1}/workloads`, status: 200 });
    await call({ url: `/v1/${P1}/workloads/${W1}`, status: 200 });
    await call({ url: `/v1/${P1}/workloads/${W_LOCKED}`, status: 200 });
    await call({ url: `/v1/${P1}/snapshots/nope`, status: 404 });
    await call({ url: `/v1/${P1}/workloads/nope`, status: 404 });
    await call({ url: `/v1/${P1}/snapshots?all=true`, headers: { 'x-auth-token': 'admin-token' }, status: 400 }); // admin token, demo's URL
  });

  it('every error status, legacy', async () => {
    await start();
    await call({ url: `/v1/${P1}/restores`, headers: { 'x-auth-token': '' }, status: 401 });
    await call({ url: `/v1/${P2}/restores/${R1}`, status: 400 }); // token of another project
    await call({ url: `/v1/${P1}/restores/${R1}`, headers: { accept: 'text/html' }, status: 406 });
    await call({ url: `/v1/${P1}/restores?limit=x`, status: 400 });
    await call({ url: `/v1/${P1}/restores/detail?offset=-1`, status: 400 });
    await call({ url: `/v1/${P1}/restores?marker=nope`, status: 400 });
    await call({ url: `/v1/${P1}/restores?snapshot_id=nope`, status: 500 });
    await call({ url: `/v1/${P1}/restores/nope`, status: 404 });
    await call({ method: 'DELETE', url: `/v1/${P1}/restores/nope`, status: 404 });
    await call({ url: `/v1/${P1}/restores/nope/cancel`, status: 500 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: '{"restore":', headers: { 'content-type': 'application/json' }, status: 400 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: `{"restore":{"name":"${'x'.repeat(5000)}"}}`, headers: { 'content-type': 'application/json' }, status: 413 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: '<restore/>', headers: { 'content-type': 'application/xml' }, status: 415 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: { nothing: 1 }, status: 500 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: { restore: { options: { type: 'vmware' } } }, status: 500 });
    await call({ url: `/v1/${P1}/snapshots/nope`, payload: oneClick(), status: 500 });
    await call({ url: `/v1/${P1}/snapshots/${S_ERR}`, payload: oneClick(), status: 500 });
    await call({ url: `/v1/${P1}/snapshots/${S_LOCKED_WL}`, payload: oneClick(), status: 500 });
    // Fault rules: a status with a fault name (503) and one without (429, through `default`).
    for (const [operation, status] of [['restores.detail', 503], ['workloads.list', 429], ['restores.create', 409]] as const) {
      const rule = await app.inject({ method: 'POST', url: '/_sim/rules', payload: { match: { operation }, effects: { error: { status } } } });
      expect(rule.statusCode).toBe(201);
    }
    await call({ url: `/v1/${P1}/restores/detail`, status: 503 });
    await call({ url: `/v1/${P1}/workloads`, status: 429 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: oneClick(), status: 409 });
  });

  it('every error status, modern', async () => {
    await start({ trilioErrors: 'modern' });
    await call({ url: `/v1/${P1}/restores?snapshot_id=nope`, status: 404 });
    await call({ url: `/v1/${P1}/restores/nope/cancel`, status: 404 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: { nothing: 1 }, status: 400 });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: { restore: { options: { type: 'openstack', openstack: {}, restore_type: 'selective' } } }, status: 400 });
    await call({ url: `/v1/${P1}/snapshots/nope`, payload: oneClick(), status: 404 });
    await call({ url: `/v1/${P1}/snapshots/${S_ERR}`, payload: oneClick(), status: 400 });
  });

  it('every Trilio route was exercised', (ctx) => {
    if (finished < 5) return ctx.skip(); // not every request test ran (e.g. with -t)
    const missing = [...allRoutes].filter((r) => !exercised.has(r));
    expect(missing).toEqual([]);
    expect(allRoutes.size).toBeGreaterThanOrEqual(17);
  });
});

describe('request bodies match the declared create body', () => {
  it.each(['oneclick-request.json', 'selective-request.json', 'inplace-request.json'])('seed %s', (name) => {
    expect(problems(CreateBody, seed(name))).toEqual([]);
  });
  it('a body with the wrong shape is reported (the schema is not vacuous)', () => {
    expect(problems(CreateBody, { restore: { name: 3, options: { type: 'openstack', restore_type: 'oneclick', openstack: [] } } })).not.toEqual([]);
  });
});
