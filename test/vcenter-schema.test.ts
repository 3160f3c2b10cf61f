// The vCenter route schemas (src/vcenter/schemas.ts, routes/schemas.ts) against the wire: real requests on both
// generations (sessions, validate, create, get through a job's life, cancel, the generic /rest forms, every error
// status), each answer checked against the response schema its route declares for that status (an XML answer: its
// root and namespace as declared, its content read as the JSON result and checked against the same schema), so the
// OpenAPI document cannot drift from what the emulator sends. Successful request bodies are checked against the
// declared body schema too. Then input that fails the schemas: the same vAPI answer on /rest (JSON and XML), /api
// and JSON-RPC.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { XMLParser } from 'fast-xml-parser';
import type { Config } from '../src/config.js';
import { RestError, SHARED_SCHEMAS, VapiError } from '../src/vcenter/routes/schemas.js';
import { appRecordingRoutes, schemaChecker } from './helpers.js';

// Formats the schemas name (TypeBox checks only formats it knows).
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set(
    'date-time',
    (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
  );
if (!FormatRegistry.Has('password')) FormatRegistry.Set('password', () => true);

interface Route {
  method: string;
  url: string;
  action?: string;
  schema: {
    body?: { content: Record<string, { schema: TSchema }> };
    response: Record<string, Record<string, unknown>>;
  };
}

let app: FastifyInstance;
let routes: Route[] = [];
afterEach(async () => {
  await app?.close();
});

/** The app as buildApp makes it, with every /rest and /api route's declared options recorded. */
async function start(over: Partial<Config> = {}): Promise<void> {
  routes = [];
  app = await appRecordingRoutes(
    (r: RouteOptions) => {
      if (!/^\/(rest|api)\//.test(r.url) || r.method === 'HEAD') return;
      const action = (r.constraints as Record<string, string> | undefined)?.vcenterAction;
      routes.push({
        method: String(r.method),
        url: r.url,
        ...(action ? { action } : {}),
        schema: r.schema as Route['schema'],
      });
    },
    { bodyLimit: 2048, ...over },
  );
}

/** Problems of `value` against `schema` (its `$ref`s resolved among the shared structures), one readable line each. */
const problems = schemaChecker(SHARED_SCHEMAS);

/** The route a request hits: same method and path; a route with an action constraint wins when the action matches. */
function routeOf(method: string, url: string): Route | undefined {
  const u = new URL(url, 'http://x');
  const path = u.pathname.replace(/(.)\/$/, '$1');
  const action =
    path.startsWith('/rest') || path.startsWith('/api')
      ? (u.searchParams.get('action') ?? u.searchParams.get('~action') ?? undefined)
      : undefined;
  const same = routes.filter((r) => r.method === method && r.url === path);
  return same.find((r) => r.action !== undefined && r.action === action) ?? same.find((r) => r.action === undefined);
}

const seen = new Set<string>();
let checked = 0;

// ---- XML answers, read as their JSON twin ------------------------------------------------------------------------

const byId = new Map(SHARED_SCHEMAS.map((s) => [s.$id!, s]));
const resolve = (s: TSchema): TSchema => (typeof s.$ref === 'string' ? byId.get(s.$ref)! : s);
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (n) => n === 'array-item',
});

/**
 * An XML element's content as the JSON value `schema` describes (lists from `<x-array><array-item>`, numbers and
 * booleans from their text); what does not fit is left as it is, for the schema check to refuse.
 */
function fromXml(node: unknown, schema: TSchema | undefined): unknown {
  const s = schema && resolve(schema);
  if (!s) return node;
  if (s.type === 'object' && node && typeof node === 'object') {
    const props = (s.properties ?? {}) as Record<string, TSchema>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k.startsWith('@')) continue;
      const list = k.endsWith('-array') ? k.slice(0, -'-array'.length) : undefined;
      if (list !== undefined) {
        // `<x-array/>`, or only `<array-item>` children; anything else is left for the schema check to refuse.
        const items = v && typeof v === 'object' && Object.keys(v).length === 1 ? Object.values(v)[0] : undefined;
        const itemSchema = (resolve(props[list] ?? {}) as { items?: TSchema }).items;
        const ok = Array.isArray(items) && 'array-item' in (v as object);
        out[list] = v === '' ? [] : ok ? items.map((x) => fromXml(x, itemSchema)) : v;
        continue;
      }
      out[k] = fromXml(v, props[k]);
    }
    return out;
  }
  if (typeof node !== 'string') return node;
  if (s.type === 'integer' || s.type === 'number') return /^-?\d+(\.\d+)?$/.test(node) ? Number(node) : node;
  if (s.type === 'boolean') return node === 'true' ? true : node === 'false' ? false : node;
  return node;
}

/** Problems of an XML answer: its root element and namespace against the declared document, its content as JSON. */
function xmlProblems(body: string, xmlSchema: TSchema, jsonSchema: TSchema): string[] {
  const declared = /<ns0:([\w-]+) xmlns:ns0="([^"]+)">/.exec(String(resolve(xmlSchema).description));
  if (!declared) return [`the declared XML document names no root: ${JSON.stringify(resolve(xmlSchema))}`];
  const doc = xmlParser.parse(body) as Record<string, Record<string, unknown>>;
  const roots = Object.keys(doc).filter((k) => !k.startsWith('?'));
  if (roots.length !== 1 || roots[0] !== `ns0:${declared[1]}`)
    return [`root ${roots.join(', ')}, declared ns0:${declared[1]}`];
  const root = doc[roots[0]]!;
  if (root['@xmlns:ns0'] !== declared[2]) return [`namespace ${String(root['@xmlns:ns0'])}, declared ${declared[2]}`];
  return problems(jsonSchema, fromXml(root, jsonSchema));
}

interface Call {
  method?: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
  /** Expected status. */
  status: number;
}

/** Sends a request and checks its answer against the declared response (and a successful JSON body against the declared body). */
async function call(c: Call): Promise<LightMyRequestResponse> {
  const method = c.method ?? 'GET';
  const label = `${method} ${c.url}`;
  const payload =
    c.payload === undefined ? {} : { payload: typeof c.payload === 'string' ? c.payload : JSON.stringify(c.payload) };
  const headers = {
    ...(c.payload !== undefined && typeof c.payload !== 'string' ? { 'content-type': 'application/json' } : {}),
    ...c.headers,
  };
  const res = await app.inject({ method, url: c.url, headers, ...payload });
  expect(res.statusCode, `${label}: ${res.body}`).toBe(c.status);
  const gen = new URL(c.url, 'http://x').pathname.startsWith('/rest') ? 'rest' : 'api';
  const route = routeOf(method, c.url);
  const ct = String(res.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim();
  let schema: TSchema;
  let xmlSchema: TSchema | undefined;
  if (!route) {
    // No route: the generation's not-found handler (404), in the generation's error shape.
    expect(res.statusCode, `${label}: no route, so only 404`).toBe(404);
    schema = gen === 'rest' ? RestError : VapiError;
  } else {
    const decl = route.schema.response[String(res.statusCode)] ?? route.schema.response.default;
    expect(decl, `${label} declares no ${res.statusCode} response (nor a default)`).toBeDefined();
    if (res.body === '') {
      expect(decl!.type, `${label}: an empty ${res.statusCode} body is declared type null`).toBe('null');
      seen.add(`${gen} ${res.statusCode}`);
      return res;
    }
    const content = decl!.content as Record<string, { schema: TSchema }> | undefined;
    expect(
      content?.[ct],
      `${label}: ${res.statusCode} ${ct} is not declared (declared: ${Object.keys(content ?? {}).join(', ')})`,
    ).toBeDefined();
    schema = content!['application/json']!.schema;
    xmlSchema = content!['application/xml']?.schema;
    if (res.statusCode < 400 && typeof c.payload === 'object' && c.payload !== null) {
      const bodySchema = route.schema.body?.content['application/json']?.schema;
      expect(bodySchema, `${label}: a body was accepted but none is declared`).toBeDefined();
      expect(problems(bodySchema!, c.payload), `${label}: request body vs its declared schema`).toEqual([]);
    }
  }
  if (ct === 'application/json') {
    expect(problems(schema, res.json()), `${label} → ${res.statusCode} ${res.body}`).toEqual([]);
  } else {
    expect(ct, label).toBe('application/xml');
    expect(gen, `${label}: XML only on /rest`).toBe('rest');
    expect(res.body.startsWith('<?xml version="1.0" ?>'), label).toBe(true);
    // No route (404): the /rest error document.
    const declared = xmlSchema ?? byId.get('vcenter.xml.vapi.std.errors.Error')!;
    expect(xmlProblems(res.body, declared, schema), `${label} → ${res.statusCode} ${res.body}`).toEqual([]);
  }
  seen.add(`${gen} ${res.statusCode}`);
  checked++;
  return res;
}

const GOOD = 'sftp://backup.example.com/backups/vcsa01/2026-11-01';
const SSO = 'sftp://backup.example.com/backups/vcsa02/2026-11-01';
const WARN = 'sftp://backup.example.com/backups/vcsa03/2026-10-15';
const OFFLINE = 'sftp://offline.example.com/backups/vcsa01/2026-11-01';
const good = (over: Record<string, unknown> = {}) => ({
  location_type: 'SFTP',
  location: GOOD,
  location_user: 'backup',
  location_password: 'VMware1!',
  backup_password: 'VMware1!',
  ...over,
});
const basic = (u = 'root', p = 'VMware1!') => ({
  authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
});
const advance = (seconds: number) => app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
const rule = async (id: string, operation: string, status: number, vendorError?: string) => {
  const r = await app.inject({
    method: 'POST',
    url: '/_sim/rules',
    payload: {
      id,
      match: { api: 'vcenter', operation },
      effects: { error: { status, message: `injected ${status}`, ...(vendorError ? { vendorError } : {}) } },
      max: 2,
    },
  });
  expect(r.statusCode, r.body).toBeLessThan(300);
};

describe('vcenter answers match their declared schemas', () => {
  it('/rest: sessions, validate, create, get through a job, cancel OK/FAIL, generic forms, XML', async () => {
    await start();
    await call({ url: '/rest/appliance/recovery/restore/job', status: 401 });
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session', headers: basic('root', 'nope'), status: 401 });
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session?~action=list', headers: basic(), status: 404 });
    const sid = (
      await call({ method: 'POST', url: '/rest/com/vmware/cis/session', headers: basic(), status: 200 })
    ).json().value as string;
    await call({
      method: 'POST',
      url: '/rest/com/vmware/cis/session',
      headers: { ...basic(), accept: 'application/xml' },
      status: 200,
    });
    const H = { 'vmware-api-session-id': sid };
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session?~action=get', headers: H, status: 200 });
    await call({
      method: 'POST',
      url: '/rest/com/vmware/cis/session?~action=get',
      headers: { ...H, accept: 'text/xml' },
      status: 200,
    });

    await call({ url: '/rest/appliance/recovery/restore/job', headers: H, status: 200 });
    for (const piece of [
      good(),
      good({ location: WARN }),
      good({ location: SSO }),
      good({ parts: ['common'] }),
      { location_type: 'NFS', location: 'nfs://backup.example.com/backups/vcsa01/2026-11-01' },
    ])
      await call({
        method: 'POST',
        url: '/rest/appliance/recovery/restore/validate',
        headers: H,
        payload: { piece },
        status: 200,
      });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: { ...H, accept: 'application/xml' },
      payload: { piece: good() },
      status: 200,
    });
    await call({
      method: 'POST',
      url: '/rest/com/vmware/appliance/recovery/restore?~action=validate',
      headers: H,
      payload: { piece: good() },
      status: 200,
    });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: H,
      payload: { piece: good({ location: OFFLINE }) },
      status: 500,
    });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: H,
      payload: { piece: good({ location: undefined }) },
      status: 400,
    });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: H,
      payload: { piece: good({ location_type: 'TFTP' }) },
      status: 400,
    });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: H,
      payload: { piece: good({ ignore_warnings: true }) },
      status: 500,
    });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: H,
      payload: { piece: good(), extra: 1 },
      status: 500,
    });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: { ...H, 'content-type': 'application/json' },
      payload: '{"piece":',
      status: 400,
    });

    // A job with parts: created, polled through its phases, canceled, nothing left to cancel.
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: H,
      payload: { piece: good({ parts: ['common', 'seat'], ignore_warnings: false }) },
      status: 200,
    });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: H,
      payload: { piece: good() },
      status: 400,
    });
    for (const s of [1, 5, 10]) {
      await advance(s);
      await call({ url: '/rest/appliance/recovery/restore/job', headers: H, status: 200 });
    }
    await call({
      url: '/rest/com/vmware/appliance/recovery/restore/job',
      headers: { ...H, accept: 'application/xml' },
      status: 200,
    });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/job/cancel', headers: H, status: 200 });
    await call({ url: '/rest/appliance/recovery/restore/job', headers: H, status: 200 });
    const fail = await call({
      method: 'POST',
      url: '/rest/com/vmware/appliance/recovery/restore/job?~action=cancel',
      headers: H,
      status: 200,
    });
    expect(fail.json().value.status).toBe('FAIL');
    await call({
      method: 'POST',
      url: '/rest/com/vmware/appliance/recovery/restore/job?~action=pause',
      headers: H,
      status: 404,
    });

    // The same through the generic mapping, in XML, run to success; then the appliance is configured.
    const xml = [
      '<?xml version="1.0" ?>',
      '<ns0:Create-Input xmlns:ns0="http://vmware.com/appliance/recovery/restore/job">',
      `<piece><location_type>SFTP</location_type><location>${GOOD}</location><location_user>backup</location_user>`,
      '<location_password>VMware1!</location_password><backup_password>VMware1!</backup_password></piece>',
      '</ns0:Create-Input>',
    ].join('\n');
    await call({
      method: 'POST',
      url: '/rest/com/vmware/appliance/recovery/restore/job',
      headers: { ...H, 'content-type': 'application/xml' },
      payload: xml,
      status: 200,
    });
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H, 'content-type': 'application/xml' },
      payload: xml,
      status: 400,
    });
    await advance(30);
    await call({ url: '/rest/com/vmware/appliance/recovery/restore/job', headers: H, status: 200 });
    await advance(600);
    const done = await call({ url: '/rest/appliance/recovery/restore/job', headers: H, status: 200 });
    expect(done.json().value.state).toBe('SUCCEEDED');
    await call({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: H,
      payload: { piece: good() },
      status: 400,
    });

    await call({ method: 'DELETE', url: '/rest/com/vmware/cis/session', headers: H, status: 200 });
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session?~action=get', headers: H, status: 401 });
  });

  it('/api: sessions, validate, create, get through a job, cancel OK/FAIL', async () => {
    await start();
    await call({ url: '/api/session', status: 401 });
    await call({ method: 'POST', url: '/api/session', headers: basic('root', 'nope'), status: 401 });
    const sid = (
      await call({ method: 'POST', url: '/api/session', headers: basic('administrator@vsphere.local'), status: 201 })
    ).json() as string;
    const H = { 'vmware-api-session-id': sid };
    await call({ url: '/api/session', headers: H, status: 200 });

    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    for (const body of [good(), good({ location: WARN }), good({ location: SSO, parts: ['seat'] })])
      await call({
        method: 'POST',
        url: '/api/appliance/recovery/restore?action=validate',
        headers: H,
        payload: body,
        status: 200,
      });
    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore?action=validate',
      headers: H,
      payload: good({ location: OFFLINE }),
      status: 500,
    });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore?action=validate', headers: H, status: 400 });
    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore?action=validate',
      headers: H,
      payload: good({ backup_password: 7 }),
      status: 400,
    });
    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore?action=check',
      headers: H,
      payload: good(),
      status: 404,
    });

    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: H,
      payload: good({ location: WARN, ignore_warnings: true }),
      status: 201,
    });
    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: H,
      payload: good(),
      status: 400,
    });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job?action=pause', headers: H, status: 404 });
    for (const s of [2, 8, 15]) {
      await advance(s);
      await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    }
    const ok = await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job?action=cancel',
      headers: H,
      status: 200,
    });
    expect(ok.json().status).toBe('OK');
    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    const fail = await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job?action=cancel',
      headers: H,
      status: 200,
    });
    expect(fail.json().status).toBe('FAIL');

    // Failed jobs (at validate: warnings not ignored; at decrypt), then one that succeeds, then not allowed.
    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: H,
      payload: good({ location: WARN }),
      status: 201,
    });
    await advance(60);
    expect((await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 })).json().state).toBe(
      'FAILED',
    );
    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: H,
      payload: good({ backup_password: 'nope', parts: [] }),
      status: 201,
    });
    await advance(600);
    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: H,
      payload: good(),
      status: 201,
    });
    await advance(600);
    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    await call({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: H,
      payload: good(),
      status: 400,
    });

    await call({ method: 'DELETE', url: '/api/session', headers: H, status: 204 });
    await call({ method: 'DELETE', url: '/api/session', headers: H, status: 401 });
  });

  it('every error status, in both dialects', async () => {
    await start();
    const sid = (await call({ method: 'POST', url: '/api/session', headers: basic(), status: 201 })).json() as string;
    await everyErrorStatus({ 'vmware-api-session-id': sid });
  });

  it('covered every status each generation answers (on its own: it drives its own requests)', async () => {
    await start();
    seen.clear();
    checked = 0;
    const sid = (await call({ method: 'POST', url: '/api/session', headers: basic(), status: 201 })).json() as string;
    const H = { 'vmware-api-session-id': sid };
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session', headers: basic(), status: 200 });
    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    await everyErrorStatus(H);
    await call({ method: 'DELETE', url: '/api/session', headers: H, status: 204 });
    const want = ['200', '400', '401', '403', '404', '406', '409', '413', '415', '429', '500', '502', '503', '504'];
    for (const gen of ['rest', 'api'])
      for (const s of want) expect(seen.has(`${gen} ${s}`), `${gen} ${s} seen`).toBe(true);
    expect(seen.has('api 201') && seen.has('api 204')).toBe(true);
    expect(checked).toBeGreaterThan(40);
  });
});

/** Every error status of both generations (fault rules for those only they cause), each answer checked by `call`. */
async function everyErrorStatus(H: Record<string, string>): Promise<void> {
  for (const gen of ['rest', 'api'] as const) {
    const job = `/${gen}/appliance/recovery/restore/job`;
    const create = (payload: unknown, headers: Record<string, string> = {}, status = 400) =>
      call({
        method: 'POST',
        url: job,
        headers: { ...H, ...headers },
        payload: gen === 'rest' && typeof payload === 'object' ? { piece: payload } : payload,
        status,
      });
    await create('{"nope"', { 'content-type': 'application/json' }); // 400 invalid_request
    await create({ location_type: 'SFTP' }); // 400 invalid_argument
    await create(good({ location: 'ftp://backup.example.com/x' })); // 400 location type mismatch
    await call({ url: job, status: 401 });
    await call({ url: `/${gen}/appliance/recovery/restore/jobs`, headers: H, status: 404 });
    await call({ method: 'DELETE', url: job, headers: H, status: 404 });
    await call({ url: job, headers: { ...H, accept: 'image/png' }, status: 406 });
    await create('x'.repeat(4096), { 'content-type': 'application/json' }, 413);
    await create('location=x', { 'content-type': 'text/plain' }, 415);
    await create(good({ colour: 'blue' }), {}, 500); // unexpected_input
    for (const [status, vendorError] of [
      [403, undefined],
      [409, undefined],
      [500, undefined],
      [503, 'service_unavailable'],
      [504, undefined],
      [429, undefined],
      [502, 'internal_server_error'],
    ] as const) {
      await rule(`r${gen}${status}`, 'job.get', status, vendorError);
      await call({ url: job, headers: H, status });
      if (gen === 'rest') await call({ url: job, headers: { ...H, accept: 'application/xml' }, status });
      await app.inject({ method: 'DELETE', url: `/_sim/rules/r${gen}${status}` });
    }
  }
  await call({
    method: 'POST',
    url: '/api/appliance/recovery/restore/job',
    headers: { ...H, 'content-type': 'application/xml' },
    payload: '<a/>',
    status: 415,
  });
  await call({ url: '/api/appliance/recovery/restore/job', headers: { ...H, accept: 'application/xml' }, status: 406 });
  await call({
    method: 'POST',
    url: '/rest/appliance/recovery/restore/job',
    headers: { ...H, 'content-type': 'application/xml' },
    payload: '<!DOCTYPE x><a/>',
    status: 400,
  });
  await call({
    method: 'POST',
    url: '/rest/appliance/recovery/restore/validate',
    headers: { ...H, 'content-type': 'application/xml', accept: 'application/xml' },
    payload: '<ns0:Create-Input/>',
    status: 400,
  });
  await call({
    url: '/rest/appliance/recovery/restore/nothing',
    headers: { ...H, accept: 'application/xml' },
    status: 404,
  });
}

describe('input that fails its schema: the same vAPI answer on /rest (JSON and XML), /api and JSON-RPC', () => {
  const R = 'com.vmware.appliance.recovery.restore';
  type Op = 'create' | 'validate';
  const STRUCT: Record<Op, string> = { create: `${R}.job.restore_request`, validate: `${R}.restore_request` };
  type Message = { id: string; default_message: string; args: string[] };
  interface Answer {
    status: number;
    type: string;
    messages: Message[];
  }
  const message = (m: Message): Message => ({ id: m.id, default_message: m.default_message, args: m.args });
  const xmlAnswers = new XMLParser({ isArray: (n) => n === 'array-item', parseTagValue: false });

  /** A RestoreRequest as the operation's /rest XML body. */
  const xmlOf = (op: Op, piece: Record<string, unknown>) => {
    const [root, ns] =
      op === 'create'
        ? ['Create-Input', 'http://vmware.com/appliance/recovery/restore/job']
        : ['Validate-Input', 'http://vmware.com/appliance/recovery/restore'];
    const fields = Object.entries(piece)
      .map(([k, v]) => `<${k}>${String(v)}</${k}>`)
      .join('');
    return `<?xml version="1.0" ?>\n<ns0:${root} xmlns:ns0="${ns}"><piece>${fields}</piece></ns0:${root}>`;
  };
  /** The same as the typed input of a vAPI JSON-RPC invoke (optionals as OPTIONAL). */
  const rpcOf = (op: Op, piece: Record<string, unknown>) => {
    const fields = Object.fromEntries(
      Object.entries(piece).map(([k, v]) => [k, k === 'location_type' || k === 'location' ? v : { OPTIONAL: v }]),
    );
    return { STRUCTURE: { 'operation-input': { piece: { STRUCTURE: { [STRUCT[op]]: fields } } } } };
  };

  /** The answer of each surface to the same request: HTTP status, vAPI error type and messages. */
  async function answers(op: Op, piece: Record<string, unknown>, sid: string): Promise<Record<string, Answer>> {
    const H = { 'vmware-api-session-id': sid };
    const restUrl = `/rest/appliance/recovery/restore/${op === 'create' ? 'job' : 'validate'}`;
    const apiUrl =
      op === 'create' ? '/api/appliance/recovery/restore/job' : '/api/appliance/recovery/restore?action=validate';
    const json = await app.inject({ method: 'POST', url: restUrl, headers: H, payload: { piece } });
    const xml = await app.inject({
      method: 'POST',
      url: restUrl,
      headers: { ...H, 'content-type': 'application/xml' },
      payload: xmlOf(op, piece),
    });
    const api = await app.inject({ method: 'POST', url: apiUrl, headers: H, payload: piece });
    const rpc = await app.inject({
      method: 'POST',
      url: '/api',
      payload: {
        jsonrpc: '2.0',
        method: 'invoke',
        id: '1',
        params: {
          serviceId: op === 'create' ? `${R}.job` : R,
          operationId: op,
          input: rpcOf(op, piece),
          ctx: { securityCtx: { sessionId: sid } },
        },
      },
    });
    const x = xmlAnswers.parse(xml.body)['ns0:Error'];
    const error = rpc.json().result.error.ERROR as Record<
      string,
      { messages: { STRUCTURE: Record<string, Message> }[] }
    >;
    const [rpcType] = Object.keys(error);
    return {
      'rest json': {
        status: json.statusCode,
        type: json.json().type,
        messages: json.json().value.messages.map(message),
      },
      'rest xml': {
        status: xml.statusCode,
        type: x.type,
        messages: x.value['messages-array']['array-item'].map(
          (m: Message & { 'args-array': '' | { 'array-item': string[] } }) =>
            message({ ...m, args: m['args-array'] === '' ? [] : m['args-array']['array-item'] }),
        ),
      },
      api: {
        status: api.statusCode,
        type: `com.vmware.vapi.std.errors.${String(api.json().error_type).toLowerCase()}`,
        messages: api.json().messages.map(message),
      },
      'json-rpc': {
        status: rpc.statusCode,
        type: rpcType!,
        messages: error[rpcType!]!.messages.map((m) =>
          message(m.STRUCTURE['com.vmware.vapi.std.localizable_message']!),
        ),
      },
    };
  }

  const fieldInvalid = (field: string, struct: string): Message => ({
    id: 'vapi.data.structure.field.invalid',
    default_message: `Invalid field '${field}' in structure '${struct}'`,
    args: [field, struct],
  });
  const cases: [string, Op, Record<string, unknown>, number, string, Message[]][] = [
    [
      'a missing field',
      'create',
      { location_type: 'SFTP', location_user: 'backup' },
      400,
      'invalid_argument',
      [
        {
          id: 'vapi.data.structure.field.missing',
          default_message: `Field 'location' missing from structure '${STRUCT.create}'`,
          args: [STRUCT.create, 'location'],
        },
      ],
    ],
    [
      'a value of the wrong type',
      'create',
      good({ ignore_warnings: 'yes' }),
      400,
      'invalid_argument',
      [
        fieldInvalid('ignore_warnings', STRUCT.create),
        {
          id: 'vapi.data.validate.mismatch',
          default_message: "Type mismatch - expected an object of type 'Boolean', but got 'String'",
          args: ['Boolean', 'String'],
        },
      ],
    ],
    [
      'a value outside the enum',
      'create',
      good({ location_type: 'TFTP' }),
      400,
      'invalid_argument',
      [
        fieldInvalid('location_type', STRUCT.create),
        {
          id: `${R}.location_type.invalid`,
          default_message:
            "Invalid value 'TFTP' for location_type: expected one of FTP, HTTP, FTPS, HTTPS, SCP, SFTP, NFS, SMB",
          args: ['TFTP', 'FTP, HTTP, FTPS, HTTPS, SCP, SFTP, NFS, SMB'],
        },
      ],
    ],
    [
      'a blank location',
      'validate',
      good({ location: '  ' }),
      400,
      'invalid_argument',
      [
        fieldInvalid('location', STRUCT.validate),
        { id: `${R}.location.empty`, default_message: 'The location must not be empty', args: [] },
      ],
    ],
    [
      'a field the structure does not declare',
      'create',
      good({ favourite_colour: 'blue' }),
      500,
      'unexpected_input',
      [
        {
          id: 'vapi.data.structure.field.unexpected',
          default_message: `Found unexpected field '{'favourite_colour'}' in structure '${STRUCT.create}'`,
          args: ["{'favourite_colour'}", STRUCT.create],
        },
      ],
    ],
    [
      'ignore_warnings, which validate does not declare',
      'validate',
      good({ ignore_warnings: true }),
      500,
      'unexpected_input',
      [
        {
          id: 'vapi.data.structure.field.unexpected',
          default_message: `Found unexpected field '{'ignore_warnings'}' in structure '${STRUCT.validate}'`,
          args: ["{'ignore_warnings'}", STRUCT.validate],
        },
      ],
    ],
  ];

  for (const [what, op, piece, status, type, messages] of cases) {
    it(`${op}: ${what}`, async () => {
      await start();
      const sid = (await app.inject({ method: 'POST', url: '/api/session', headers: basic() })).json() as string;
      const got = await answers(op, piece, sid);
      const want = { type: `com.vmware.vapi.std.errors.${type}`, messages };
      for (const [surface, a] of Object.entries(got)) {
        expect(a.status, surface).toBe(surface === 'json-rpc' ? 200 : status);
        expect({ type: a.type, messages: a.messages }, surface).toEqual(want);
      }
      // Nothing was created.
      const job = await app.inject({
        url: '/api/appliance/recovery/restore/job',
        headers: { 'vmware-api-session-id': sid },
      });
      expect(job.json().state).toBe('NONE');
    });
  }

  it('a /rest XML body rooted at another operation’s element is refused, in JSON and in XML', async () => {
    await start();
    const sid = (await app.inject({ method: 'POST', url: '/api/session', headers: basic() })).json() as string;
    const body = xmlOf('validate', good());
    for (const accept of ['application/json', 'application/xml']) {
      const r = await app.inject({
        method: 'POST',
        url: '/rest/appliance/recovery/restore/job',
        headers: { 'vmware-api-session-id': sid, 'content-type': 'application/xml', accept },
        payload: body,
      });
      expect(r.statusCode).toBe(400);
      const m =
        accept === 'application/json'
          ? r.json().value.messages[0]
          : xmlAnswers.parse(r.body)['ns0:Error'].value['messages-array']['array-item'][0];
      expect({ id: m.id, default_message: m.default_message }).toEqual({
        id: 'com.vmware.vapi.rest.badRequest.xml',
        default_message: 'The XML request body must be rooted at <ns0:Create-Input>, not <Validate-Input>',
      });
    }
  });
});
