// The vCenter route schemas (src/vcenter/schemas.ts) against the wire: real requests on both generations (sessions,
// validate, create, get through a job's life, cancel, the generic /rest forms, every error status), each answer
// checked against the response schema its route declares for that status, so the OpenAPI document cannot drift
// from what the emulator sends. Successful request bodies are checked against the declared body schema too.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import type { Config } from '../src/config.js';
import { RestError, SHARED_SCHEMAS, VapiError } from '../src/vcenter/schemas.js';
import { appRecordingRoutes, schemaChecker } from './helpers.js';

// Formats the schemas name (TypeBox checks only formats it knows).
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
if (!FormatRegistry.Has('password')) FormatRegistry.Set('password', () => true);

interface Route {
  method: string;
  url: string;
  action?: string;
  schema: { body?: { content: Record<string, { schema: TSchema }> }; response: Record<string, Record<string, unknown>> };
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
      routes.push({ method: String(r.method), url: r.url, ...(action ? { action } : {}), schema: r.schema as Route['schema'] });
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
  const action = path.startsWith('/rest') || path.startsWith('/api') ? (u.searchParams.get('action') ?? u.searchParams.get('~action') ?? undefined) : undefined;
  const same = routes.filter((r) => r.method === method && r.url === path);
  return same.find((r) => r.action !== undefined && r.action === action) ?? same.find((r) => r.action === undefined);
}

const seen = new Set<string>();
let checked = 0;
/** The tests that drive requests and ran to their end (the coverage check needs all three). */
let finished = 0;

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
  const payload = c.payload === undefined ? {} : { payload: typeof c.payload === 'string' ? c.payload : JSON.stringify(c.payload) };
  const headers = { ...(c.payload !== undefined && typeof c.payload !== 'string' ? { 'content-type': 'application/json' } : {}), ...c.headers };
  const res = await app.inject({ method, url: c.url, headers, ...payload });
  expect(res.statusCode, `${label}: ${res.body}`).toBe(c.status);
  const gen = new URL(c.url, 'http://x').pathname.startsWith('/rest') ? 'rest' : 'api';
  const route = routeOf(method, c.url);
  const ct = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  let schema: TSchema;
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
    expect(content?.[ct], `${label}: ${res.statusCode} ${ct} is not declared (declared: ${Object.keys(content ?? {}).join(', ')})`).toBeDefined();
    schema = content![ct]!.schema;
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
    expect(problems(schema, res.body), label).toEqual([]);
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
  location_type: 'SFTP', location: GOOD, location_user: 'backup', location_password: 'VMware1!', backup_password: 'VMware1!', ...over,
});
const basic = (u = 'root', p = 'VMware1!') => ({ authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });
const advance = (seconds: number) => app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
const rule = async (id: string, operation: string, status: number, vendorError?: string) => {
  const r = await app.inject({
    method: 'POST', url: '/_sim/rules',
    payload: { id, match: { api: 'vcenter', operation }, effects: { error: { status, message: `injected ${status}`, ...(vendorError ? { vendorError } : {}) } }, max: 2 },
  });
  expect(r.statusCode, r.body).toBeLessThan(300);
};

describe('vcenter answers match their declared schemas', () => {
  it('/rest: sessions, validate, create, get through a job, cancel OK/FAIL, generic forms, XML', async () => {
    await start();
    await call({ url: '/rest/appliance/recovery/restore/job', status: 401 });
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session', headers: basic('root', 'nope'), status: 401 });
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session?~action=list', headers: basic(), status: 404 });
    const sid = (await call({ method: 'POST', url: '/rest/com/vmware/cis/session', headers: basic(), status: 200 })).json().value as string;
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session', headers: { ...basic(), accept: 'application/xml' }, status: 200 });
    const H = { 'vmware-api-session-id': sid };
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session?~action=get', headers: H, status: 200 });
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session?~action=get', headers: { ...H, accept: 'text/xml' }, status: 200 });

    await call({ url: '/rest/appliance/recovery/restore/job', headers: H, status: 200 });
    for (const piece of [good(), good({ location: WARN }), good({ location: SSO }), good({ parts: ['common'] }), { location_type: 'NFS', location: 'nfs://backup.example.com/backups/vcsa01/2026-11-01' }])
      await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: H, payload: { piece }, status: 200 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: { ...H, accept: 'application/xml' }, payload: { piece: good() }, status: 200 });
    await call({ method: 'POST', url: '/rest/com/vmware/appliance/recovery/restore?~action=validate', headers: H, payload: { piece: good() }, status: 200 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: H, payload: { piece: good({ location: OFFLINE }) }, status: 500 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: H, payload: { piece: good({ location: undefined }) }, status: 400 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: H, payload: { piece: good({ location_type: 'TFTP' }) }, status: 400 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: H, payload: { piece: good({ ignore_warnings: true }) }, status: 500 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: H, payload: { piece: good(), extra: 1 }, status: 500 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: { ...H, 'content-type': 'application/json' }, payload: '{"piece":', status: 400 });

    // A job with parts: created, polled through its phases, canceled, nothing left to cancel.
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/job', headers: H, payload: { piece: good({ parts: ['common', 'seat'], ignore_warnings: false }) }, status: 200 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/job', headers: H, payload: { piece: good() }, status: 400 });
    for (const s of [1, 5, 10]) {
      await advance(s);
      await call({ url: '/rest/appliance/recovery/restore/job', headers: H, status: 200 });
    }
    await call({ url: '/rest/com/vmware/appliance/recovery/restore/job', headers: { ...H, accept: 'application/xml' }, status: 200 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/job/cancel', headers: H, status: 200 });
    await call({ url: '/rest/appliance/recovery/restore/job', headers: H, status: 200 });
    const fail = await call({ method: 'POST', url: '/rest/com/vmware/appliance/recovery/restore/job?~action=cancel', headers: H, status: 200 });
    expect(fail.json().value.status).toBe('FAIL');
    await call({ method: 'POST', url: '/rest/com/vmware/appliance/recovery/restore/job?~action=pause', headers: H, status: 404 });

    // The same through the generic mapping, in XML, run to success; then the appliance is configured.
    const xml = [
      '<?xml version="1.0" ?>',
      '<ns0:Create-Input xmlns:ns0="http://vmware.com/appliance/recovery/restore/job">',
      `<piece><location_type>SFTP</location_type><location>${GOOD}</location><location_user>backup</location_user>`,
      '<location_password>VMware1!</location_password><backup_password>VMware1!</backup_password></piece>',
      '</ns0:Create-Input>',
    ].join('\n');
    await call({ method: 'POST', url: '/rest/com/vmware/appliance/recovery/restore/job', headers: { ...H, 'content-type': 'application/xml' }, payload: xml, status: 200 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/job', headers: { ...H, 'content-type': 'application/xml' }, payload: xml, status: 400 });
    await advance(30);
    await call({ url: '/rest/com/vmware/appliance/recovery/restore/job', headers: H, status: 200 });
    await advance(600);
    const done = await call({ url: '/rest/appliance/recovery/restore/job', headers: H, status: 200 });
    expect(done.json().value.state).toBe('SUCCEEDED');
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/job', headers: H, payload: { piece: good() }, status: 400 });

    await call({ method: 'DELETE', url: '/rest/com/vmware/cis/session', headers: H, status: 200 });
    await call({ method: 'POST', url: '/rest/com/vmware/cis/session?~action=get', headers: H, status: 401 });
    finished++;
  });

  it('/api: sessions, validate, create, get through a job, cancel OK/FAIL', async () => {
    await start();
    await call({ url: '/api/session', status: 401 });
    await call({ method: 'POST', url: '/api/session', headers: basic('root', 'nope'), status: 401 });
    const sid = (await call({ method: 'POST', url: '/api/session', headers: basic('administrator@vsphere.local'), status: 201 })).json() as string;
    const H = { 'vmware-api-session-id': sid };
    await call({ url: '/api/session', headers: H, status: 200 });

    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    for (const body of [good(), good({ location: WARN }), good({ location: SSO, parts: ['seat'] })])
      await call({ method: 'POST', url: '/api/appliance/recovery/restore?action=validate', headers: H, payload: body, status: 200 });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore?action=validate', headers: H, payload: good({ location: OFFLINE }), status: 500 });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore?action=validate', headers: H, status: 400 });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore?action=validate', headers: H, payload: good({ backup_password: 7 }), status: 400 });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore?action=check', headers: H, payload: good(), status: 404 });

    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: H, payload: good({ location: WARN, ignore_warnings: true }), status: 201 });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: H, payload: good(), status: 400 });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job?action=pause', headers: H, status: 404 });
    for (const s of [2, 8, 15]) {
      await advance(s);
      await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    }
    const ok = await call({ method: 'POST', url: '/api/appliance/recovery/restore/job?action=cancel', headers: H, status: 200 });
    expect(ok.json().status).toBe('OK');
    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    const fail = await call({ method: 'POST', url: '/api/appliance/recovery/restore/job?action=cancel', headers: H, status: 200 });
    expect(fail.json().status).toBe('FAIL');

    // Failed jobs (at validate: warnings not ignored; at decrypt), then one that succeeds, then not allowed.
    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: H, payload: good({ location: WARN }), status: 201 });
    await advance(60);
    expect((await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 })).json().state).toBe('FAILED');
    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: H, payload: good({ backup_password: 'nope', parts: [] }), status: 201 });
    await advance(600);
    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: H, payload: good(), status: 201 });
    await advance(600);
    await call({ url: '/api/appliance/recovery/restore/job', headers: H, status: 200 });
    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: H, payload: good(), status: 400 });

    await call({ method: 'DELETE', url: '/api/session', headers: H, status: 204 });
    await call({ method: 'DELETE', url: '/api/session', headers: H, status: 401 });
    finished++;
  });

  it('every error status, in both dialects', async () => {
    await start();
    const sid = (await call({ method: 'POST', url: '/api/session', headers: basic(), status: 201 })).json() as string;
    const H = { 'vmware-api-session-id': sid };
    for (const gen of ['rest', 'api'] as const) {
      const job = `/${gen}/appliance/recovery/restore/job`;
      const create = (payload: unknown, headers: Record<string, string> = {}, status = 400) =>
        call({ method: 'POST', url: job, headers: { ...H, ...headers }, payload: gen === 'rest' && typeof payload === 'object' ? { piece: payload } : payload, status });
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
      for (const [status, vendorError] of [[403, undefined], [409, undefined], [500, undefined], [503, 'service_unavailable'], [504, undefined], [429, undefined], [502, 'internal_server_error']] as const) {
        await rule(`r${gen}${status}`, 'job.get', status, vendorError);
        await call({ url: job, headers: H, status });
        if (gen === 'rest') await call({ url: job, headers: { ...H, accept: 'application/xml' }, status });
        await app.inject({ method: 'DELETE', url: `/_sim/rules/r${gen}${status}` });
      }
    }
    await call({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: { ...H, 'content-type': 'application/xml' }, payload: '<a/>', status: 415 });
    await call({ url: '/api/appliance/recovery/restore/job', headers: { ...H, accept: 'application/xml' }, status: 406 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/job', headers: { ...H, 'content-type': 'application/xml' }, payload: '<!DOCTYPE x><a/>', status: 400 });
    await call({ method: 'POST', url: '/rest/appliance/recovery/restore/validate', headers: { ...H, 'content-type': 'application/xml', accept: 'application/xml' }, payload: '<ns0:Create-Input/>', status: 400 });
    finished++;
  });

  it('covered every status each generation answers', (ctx) => {
    // The three tests above, together, answered every declared status of both generations.
    if (finished < 3) ctx.skip();
    const want = ['200', '400', '401', '403', '404', '406', '409', '413', '415', '429', '500', '502', '503', '504'];
    for (const gen of ['rest', 'api']) for (const s of want) expect(seen.has(`${gen} ${s}`), `${gen} ${s} seen`).toBe(true);
    expect(seen.has('api 201') && seen.has('api 204')).toBe(true);
    expect(checked).toBeGreaterThan(100);
  });
});
