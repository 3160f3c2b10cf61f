// The Trilio route schemas (src/trilio/schemas.ts) against the wire: real requests (every restore type, show through
// a restore's life, lists, snapshots, workloads, every error status, legacy and modern), each JSON answer checked
// against the response schema its route declares for that status, so the OpenAPI document cannot drift from what
// the emulator sends. Successful create bodies (and the seed's request examples) are checked against the declared
// body schema too, and every Trilio route must be exercised. The schemas validate: what they refuse is answered with
// the vendor's own fault (in the vendor's order of checks), and what they accept is what the routes accept. An XML
// answer is its JSON answer under the documented mapping.
import fs from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
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
const seed = (name: string) =>
  JSON.parse(fs.readFileSync(new URL(`./data/trilio-seed/${name}`, import.meta.url), 'utf8'));
const oneClick = (name = 'One Click Restore') => ({
  restore: { name, options: { type: 'openstack', restore_type: 'oneclick', oneclickrestore: true, openstack: {} } },
});

interface Route {
  method: string;
  url: string;
  schema: { querystring?: TSchema; body?: TSchema; response: Record<string, TSchema> };
}

let app: FastifyInstance;
let routes: Route[] = [];
/** The route (method + path pattern) that answered the last request. */
let answered: { method: string; url: string | undefined } | undefined;
afterEach(async () => {
  await app?.close();
});

/** The app as buildApp makes it, with every /v1 route's declared options recorded. */
async function start(over: Partial<Config> = {}): Promise<void> {
  routes = [];
  exercised.clear();
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

/** The routes that answered a request since the app started. */
const exercised = new Set<string>();

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
    headers: {
      ...H,
      ...(c.payload !== undefined && typeof c.payload !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...c.headers,
    },
    ...(c.payload === undefined
      ? {}
      : { payload: typeof c.payload === 'string' ? c.payload : JSON.stringify(c.payload) }),
  });
  const label = `${method} ${c.url} → ${res.statusCode}`;
  expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBe(c.status);
  // keystonemiddleware's 401 names its charset; the API's answers do not.
  const type = res.statusCode === 401 && res.json().error ? 'application/json; charset=UTF-8' : 'application/json';
  expect(res.headers['content-type'], label).toBe(type);
  const hit = answered as { method: string; url: string | undefined } | undefined; // set by the onSend hook
  expect(hit?.url, `${label}: no route answered`).toBeDefined();
  const route = routes.find((r) => r.method === hit!.method && r.url === hit!.url);
  expect(route, `${label}: route ${hit!.url} not recorded`).toBeDefined();
  exercised.add(`${route!.method} ${route!.url}`);
  const schema = route!.schema.response[String(res.statusCode)] ?? route!.schema.response.default;
  expect(schema, `${label}: ${route!.url} declares no ${res.statusCode} response`).toBeDefined();
  if (res.body === '') {
    expect(schema!.type, `${label}: empty body, but the declared response is not empty`).toBe('null');
  } else {
    expect(schema!.type, `${label}: a body, but the declared response is empty`).not.toBe('null');
    expect(
      problems(schema!, res.json()),
      `${label}: answer does not match the declared ${res.statusCode} schema`,
    ).toEqual([]);
  }
  if (method === 'POST' && res.statusCode < 300 && route!.schema.body) {
    expect(
      problems(route!.schema.body, c.payload),
      `${label}: request body does not match the declared body schema`,
    ).toEqual([]);
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

    const second = await call({
      url: `/v1/${P1}/workloads/${W1}/snapshots/${S1}`,
      payload: oneClick('second'),
      status: 202,
    });
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
        name: 'OneClick Restore',
        description: '-',
        options: {
          type: 'openstack',
          restore_type: 'oneclick',
          oneclickrestore: 'True',
          openstack: { instances: [], zone: '' },
          vmware: {},
          restore_options: {},
          name: 'OneClick Restore',
          description: '-',
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
    const selective = await call({
      url: `/v1/${P1}/snapshots/${S1B}`,
      payload: seed('selective-request.json'),
      status: 202,
    });
    const inplace = await call({
      url: `/v1/${P1}/workloads/${W_INPLACE}/snapshots/${S_INPLACE}`,
      payload: seed('inplace-request.json'),
      status: 202,
    });
    const web = await call({ url: `/v1/${P1}/snapshots/${S_WEB}`, payload: oneClick('web'), status: 202 });
    await advance(30);
    for (const r of [selective, inplace, web])
      await call({ url: `/v1/${P1}/restores/${r.json().restore.id}`, status: 200 });
    await advance(600);
    const ends = [];
    for (const r of [selective, inplace, web])
      ends.push((await call({ url: `/v1/${P1}/restores/${r.json().restore.id}`, status: 200 })).json().restore.status);
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
    await call({ url: `/v1/${P1}/restores/${R1}`, headers: { accept: 'text/html' }, status: 200 });
    await call({ url: `/v1/${P1}/restores?limit=x`, status: 400 });
    await call({ url: `/v1/${P1}/restores/detail?offset=-1`, status: 400 });
    await call({ url: `/v1/${P1}/restores?marker=nope`, status: 400 });
    await call({ url: `/v1/${P1}/restores?snapshot_id=nope`, status: 500 });
    await call({ url: `/v1/${P1}/restores/nope`, status: 404 });
    await call({ method: 'DELETE', url: `/v1/${P1}/restores/nope`, status: 404 });
    await call({ url: `/v1/${P1}/restores/nope/cancel`, status: 500 });
    await call({
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: '{"restore":',
      headers: { 'content-type': 'application/json' },
      status: 400,
    });
    await call({
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: `{"restore":{"name":"${'x'.repeat(5000)}"}}`,
      headers: { 'content-type': 'application/json' },
      status: 413,
    });
    await call({
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: '<restore/>',
      headers: { 'content-type': 'application/xml' },
      status: 415,
    });
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: { nothing: 1 }, status: 500 });
    await call({
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: { restore: { options: { type: 'vmware' } } },
      status: 500,
    });
    await call({ url: `/v1/${P1}/snapshots/nope`, payload: oneClick(), status: 500 });
    await call({ url: `/v1/${P1}/snapshots/${S_ERR}`, payload: oneClick(), status: 500 });
    await call({ url: `/v1/${P1}/snapshots/${S_LOCKED_WL}`, payload: oneClick(), status: 500 });
    // Fault rules: a status with a fault name (503) and one without (429, through `default`).
    for (const [operation, status] of [
      ['restores.detail', 503],
      ['workloads.list', 429],
      ['restores.create', 409],
    ] as const) {
      const rule = await app.inject({
        method: 'POST',
        url: '/_sim/rules',
        payload: { match: { operation }, effects: { error: { status } } },
      });
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
    await call({
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: { restore: { options: { type: 'openstack', openstack: {}, restore_type: 'selective' } } },
      status: 400,
    });
    await call({ url: `/v1/${P1}/snapshots/nope`, payload: oneClick(), status: 404 });
    await call({ url: `/v1/${P1}/snapshots/${S_ERR}`, payload: oneClick(), status: 400 });
  });

  it('every Trilio route was exercised', async () => {
    await start();
    const base = `/v1/${P1}/workloads/${W1}/snapshots/${S1}`;
    const id = (await call({ url: `${base}/restores`, payload: oneClick(), status: 202 })).json().restore.id as string;
    await call({ url: base, payload: oneClick(), status: 500 }); // the snapshot is restoring
    await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: oneClick(), status: 500 });
    for (const url of [`${base}/restores`, `${base}/restores/detail`, `${base}/restores/${id}`, base]) {
      await call({ url, status: 200 });
    }
    for (const url of [
      'restores',
      'restores/detail',
      `restores/${id}`,
      `restores/${id}/cancel`,
      'snapshots',
      'workloads',
    ]) {
      await call({ url: `/v1/${P1}/${url}`, status: 200 });
    }
    await call({ url: `/v1/${P1}/snapshots/${S1}`, status: 200 });
    await call({ url: `/v1/${P1}/workloads/${W1}`, status: 200 });
    await call({ method: 'DELETE', url: `${base}/restores/${id}`, status: 400 }); // cancelling
    await advance(5);
    await call({ method: 'DELETE', url: `/v1/${P1}/restores/${id}`, status: 200 });
    const missing = routes.map((r) => `${r.method} ${r.url}`).filter((r) => !exercised.has(r));
    expect(missing).toEqual([]);
    expect(routes.length).toBeGreaterThanOrEqual(17);
  });
});

describe('request bodies match the declared create body', () => {
  it.each(['oneclick-request.json', 'selective-request.json', 'inplace-request.json'])('seed %s', (name) => {
    expect(problems(CreateBody, seed(name))).toEqual([]);
  });
  it('a body with the wrong shape is reported (the schema is not vacuous)', () => {
    expect(
      problems(CreateBody, {
        restore: { name: 3, options: { type: 'openstack', restore_type: 'oneclick', openstack: [] } },
      }),
    ).not.toEqual([]);
  });
});

describe('trilio requests are validated by the declared schemas, with the vendor answers', () => {
  /** The query string schema a route declares (recorded by start()). */
  const declaredQuery = (url: string) => routes.find((r) => r.url === url)!.schema.querystring!;
  const fault = async (c: Call, body: Record<string, { code: number; message: string }>) =>
    expect((await call(c)).json()).toEqual(body);
  const bad = (message: string) => ({ badRequest: { code: 400, message } });

  it('list parameters: not an integer or negative is the 400 of api/common.py::limited, in its order', async () => {
    await start();
    await fault({ url: `/v1/${P1}/restores?limit=1e2`, status: 400 }, bad('limit param must be an integer'));
    await fault({ url: `/v1/${P1}/restores/detail?offset=0x10`, status: 400 }, bad('offset param must be an integer'));
    await fault({ url: `/v1/${P1}/restores?limit=`, status: 400 }, bad('limit param must be an integer'));
    await fault({ url: `/v1/${P1}/restores?limit=-3`, status: 400 }, bad('limit param must be positive'));
    await fault({ url: `/v1/${P1}/restores?limit=x&offset=y`, status: 400 }, bad('offset param must be an integer'));
    await fault({ url: `/v1/${P1}/restores?offset=-1&limit=-1`, status: 400 }, bad('limit param must be positive'));
    await fault({ url: `/v1/${P1}/restores?offset=abc&limit=-1`, status: 400 }, bad('offset param must be an integer'));
    // A parameter given twice counts with its last value; the path's snapshot does not change the checks.
    await fault({ url: `/v1/${P1}/restores?limit=1&limit=x`, status: 400 }, bad('limit param must be an integer'));
    const underSnapshot = `/v1/${P1}/workloads/${W1}/snapshots/${S1}/restores`;
    await fault({ url: `${underSnapshot}/detail?offset=-2`, status: 400 }, bad('offset param must be positive'));
    await fault({ url: `${underSnapshot}?marker=nope`, status: 400 }, bad('marker [nope] not found'));
    await fault({ url: `/v1/${P1}/restores?marker=nope&limit=x`, status: 400 }, bad('limit param must be an integer'));
  });

  it('what the declared list parameters accept is exactly what the route accepts', async () => {
    await start();
    const schema = declaredQuery('/v1/:project_id/restores');
    const values = ['5', ' +5 ', '0', '-0', '5000', '007', '-1', '1.5', '1e2', '0x10', 'x', '', '+', ' '];
    for (const limit of values) {
      const res = await app.inject({ url: `/v1/${P1}/restores?limit=${encodeURIComponent(limit)}`, headers: H });
      const accepted = problems(schema, { limit }).length === 0;
      expect(res.statusCode === 200, `limit=${JSON.stringify(limit)}: ${res.body}`).toBe(accepted);
    }
    // Python's int() and the vendor's clamp: spaces and a sign are fine, and more than 1000 is 1000.
    expect((await call({ url: `/v1/${P1}/restores?limit=%20%2B1%20`, status: 200 })).json().restores).toHaveLength(1);
    expect(
      (await call({ url: `/v1/${P1}/restores/detail?limit=5000&offset=-0`, status: 200 })).json().restores,
    ).toHaveLength(2);
  });

  const invalid: [string, unknown, string, string][] = [
    [
      'not an object',
      [],
      "local variable 'options' referenced before assignment",
      "The request body must hold a 'restore' object",
    ],
    [
      'restore not an object',
      { restore: 'x' },
      "local variable 'options' referenced before assignment",
      "The request body must hold a 'restore' object",
    ],
    [
      'options not an object',
      { restore: { options: 7 } },
      'Invalid restore options.',
      "Invalid restore options. 'options' must be an object",
    ],
    [
      'empty options',
      { restore: { options: {} } },
      'Invalid restore options.',
      "Invalid restore options. 'openstack' key is missing",
    ],
    [
      'type before openstack',
      { restore: { options: { type: 'x' } } },
      'Invalid restore options.',
      "Invalid restore options. 'type' must be 'openstack'",
    ],
    [
      'openstack not an object',
      { restore: { options: { type: 'openstack', restore_type: 'x', openstack: [] } } },
      'Invalid restore options.',
      "Invalid restore options. 'openstack' key is missing",
    ],
    [
      'instances not a list',
      { restore: { options: { type: 'openstack', restore_type: 'selective', openstack: { instances: {} } } } },
      'Invalid restore options.',
      "Invalid restore options. 'openstack.instances' must be a list",
    ],
    [
      'an instance without id',
      {
        testbubble: {
          options: { type: 'openstack', restore_type: 'inplace', openstack: { instances: [{ name: 'x' }] } },
        },
      },
      'Invalid restore options.',
      "Invalid restore options. 'openstack.instances[0].id': expected required property",
    ],
    [
      'a flag of the wrong type',
      {
        restore: {
          options: {
            type: 'openstack',
            restore_type: 'selective',
            openstack: { instances: [{ id: 'i', include: 'no' }] },
          },
        },
      },
      'Invalid restore options.',
      "Invalid restore options. 'openstack.instances[0].include': expected boolean",
    ],
  ];
  for (const [label, body, legacy, modern] of invalid) {
    it(`a create body of the wrong shape (${label}): the vendor's answer, before the snapshot is looked up`, async () => {
      await start();
      await fault(
        { url: `/v1/${P1}/snapshots/nope`, payload: body, status: 500 },
        { Error: { code: 500, message: legacy } },
      );
      expect(problems(CreateBody, body)).not.toEqual([]);
      await app.close();
      await start({ trilioErrors: 'modern' });
      await fault({ url: `/v1/${P1}/workloads/${W1}/snapshots/nope`, payload: body, status: 400 }, bad(modern));
    });
  }

  it('what the declared create body accepts is what the route accepts (valid bodies reach the snapshot lookup)', async () => {
    await start({ trilioErrors: 'modern' });
    const bodies = [
      ...invalid.map(([, body]) => body),
      seed('selective-request.json'),
      seed('inplace-request.json'),
      oneClick(),
      { testbubble: oneClick().restore },
      {
        restore: {
          name: 42,
          description: null,
          options: { ...oneClick().restore.options, openstack: { instances: [] } },
        },
      },
    ];
    for (const body of bodies) {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/${P1}/snapshots/nope`,
        headers: H,
        payload: body as object,
      });
      expect(res.statusCode === 404, `${JSON.stringify(body)}: ${res.body}`).toBe(
        problems(CreateBody, body).length === 0,
      );
    }
  });

  it('path ids are free text: an unknown id of any shape is not found, never a schema error', async () => {
    await start();
    await fault(
      { url: `/v1/${P1}/restores/%20not-a-uuid%20`, status: 404 },
      { itemNotFound: { code: 404, message: 'The resource could not be found.' } },
    );
    const long = 'x'.repeat(100); // the router's longest path parameter
    await fault(
      { url: `/v1/${P1}/snapshots/${long}`, status: 404 },
      { itemNotFound: { code: 404, message: `Snapshot ${long} could not be found.` } },
    );
  });

  it('a fault rule answers before the schema: an invalid request still counts as the operation', async () => {
    await start();
    const rule = await app.inject({
      method: 'POST',
      url: '/_sim/rules',
      payload: { match: { operation: 'restores.list' }, effects: { error: { status: 503 } } },
    });
    expect(rule.statusCode).toBe(201);
    await call({ url: `/v1/${P1}/restores?limit=x`, status: 503 });
  });
});

describe('trilio XML answers', () => {
  /** Element names of the documented mapping (docs/trilio.md). */
  const SINGULAR: Record<string, string> = {
    restores: 'restore',
    snapshots: 'snapshot',
    workloads: 'workload',
    links: 'link',
    restores_links: 'link',
    instances: 'instance',
    networks: 'network',
    subnets: 'subnet',
    routers: 'router',
    metadata: 'meta',
    vdisks: 'vdisk',
  };
  type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };
  const nameOf = (node: XmlNode) => Object.keys(node).find((k) => k !== ':@')!;
  /** Problems of an element parsed in order against the JSON value it renders. */
  function compare(node: XmlNode, key: string, value: unknown, at: string, out: string[]): void {
    const name = nameOf(node);
    const children = node[name] as XmlNode[];
    const tag = key.replace(/[^A-Za-z0-9_.-]/g, '_');
    if (name !== (/^[A-Za-z_]/.test(tag) ? tag : `_${tag}`))
      return void out.push(`${at}: element ${name}, expected ${key}`);
    if (value === null) {
      if (node[':@']?.['@_nil'] !== 'true' || children.length) out.push(`${at}: null is not <${name} nil="true"/>`);
    } else if (Array.isArray(value)) {
      if (children.length !== value.length)
        return void out.push(`${at}: ${children.length} items, expected ${value.length}`);
      for (const [i, c] of children.entries()) compare(c, SINGULAR[key] ?? 'item', value[i], `${at}[${i}]`, out);
    } else if (typeof value === 'object') {
      const entries = Object.entries(value as object);
      if (children.length !== entries.length)
        return void out.push(`${at}: ${children.length} children, expected ${entries.length}`);
      for (const [i, c] of children.entries())
        compare(c, entries[i]![0], entries[i]![1], `${at}.${entries[i]![0]}`, out);
    } else {
      const text = children.map((c) => String(c['#text'] ?? '')).join('');
      if (text !== String(value))
        out.push(`${at}: text ${JSON.stringify(text)}, expected ${JSON.stringify(String(value))}`);
    }
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    parseTagValue: false,
    trimValues: false,
  });

  it('every XML answer is its JSON answer under the documented mapping', async () => {
    await start({ publicUrl: 'http://wlm_backend' });
    const created = await call({ url: `/v1/${P1}/snapshots/${S1}`, payload: oneClick('a & <b> "c"'), status: 202 });
    const id = created.json().restore.id as string;
    await advance(20);
    const urls = [
      'restores?limit=1',
      'restores/detail',
      `restores/${id}`,
      `restores/${R1}`,
      `snapshots/${S1}`,
      'snapshots',
      'workloads',
      `workloads/${W1}`,
      'restores/nope',
    ];
    for (const url of urls) {
      const json = await app.inject({ url: `/v1/${P1}/${url}`, headers: H });
      const xml = await app.inject({ url: `/v1/${P1}/${url}`, headers: { ...H, accept: 'application/xml' } });
      expect([xml.statusCode, xml.headers['content-type']]).toEqual([json.statusCode, 'application/xml']);
      expect(xml.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
      const [root] = (parser.parse(xml.body) as XmlNode[]).filter((n) => nameOf(n) !== '?xml');
      const body = json.json() as Record<string, unknown>;
      const keys = Object.keys(body);
      const out: string[] = [];
      if (keys.length === 1) compare(root!, keys[0]!, body[keys[0]!], url, out);
      else compare(root!, 'response', body, url, out);
      expect(out, url).toEqual([]);
    }
  });
});
