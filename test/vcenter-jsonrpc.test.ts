// vCenter: the vAPI JSON-RPC endpoint POST /api (what the official SDKs speak), and a real socket.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from './helpers.js';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

const GOOD = 'sftp://backup.example.com/backups/vcsa01/2026-11-01';
const R = 'com.vmware.appliance.recovery.restore';
let n = 0;
const rpc = async (serviceId: string, operationId: string, input: unknown, securityCtx: unknown) => {
  const id = String(++n);
  const r = await app.inject({
    method: 'POST',
    url: '/api',
    headers: { 'content-type': 'application/json', 'vapi-service': serviceId, 'vapi-operation': operationId },
    payload: {
      jsonrpc: '2.0',
      method: 'invoke',
      id,
      params: { serviceId, operationId, input, ctx: { appCtx: {}, securityCtx } },
    },
  });
  expect(r.statusCode).toBe(200);
  const body = r.json();
  expect(body.id).toBe(id);
  expect(body.jsonrpc).toBe('2.0');
  return body.result;
};
const EMPTY = { STRUCTURE: { 'operation-input': {} } };
const pieceInput = (type: string, extra: Record<string, unknown> = {}) => ({
  STRUCTURE: {
    'operation-input': {
      piece: {
        STRUCTURE: {
          [type]: {
            backup_password: { OPTIONAL: { SECRET: 'VMware1!' } },
            location_type: 'SFTP',
            location: GOOD,
            location_user: { OPTIONAL: 'backup' },
            location_password: { OPTIONAL: { SECRET: 'VMware1!' } },
            sso_admin_user_name: { OPTIONAL: null },
            sso_admin_user_password: { OPTIONAL: null },
            ...extra,
          },
        },
      },
    },
  },
});

describe('vcenter vAPI JSON-RPC (POST /api)', () => {
  it('session.create, validate, job create/get/cancel with typed values; vAPI errors inside HTTP 200', async () => {
    app = await testApp();
    const login = await rpc('com.vmware.cis.session', 'create', EMPTY, {
      schemeId: 'com.vmware.vapi.std.security.user_pass',
      userName: 'root',
      password: 'VMware1!',
    });
    const sid = login.output.SECRET as string;
    expect(sid).toMatch(/^[0-9a-f]{32}$/);
    const sec = { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: sid };

    const bad = await rpc('com.vmware.cis.session', 'create', EMPTY, {
      schemeId: 'com.vmware.vapi.std.security.user_pass',
      userName: 'root',
      password: 'x',
    });
    expect(bad).toEqual({
      error: {
        ERROR: {
          'com.vmware.vapi.std.errors.unauthenticated': {
            messages: [
              {
                STRUCTURE: {
                  'com.vmware.vapi.std.localizable_message': {
                    id: 'com.vmware.vapi.endpoint.method.authentication.required',
                    default_message: 'Authentication required.',
                    args: [],
                    params: { OPTIONAL: null },
                    localized: { OPTIONAL: null },
                  },
                },
              },
            ],
            data: { OPTIONAL: null },
            error_type: { OPTIONAL: 'UNAUTHENTICATED' },
          },
        },
      },
    });

    const v = await rpc(R, 'validate', pieceInput(`${R}.restore_request`), sec);
    expect(v.output).toEqual({
      STRUCTURE: {
        [`${R}.metadata`]: {
          timestamp: '2026-11-01T02:00:13.512Z',
          parts: ['common', 'seat'],
          version: '8.0.3.00500',
          boxname: 'vcsa01.example.com',
          sso_login_required: { OPTIONAL: false },
          comment: 'Nightly backup of vcsa01',
          applicable: true,
          messages: [],
        },
      },
    });

    const none = await rpc(`${R}.job`, 'get', EMPTY, sec);
    expect(none.output).toEqual({
      STRUCTURE: { [`${R}.job.restore_job_status`]: { state: 'NONE', messages: [], progress: 0 } },
    });

    const c = await rpc(
      `${R}.job`,
      'create',
      pieceInput(`${R}.job.restore_request`, { ignore_warnings: { OPTIONAL: null } }),
      sec,
    );
    const st = c.output.STRUCTURE[`${R}.job.restore_job_status`];
    expect(st.state).toBe('INPROGRESS');
    expect(st.messages[0].STRUCTURE[`${R}.job.localizable_message`].id).toBe(`${R}.job.validate`);

    const busy = await rpc(`${R}.job`, 'create', pieceInput(`${R}.job.restore_request`), sec);
    expect(Object.keys(busy.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.feature_in_use']);
    expect(busy.error.ERROR['com.vmware.vapi.std.errors.feature_in_use'].error_type).toEqual({
      OPTIONAL: 'FEATURE_IN_USE',
    });

    // The session may also come in the vmware-api-session-id header.
    const r = await app.inject({
      method: 'POST',
      url: '/api',
      headers: { 'vmware-api-session-id': sid },
      payload: {
        jsonrpc: '2.0',
        method: 'invoke',
        id: '99',
        params: { serviceId: `${R}.job`, operationId: 'cancel', input: EMPTY, ctx: { appCtx: {} } },
      },
    });
    expect(r.json().result.output).toEqual({
      STRUCTURE: {
        [`${R}.job.return_result`]: {
          status: 'OK',
          messages: [
            {
              STRUCTURE: {
                [`${R}.job.localizable_message`]: {
                  id: `${R}.job.cancel.ok`,
                  default_message: 'The restore job was canceled',
                  args: [],
                },
              },
            },
          ],
        },
      },
    });
    const after = await rpc(`${R}.job`, 'get', EMPTY, sec);
    expect(after.output.STRUCTURE[`${R}.job.restore_job_status`].state).toBe('FAILED');

    const noAuth = await rpc(`${R}.job`, 'get', EMPTY, {
      schemeId: 'com.vmware.vapi.std.security.session_id',
      sessionId: 'nope',
    });
    expect(Object.keys(noAuth.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.unauthenticated']);
    const missing = await rpc(`${R}.job`, 'create', { STRUCTURE: { 'operation-input': {} } }, sec);
    expect(Object.keys(missing.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.invalid_argument']);
    const unknown = await rpc(`${R}.job`, 'explode', EMPTY, sec);
    expect(Object.keys(unknown.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.operation_not_found']);

    const info = await rpc('com.vmware.cis.session', 'get', EMPTY, sec);
    expect(info.output.STRUCTURE['com.vmware.cis.session.info'].user).toBe('root');
    expect((await rpc('com.vmware.cis.session', 'delete', EMPTY, sec)).output).toBeNull();
    const gone = await rpc(`${R}.job`, 'get', EMPTY, sec);
    expect(Object.keys(gone.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.unauthenticated']);
  });

  it('a request that is not JSON-RPC invoke gets a JSON-RPC error', async () => {
    app = await testApp();
    const r = await app.inject({ method: 'POST', url: '/api', payload: { jsonrpc: '2.0', id: '7', method: 'other' } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ jsonrpc: '2.0', id: '7', error: { code: -32600, message: 'Invalid Request' } });
  });
});

describe('vcenter JSON-RPC always answers HTTP 200', () => {
  const ERR = (result: { error?: { ERROR?: Record<string, unknown> } }) => Object.keys(result.error?.ERROR ?? {});
  const login = async () =>
    (
      await rpc('com.vmware.cis.session', 'create', EMPTY, {
        schemeId: 'com.vmware.vapi.std.security.user_pass',
        userName: 'root',
        password: 'VMware1!',
      })
    ).output.SECRET as string;

  it('a session id, user name or password that is not a string is no credential: unauthenticated, not a 500', async () => {
    app = await testApp();
    const sid = await login();
    for (const sessionId of [42, { id: sid }, [sid], true, null]) {
      for (const [service, op] of [
        [`${R}.job`, 'get'],
        ['com.vmware.cis.session', 'get'],
        ['com.vmware.cis.session', 'delete'],
        [`${R}.job`, 'cancel'],
      ] as const) {
        const res = await rpc(service, op, EMPTY, { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId });
        expect(ERR(res), `${service}.${op} ${JSON.stringify(sessionId)}`).toEqual([
          'com.vmware.vapi.std.errors.unauthenticated',
        ]);
      }
    }
    const odd = await rpc('com.vmware.cis.session', 'create', EMPTY, {
      schemeId: 'com.vmware.vapi.std.security.user_pass',
      userName: ['root'],
      password: { p: 'VMware1!' },
    });
    expect(ERR(odd)).toEqual(['com.vmware.vapi.std.errors.unauthenticated']);
    // A securityCtx that is not an object is no credential either.
    expect(ERR(await rpc(`${R}.job`, 'get', EMPTY, 'nope'))).toEqual(['com.vmware.vapi.std.errors.unauthenticated']);
    // The session is still good.
    const ok = await rpc(`${R}.job`, 'get', EMPTY, {
      schemeId: 'com.vmware.vapi.std.security.session_id',
      sessionId: sid,
    });
    expect(ok.output.STRUCTURE[`${R}.job.restore_job_status`].state).toBe('NONE');
  });

  it('input nested past the depth limit → invalid_argument in result.error, fast, with the request id', async () => {
    app = await testApp();
    const sid = await login();
    const sec = { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: sid };
    const nest = (n: number, inner: string) => '{"OPTIONAL":'.repeat(n) + inner + '}'.repeat(n);
    for (const [service, op] of [
      [`${R}.job`, 'create'],
      [R, 'validate'],
      [`${R}.job`, 'get'],
    ] as const) {
      const payload = `{"jsonrpc":"2.0","method":"invoke","id":"deep","params":{"serviceId":"${service}","operationId":"${op}","input":${nest(20000, '1')},"ctx":{"securityCtx":${JSON.stringify(sec)}}}}`;
      const t0 = performance.now();
      const r = await app.inject({
        method: 'POST',
        url: '/api',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body.id).toBe('deep');
      const e = body.result.error.ERROR['com.vmware.vapi.std.errors.invalid_argument'];
      expect(e.messages[0].STRUCTURE['com.vmware.vapi.std.localizable_message'].id).toBe('vapi.data.nesting.too.deep');
    }
    // Real SDK input (a few levels) is far below the limit; nothing was created.
    expect((await rpc(`${R}.job`, 'get', EMPTY, sec)).output.STRUCTURE[`${R}.job.restore_job_status`].state).toBe(
      'NONE',
    );
  });

  it('an id that is not a string, number or null is an Invalid Request (id null), however deep', async () => {
    app = await testApp();
    for (const idText of ['[1]', '{"a":1}', 'true', `${'['.repeat(20000)}${']'.repeat(20000)}`]) {
      const payload = `{"jsonrpc":"2.0","method":"invoke","id":${idText},"params":{"serviceId":"com.vmware.cis.session","operationId":"get","input":{}}}`;
      const r = await app.inject({
        method: 'POST',
        url: '/api',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(r.statusCode, idText.slice(0, 20)).toBe(200);
      expect(r.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
    }
    const num = await app.inject({
      method: 'POST',
      url: '/api',
      payload: { jsonrpc: '2.0', method: 'invoke', id: 3, params: { serviceId: 'x', operationId: 'y' } },
    });
    expect(num.json().id).toBe(3);
  });

  it('any other unexpected failure → the generic vAPI error in result.error, keeping the id', async () => {
    app = await testApp();
    const sid = await login();
    const sec = { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: sid };
    // A bug deeper in the service (a TypeError from job.get), as better-sqlite3 threw for a non-string session id.
    const payload = {
      jsonrpc: '2.0',
      method: 'invoke',
      id: 17,
      params: { serviceId: `${R}.job`, operationId: 'get', input: EMPTY, ctx: { securityCtx: sec } },
    };
    const { VcenterService } = await import('../src/vcenter/service.js');
    const orig = VcenterService.prototype.getJob;
    VcenterService.prototype.getJob = () => {
      throw new TypeError('boom');
    };
    try {
      const r = await app.inject({ method: 'POST', url: '/api', payload });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({
        jsonrpc: '2.0',
        id: 17,
        result: {
          error: {
            ERROR: {
              'com.vmware.vapi.std.errors.error': {
                messages: [
                  {
                    STRUCTURE: {
                      'com.vmware.vapi.std.localizable_message': {
                        id: 'com.vmware.vapi.rest.internalServerError',
                        default_message: 'Internal server error',
                        args: [],
                        params: { OPTIONAL: null },
                        localized: { OPTIONAL: null },
                      },
                    },
                  },
                ],
                data: { OPTIONAL: null },
                error_type: { OPTIONAL: 'ERROR' },
              },
            },
          },
        },
      });
    } finally {
      VcenterService.prototype.getJob = orig;
    }
  });
});

describe('vcenter JSON-RPC and fault rules', () => {
  const sec = (sid: string) => ({ schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: sid });
  const login = async () =>
    (
      await rpc('com.vmware.cis.session', 'create', EMPTY, {
        schemeId: 'com.vmware.vapi.std.security.user_pass',
        userName: 'root',
        password: 'VMware1!',
      })
    ).output.SECRET as string;
  const addRule = async (body: Record<string, unknown>) => {
    const r = await app.inject({ method: 'POST', url: '/_sim/rules', payload: body });
    expect(r.statusCode, r.body).toBeLessThan(300);
  };

  it('an injected error is a JSON-RPC answer: HTTP 200, result.error of the vendorError or the status type, the request id', async () => {
    app = await testApp();
    const sid = await login();
    await addRule({
      id: 'busy',
      match: { api: 'vcenter', operation: 'job.get' },
      effects: { error: { status: 503, message: 'try later', vendorError: 'resource_busy' } },
      max: 1,
    });
    const busy = await rpc(`${R}.job`, 'get', EMPTY, sec(sid));
    expect(busy).toEqual({
      error: {
        ERROR: {
          'com.vmware.vapi.std.errors.resource_busy': {
            messages: [
              {
                STRUCTURE: {
                  'com.vmware.vapi.std.localizable_message': {
                    id: 'com.vmware.vapi.std.errors.resource_busy',
                    default_message: 'try later',
                    args: [],
                    params: { OPTIONAL: null },
                    localized: { OPTIONAL: null },
                  },
                },
              },
            ],
            data: { OPTIONAL: null },
            error_type: { OPTIONAL: 'RESOURCE_BUSY' },
          },
        },
      },
    });
    for (const [status, type] of [
      [503, 'service_unavailable'],
      [500, 'error'],
      [401, 'unauthenticated'],
      [404, 'not_found'],
    ] as const) {
      await addRule({
        id: `s${status}`,
        match: { api: 'vcenter', operation: 'job.create' },
        effects: { error: { status } },
        max: 1,
      });
      const res = await rpc(`${R}.job`, 'create', pieceInput(`${R}.job.restore_request`), sec(sid));
      expect(Object.keys(res.error.ERROR), String(status)).toEqual([`com.vmware.vapi.std.errors.${type}`]);
    }
    // The rules are used up: the next call goes through, and no job was created by the faulted ones.
    expect((await rpc(`${R}.job`, 'get', EMPTY, sec(sid))).output.STRUCTURE[`${R}.job.restore_job_status`].state).toBe(
      'NONE',
    );
  });

  it('rules see the vAPI operation invoked: an outcome rule on job.create fails an SDK create, an error rule on job.get answers result.error', async () => {
    app = await testApp();
    const sid = await login();
    await addRule({
      id: 'fail',
      match: { api: 'vcenter', operation: 'job.create' },
      effects: { outcome: { state: 'FAILED', message: 'disk full' }, durationSeconds: 10 },
      max: 1,
    });
    await addRule({
      id: 'get503',
      match: { api: 'vcenter', operation: 'job.get' },
      effects: { error: { status: 503 } },
      max: 1,
    });
    await addRule({
      id: 'other',
      match: { api: 'vcenter', operation: 'jsonrpc.invoke' },
      effects: { error: { status: 400, vendorError: 'unsupported' } },
    });
    // Neither the session calls nor validate are job.create, job.get or an unknown operation: no rule fires.
    const v = await rpc(R, 'validate', pieceInput(`${R}.restore_request`), sec(sid));
    expect(v.output).toBeDefined();
    const c = await rpc(
      `${R}.job`,
      'create',
      pieceInput(`${R}.job.restore_request`, { ignore_warnings: { OPTIONAL: null } }),
      sec(sid),
    );
    expect(c.output.STRUCTURE[`${R}.job.restore_job_status`].state).toBe('INPROGRESS');
    const got = await rpc(`${R}.job`, 'get', EMPTY, sec(sid));
    expect(Object.keys(got.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.service_unavailable']);
    // The outcome and duration rule made the job fail after 10 s, in the restore configuration phase.
    await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds: 10 } });
    const st = (await rpc(`${R}.job`, 'get', EMPTY, sec(sid))).output.STRUCTURE[`${R}.job.restore_job_status`];
    expect(st.state).toBe('FAILED');
    const last = st.messages[st.messages.length - 1].STRUCTURE[`${R}.job.localizable_message`];
    expect(last.default_message).toBe('Restore failed while running phase "restore configuration": disk full');
    // An unknown operation is jsonrpc.invoke.
    const unknown = await rpc(`${R}.job`, 'explode', EMPTY, sec(sid));
    expect(Object.keys(unknown.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.unsupported']);
    const rules = (await app.inject({ method: 'GET', url: '/_sim/rules' })).json().rules as {
      id: string;
      fired: number;
    }[];
    expect(Object.fromEntries(rules.map((r) => [r.id, r.fired]))).toEqual({ fail: 1, get503: 1, other: 1 });
    // The journal names each call by the operation it invoked (newest first).
    const journal = (await app.inject({ method: 'GET', url: '/_sim/requests?path=/api' })).json().requests as {
      path: string;
      operation: string;
    }[];
    const ops = journal
      .filter((e) => e.path === '/api')
      .map((e) => e.operation)
      .reverse();
    expect(ops).toEqual(['session.create', 'restore.validate', 'job.create', 'job.get', 'job.get', 'jsonrpc.invoke']);
  });

  it('a refused SDK create (HTTP 200 with result.error) does not use up a create-only rule', async () => {
    app = await testApp();
    const sid = await login();
    await addRule({
      id: 'once',
      match: { api: 'vcenter', operation: 'job.create' },
      effects: { outcome: { state: 'FAILED', message: 'injected' } },
      max: 1,
    });
    const refused = await rpc(`${R}.job`, 'create', EMPTY, sec(sid));
    expect(Object.keys(refused.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.invalid_argument']);
    const noAuth = await rpc(`${R}.job`, 'create', pieceInput(`${R}.job.restore_request`), sec('nope'));
    expect(Object.keys(noAuth.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.unauthenticated']);
    const rule = (await app.inject({ method: 'GET', url: '/_sim/rules/once' })).json();
    expect({ matched: rule.matched, fired: rule.fired }).toEqual({ matched: 0, fired: 0 });
    await rpc(`${R}.job`, 'create', pieceInput(`${R}.job.restore_request`), sec(sid));
    await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds: 600 } });
    const st = (await rpc(`${R}.job`, 'get', EMPTY, sec(sid))).output.STRUCTURE[`${R}.job.restore_job_status`];
    expect(st.state).toBe('FAILED');
    expect(st.messages.at(-1).STRUCTURE[`${R}.job.localizable_message`].default_message).toContain('injected');
    const after = (await app.inject({ method: 'GET', url: '/_sim/rules/once' })).json();
    expect({ matched: after.matched, fired: after.fired }).toEqual({ matched: 1, fired: 1 });
  });

  it('errors before the handler stay JSON-RPC answers too: a body that is not JSON, an Accept it cannot meet', async () => {
    app = await testApp();
    const bad = await app.inject({
      method: 'POST',
      url: '/api',
      headers: { 'content-type': 'application/json' },
      payload: '{"jsonrpc":"2.0",',
    });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    const xml = await app.inject({
      method: 'POST',
      url: '/api',
      headers: { 'content-type': 'application/json', accept: 'text/xml' },
      payload: {
        jsonrpc: '2.0',
        method: 'invoke',
        id: '5',
        params: { serviceId: `${R}.job`, operationId: 'get', input: EMPTY, ctx: {} },
      },
    });
    expect(xml.statusCode).toBe(200);
    expect(xml.json().jsonrpc).toBe('2.0');
    expect(Object.keys(xml.json().result.error.ERROR)).toEqual(['com.vmware.vapi.std.errors.invalid_request']);
  });
});

describe('vcenter over a real socket', () => {
  it('login with Basic, reuse the cookie as sent, create, poll and read XML', async () => {
    app = await testApp();
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const login = await fetch(`${base}/rest/com/vmware/cis/session?`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('root:VMware1!').toString('base64')}`,
        'content-type': 'application/json',
      },
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^vmware-api-session-id=[0-9a-f]{32};Path=\/rest;HttpOnly$/);
    const create = await fetch(`${base}/rest/appliance/recovery/restore/job`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        piece: {
          location_type: 'SFTP',
          location: GOOD,
          location_user: 'backup',
          location_password: 'VMware1!',
          backup_password: 'VMware1!',
        },
      }),
    });
    expect(create.status).toBe(200);
    expect(await create.text()).toMatch(/"state":"INPROGRESS"/);
    await fetch(`${base}/_sim/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"seconds":120}',
    });
    const get = await fetch(`${base}/rest/appliance/recovery/restore/job`, {
      headers: { cookie, accept: 'application/xml' },
    });
    expect(get.headers.get('content-type')).toMatch(/^application\/xml/);
    const text = await get.text();
    expect(text).toContain('<state>SUCCEEDED</state>');
    expect(text).toContain('<progress>100</progress>');
    const api = await fetch(`${base}/api/appliance/recovery/restore/job`, {
      headers: { 'vmware-api-session-id': /=([0-9a-f]+);/.exec(cookie)![1]! },
    });
    expect(await api.text()).toMatch(/^\{"state":"SUCCEEDED","messages":\[.*\],"progress":100\}$/);
  });
});
