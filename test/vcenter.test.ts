// vCenter appliance restore API over HTTP (JSON): sessions and auth, both generations, every lifecycle path and
// every error, driven by the virtual clock.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { testApp, T0 } from './helpers.js';
import type { Config } from '../src/config.js';
import { validateSection } from '../src/vcenter/fixtures.js';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

const GOOD = 'sftp://backup.example.com/backups/vcsa01/2026-11-01';
const SSO = 'sftp://backup.example.com/backups/vcsa02/2026-11-01';
const WARN = 'sftp://backup.example.com/backups/vcsa03/2026-10-15';
const CORRUPT = 'https://backup.example.com/backups/vcsa04/2026-11-01';
const OFFLINE = 'sftp://offline.example.com/backups/vcsa01/2026-11-01';
const basic = (u = 'root', p = 'VMware1!') => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const good = (over: Record<string, unknown> = {}) => ({
  location_type: 'SFTP',
  location: GOOD,
  location_user: 'backup',
  location_password: 'VMware1!',
  backup_password: 'VMware1!',
  ...over,
});

async function start(over: Partial<Config> = {}) {
  app = await testApp(over);
  return app;
}
const advance = (seconds: number) => app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
async function login(): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/api/session', headers: { authorization: basic() } });
  expect(r.statusCode).toBe(201);
  return r.json() as string;
}
const H = (sid: string) => ({ 'vmware-api-session-id': sid });
const restCreate = (sid: string, piece: unknown) =>
  app.inject({ method: 'POST', url: '/rest/appliance/recovery/restore/job', headers: H(sid), payload: { piece } });
const apiCreate = (sid: string, body: unknown) =>
  app.inject({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: H(sid), payload: body as object });
const apiGet = async (sid: string) =>
  (await app.inject({ method: 'GET', url: '/api/appliance/recovery/restore/job', headers: H(sid) })).json();
const restGet = async (sid: string) =>
  (await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(sid) })).json();

/** A /rest error body with one message. */
const restError = (type: string, id: string, text: string, args: string[] = []) => ({
  type: `com.vmware.vapi.std.errors.${type}`,
  value: { messages: [{ args, default_message: text, id }], error_type: type.toUpperCase() },
});
const UNAUTH_REST = restError(
  'unauthenticated',
  'com.vmware.vapi.endpoint.method.authentication.required',
  'Authentication required.',
);
const UNAUTH_API = { error_type: 'UNAUTHENTICATED', messages: UNAUTH_REST.value.messages };

/** Runs a job to its end and returns the final status. */
async function runToEnd(sid: string, seconds = 600) {
  await advance(seconds);
  return apiGet(sid);
}

describe('vcenter sessions and auth', () => {
  it('/rest login: Basic → {"value": id} with the session cookie; ?~action=get; DELETE logs out', async () => {
    await start();
    const r = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/cis/session?',
      headers: { authorization: basic(), 'content-type': 'application/json' },
      payload: '',
    });
    expect(r.statusCode).toBe(200);
    const id = r.json().value as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.body).toBe(`{"value":"${id}"}`);
    // Secure only over HTTPS: inject is plain HTTP.
    expect(r.headers['set-cookie']).toBe(`vmware-api-session-id=${id};Path=/rest;HttpOnly`);

    const g = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/cis/session?~action=get',
      headers: { 'Vmware-Api-Session-Id': id },
    });
    expect(g.statusCode).toBe(200);
    expect(g.json()).toEqual({
      value: { user: 'root', created_time: new Date(T0).toISOString(), last_accessed_time: new Date(T0).toISOString() },
    });

    const d = await app.inject({
      method: 'DELETE',
      url: '/rest/com/vmware/cis/session',
      headers: { 'vmware-api-session-id': id, 'content-type': 'application/json' },
    });
    expect(d.statusCode).toBe(200);
    expect(d.body).toBe('');
    const after = await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(id) });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual(UNAUTH_REST);
  });

  it('no cookie with vmware-use-header-authn: true (any case); empty or other values keep it', async () => {
    await start();
    for (const value of ['true', 'TRUE', ' True ']) {
      const r = await app.inject({
        method: 'POST',
        url: '/rest/com/vmware/cis/session',
        headers: { authorization: basic(), 'Vmware-Use-Header-Authn': value },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    for (const value of ['', 'false', 'yes']) {
      const r = await app.inject({
        method: 'POST',
        url: '/rest/com/vmware/cis/session',
        headers: { authorization: basic(), 'Vmware-Use-Header-Authn': value },
      });
      expect(r.headers['set-cookie']).toBe(`vmware-api-session-id=${r.json().value};Path=/rest;HttpOnly`);
    }
  });

  it('method tunnelling: POST …/session?~method=delete logs out; ~method=get reads a GET route', async () => {
    await start();
    const id = (
      await app.inject({ method: 'POST', url: '/rest/com/vmware/cis/session', headers: { authorization: basic() } })
    ).json().value as string;
    const job = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job?~method=GET',
      headers: H(id),
    });
    expect(job.statusCode).toBe(200);
    expect(job.body).toBe('{"value":{"state":"NONE","messages":[],"progress":0}}');
    const d = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/cis/session?~method=delete',
      headers: { 'vmware-api-session-id': id },
    });
    expect(d.statusCode).toBe(200);
    expect(d.body).toBe('');
    const after = await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(id) });
    expect(after.statusCode).toBe(401);
    // Not a tunnel: an unknown ~method, or a GET carrying one, is routed as sent.
    const odd = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/cis/session?~method=fly',
      headers: { authorization: basic() },
    });
    expect(odd.statusCode).toBe(200);
    expect(odd.json().value).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the raw cookie with attributes authenticates', async () => {
    await start();
    const r2 = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/cis/session',
      headers: { authorization: basic('administrator@vsphere.local') },
    });
    const cookie = r2.headers['set-cookie'] as string;
    const g = await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: { cookie } });
    expect(g.statusCode).toBe(200);
    expect(g.body).toBe('{"value":{"state":"NONE","messages":[],"progress":0}}');
  });

  it('missing or bad credentials → 401 unauthenticated in each dialect', async () => {
    await start();
    for (const headers of [{}, { authorization: basic('root', 'nope') }, { authorization: 'Bearer x' }]) {
      const r = await app.inject({ method: 'POST', url: '/rest/com/vmware/cis/session', headers });
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual(UNAUTH_REST);
      const a = await app.inject({ method: 'POST', url: '/api/session', headers });
      expect(a.statusCode).toBe(401);
      expect(a.json()).toEqual(UNAUTH_API);
    }
    const bad = await app.inject({
      method: 'GET',
      url: '/api/appliance/recovery/restore/job',
      headers: H('0123456789abcdef0123456789abcdef'),
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual(UNAUTH_API);
    for (const [method, url] of [
      ['POST', '/rest/appliance/recovery/restore/validate'],
      ['POST', '/rest/appliance/recovery/restore/job'],
      ['POST', '/rest/appliance/recovery/restore/job/cancel'],
      ['POST', '/api/appliance/recovery/restore?action=validate'],
      ['POST', '/api/appliance/recovery/restore/job'],
      ['POST', '/api/appliance/recovery/restore/job?action=cancel'],
      ['GET', '/api/session'],
      ['DELETE', '/api/session'],
      ['DELETE', '/rest/com/vmware/cis/session'],
    ] as const) {
      const x = await app.inject({ method, url });
      expect(x.statusCode, `${method} ${url}`).toBe(401);
      expect(x.json().error_type ?? x.json().value.error_type).toBe('UNAUTHENTICATED');
    }
  });

  it('/api/session: POST 201 bare id, GET the session, DELETE 204; Basic on each call works too', async () => {
    await start();
    const r = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { authorization: basic('administrator@vsphere.local') },
    });
    expect(r.statusCode).toBe(201);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const id = r.json() as string;
    expect(r.body).toBe(JSON.stringify(id));
    const g = await app.inject({ method: 'GET', url: '/api/session', headers: H(id) });
    expect(g.json()).toEqual({
      user: 'administrator@vsphere.local',
      created_time: new Date(T0).toISOString(),
      last_accessed_time: new Date(T0).toISOString(),
    });
    const d = await app.inject({ method: 'DELETE', url: '/api/session', headers: H(id) });
    expect(d.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: H(id) })).statusCode).toBe(401);
    const b = await app.inject({
      method: 'GET',
      url: '/api/appliance/recovery/restore/job',
      headers: { authorization: basic() },
    });
    expect(b.body).toBe('{"state":"NONE","messages":[],"progress":0}');
    const rb = await app.inject({
      method: 'GET',
      url: '/rest/appliance/recovery/restore/job',
      headers: { authorization: basic('administrator@vsphere.local') },
    });
    expect(rb.statusCode).toBe(200);
  });

  it('sessions expire after the idle time of clock time; use keeps them alive', async () => {
    await start({ sessionIdle: 60 });
    const id = await login();
    await advance(59);
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: H(id) })).statusCode).toBe(200);
    await advance(59);
    const g = await app.inject({ method: 'GET', url: '/api/session', headers: H(id) });
    expect(g.json().last_accessed_time).toBe(new Date(T0 + 59_000).toISOString());
    await advance(60);
    const x = await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(id) });
    expect(x.statusCode).toBe(401);
    expect(x.json()).toEqual(UNAUTH_REST);
  });

  it('credentials come from fixtures', async () => {
    await start();
    const f = await app.inject({
      method: 'POST',
      url: '/_sim/fixtures',
      payload: { vcenter: { users: [{ username: 'ops', password: 's3cret' }] } },
    });
    expect(f.statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/api/session', headers: { authorization: basic('ops', 's3cret') } }))
        .statusCode,
    ).toBe(201);
    expect(
      (await app.inject({ method: 'POST', url: '/api/session', headers: { authorization: basic() } })).statusCode,
    ).toBe(201);
  });
});

describe('vcenter validate', () => {
  it('returns the backup metadata on both paths', async () => {
    await start();
    const sid = await login();
    const expected = {
      timestamp: '2026-11-01T02:00:13.512Z',
      parts: ['common', 'seat'],
      version: '8.0.3.00500',
      boxname: 'vcsa01.example.com',
      sso_login_required: false,
      comment: 'Nightly backup of vcsa01',
      applicable: true,
      messages: [],
    };
    const r = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: H(sid),
      payload: { piece: good() },
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(JSON.stringify({ value: expected }));
    const a = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore?action=validate',
      headers: H(sid),
      payload: good(),
    });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toEqual(expected);
    // The same backup over FTPS, SCP and NFS (no login on NFS).
    for (const [t, loc] of [
      ['FTPS', 'ftps'],
      ['SCP', 'scp'],
      ['NFS', 'nfs'],
    ]) {
      const v = await app.inject({
        method: 'POST',
        url: '/api/appliance/recovery/restore?action=validate',
        headers: H(sid),
        payload: good({
          location_type: t,
          location: GOOD.replace('sftp', loc!),
          ...(t === 'NFS' ? { location_user: null, location_password: null } : {}),
        }),
      });
      expect(v.statusCode, t).toBe(200);
    }
  });

  it('shows sso_login_required and warnings', async () => {
    await start();
    const sid = await login();
    const s = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore?action=validate',
      headers: H(sid),
      payload: good({ location: SSO }),
    });
    expect(s.json()).toMatchObject({ sso_login_required: true, boxname: 'vcsa02.example.com', messages: [] });
    const w = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore?action=validate',
      headers: H(sid),
      payload: good({ location: WARN }),
    });
    expect(w.json().messages).toEqual([
      {
        id: 'com.vmware.appliance.recovery.restore.warning.version_mismatch',
        default_message: 'The backup was taken on version 8.0.2.00300; this appliance runs 8.0.3.00500.',
        args: ['8.0.2.00300', '8.0.3.00500'],
      },
    ]);
  });

  it('answers 500 error for an unknown, unreachable or forbidden location, 400 for a mismatched type or missing field', async () => {
    await start();
    const sid = await login();
    const cases: [Record<string, unknown>, number, string, string][] = [
      [good({ location: 'sftp://backup.example.com/backups/nope' }), 500, 'ERROR', 'No such file or directory'],
      [
        good({ location: 'sftp://elsewhere.example.org/x' }),
        500,
        'ERROR',
        'Could not resolve host elsewhere.example.org',
      ],
      [good({ location: OFFLINE }), 500, 'ERROR', 'Connection to offline.example.com timed out'],
      [good({ location_password: 'wrong' }), 500, 'ERROR', 'Authentication failed for user backup'],
      [good({ location_user: undefined, location_password: undefined }), 500, 'ERROR', 'Login required'],
      [good({ location_type: 'FTPS' }), 400, 'INVALID_ARGUMENT', 'does not match the location'],
      [
        good({ location: undefined }),
        400,
        'INVALID_ARGUMENT',
        "Field 'location' missing from structure 'com.vmware.appliance.recovery.restore.restore_request'",
      ],
      [
        good({ location_type: 'GOPHER' }),
        400,
        'INVALID_ARGUMENT',
        'one of FTP, HTTP, FTPS, HTTPS, SCP, SFTP, NFS, SMB',
      ],
      [
        good({ backup_password: 42 }),
        400,
        'INVALID_ARGUMENT',
        "Invalid field 'backup_password' in structure 'com.vmware.appliance.recovery.restore.restore_request' Type mismatch - expected an object of type 'Secret', but got 'Integer'",
      ],
    ];
    for (const [piece, status, type, text] of cases) {
      const r = await app.inject({
        method: 'POST',
        url: '/rest/appliance/recovery/restore/validate',
        headers: H(sid),
        payload: { piece },
      });
      expect(r.statusCode, text).toBe(status);
      const body = r.json();
      expect(body.type).toBe(`com.vmware.vapi.std.errors.${type.toLowerCase()}`);
      expect(body.value.error_type).toBe(type);
      expect(body.value.messages.map((m: { default_message: string }) => m.default_message).join(' ')).toContain(text);
      const a = await app.inject({
        method: 'POST',
        url: '/api/appliance/recovery/restore?action=validate',
        headers: H(sid),
        payload: piece,
      });
      expect(a.statusCode).toBe(status);
      expect(a.json()).toEqual(body.value.error_type ? { error_type: type, messages: body.value.messages } : {});
    }
    const noPiece = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: H(sid),
      payload: { pice: good() },
    });
    expect(noPiece.statusCode).toBe(400);
    expect(noPiece.json().value.messages[0].default_message).toBe(
      "Field 'piece' missing from structure 'operation-input'",
    );
  });
});

describe('vcenter job lifecycle', () => {
  it('get before any job is NONE; a good restore runs its phases and SUCCEEDS; then create is refused', async () => {
    await start();
    const sid = await login();
    expect(await restGet(sid)).toEqual({ value: { state: 'NONE', messages: [], progress: 0 } });

    const c = await apiCreate(sid, good());
    expect(c.statusCode).toBe(201);
    expect(c.json()).toMatchObject({ state: 'INPROGRESS', progress: 0 });
    expect(c.json().messages.map((m: { id: string }) => m.id)).toEqual([
      'com.vmware.appliance.recovery.restore.job.validate',
    ]);

    let lastProgress = 0;
    let lastCount = 1;
    const seen = new Set<string>();
    for (let t = 0; t < 70; t += 2) {
      await advance(2);
      const s = await apiGet(sid);
      expect(s.progress).toBeGreaterThanOrEqual(lastProgress);
      expect(s.messages.length).toBeGreaterThanOrEqual(lastCount);
      lastProgress = s.progress;
      lastCount = s.messages.length;
      seen.add(s.state);
      if (s.state !== 'INPROGRESS') break;
    }
    expect([...seen]).toEqual(['INPROGRESS', 'SUCCEEDED']);
    const done = await restGet(sid);
    expect(done.value.state).toBe('SUCCEEDED');
    expect(done.value.progress).toBe(100);
    expect(done.value.messages.map((m: { id: string }) => m.id.split('.').pop())).toEqual([
      'validate',
      'download',
      'decrypt',
      'restore_configuration',
      'start_services',
      'succeeded',
    ]);
    expect(done.value.messages[3].args).toEqual(['vcsa01.example.com', '2026-11-01T02:00:13.512Z']);
    const metrics = (await app.inject({ method: 'GET', url: '/_sim/metrics' })).body;
    const transitions = metrics.split('\n').filter((l) => l.startsWith('restoresim_transitions_total{api="vcenter"'));
    expect(transitions).toEqual([
      'restoresim_transitions_total{api="vcenter",kind="job",from="INPROGRESS",to="SUCCEEDED"} 1',
      'restoresim_transitions_total{api="vcenter",kind="job",from="NONE",to="INPROGRESS"} 1',
    ]);

    const again = await restCreate(sid, good());
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual(
      restError(
        'not_allowed_in_current_state',
        'com.vmware.appliance.recovery.restore.job.not_allowed_in_current_state',
        'Restore is allowed only after deployment and before firstboot',
      ),
    );
    const apiAgain = await apiCreate(sid, good());
    expect(apiAgain.statusCode).toBe(400);
    expect(apiAgain.json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    // The job stays readable; cancel has nothing to cancel.
    const cancel = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job/cancel',
      headers: { ...H(sid), 'content-type': 'application/json' },
      payload: '',
    });
    expect(cancel.json().value.status).toBe('FAIL');
  });

  it('takes about a minute by default: download time follows size / --restore-rate', async () => {
    await start();
    const sid = await login();
    await apiCreate(sid, good());
    await advance(55);
    expect((await apiGet(sid)).state).toBe('INPROGRESS');
    await advance(10);
    expect((await apiGet(sid)).state).toBe('SUCCEEDED');
    await app.close();
    await start({ restoreRate: 1_610_612_736 });
    const s2 = await login();
    await apiCreate(s2, good());
    await advance(24);
    expect((await apiGet(s2)).state).toBe('SUCCEEDED');
  });

  it('a create while INPROGRESS → 400 feature_in_use', async () => {
    await start();
    const sid = await login();
    expect((await restCreate(sid, good())).statusCode).toBe(200);
    const r = await restCreate(sid, good());
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual(
      restError(
        'feature_in_use',
        'com.vmware.appliance.recovery.restore.job.feature_in_use',
        'A backup or restore is already in progress',
      ),
    );
    const a = await apiCreate(sid, good());
    expect(a.statusCode).toBe(400);
    expect(a.json().error_type).toBe('FEATURE_IN_USE');
  });

  const failures: [string, Record<string, unknown>, string, string, string][] = [
    [
      'unknown location',
      good({ location: 'sftp://backup.example.com/backups/missing' }),
      'download',
      'location.inaccessible',
      'No such file or directory',
    ],
    ['unreachable host', good({ location: OFFLINE }), 'download', 'location.inaccessible', 'timed out'],
    [
      'wrong location credentials',
      good({ location_password: 'nope' }),
      'download',
      'location.inaccessible',
      'Authentication failed for user backup',
    ],
    [
      'wrong backup password',
      good({ backup_password: 'nope' }),
      'decrypt',
      'job.decrypt_failed',
      'wrong backup password',
    ],
    [
      'missing backup password',
      good({ backup_password: undefined }),
      'decrypt',
      'job.decrypt_failed',
      'backup_password is not set',
    ],
    [
      'SSO credentials missing',
      good({ location: SSO }),
      'validate',
      'job.sso_credentials_missing',
      'needs the SSO administrator credentials',
    ],
    [
      'SSO credentials wrong',
      good({ location: SSO, sso_admin_user_name: 'administrator@vsphere.local', sso_admin_user_password: 'x' }),
      'validate',
      'job.sso_credentials_invalid',
      'SSO authentication failed',
    ],
    [
      'warnings without ignore_warnings',
      good({ location: WARN }),
      'validate',
      'job.validation_warnings',
      'ignore_warnings is not set',
    ],
    [
      'a corrupt backup',
      good({ location: CORRUPT, location_type: 'HTTPS', backup_password: undefined }),
      'restore_configuration',
      'job.failed',
      'Checksum mismatch',
    ],
  ];
  for (const [name, piece, phase, id, text] of failures) {
    it(`FAILS for ${name} at the ${phase} phase`, async () => {
      await start();
      const sid = await login();
      const c = await restCreate(sid, piece);
      expect(c.statusCode).toBe(200);
      expect(c.json().value.state).toBe('INPROGRESS');
      const s = await runToEnd(sid);
      expect(s.state).toBe('FAILED');
      expect(s.progress).toBeLessThan(100);
      const ids = s.messages.map((m: { id: string }) => m.id.replace('com.vmware.appliance.recovery.restore.', ''));
      expect(ids[ids.length - 1]).toBe(id);
      expect(ids[ids.length - 2]).toBe(`job.${phase}`);
      expect(s.messages[s.messages.length - 1].default_message).toContain(text);
      // A failed job frees the slot: a good restore may follow.
      expect((await apiCreate(sid, good())).statusCode).toBe(201);
    });
  }

  it('wrong backup password fails at decrypt, not at create: INPROGRESS through the download', async () => {
    await start();
    const sid = await login();
    await apiCreate(sid, good({ backup_password: 'nope' }));
    await advance(30);
    const mid = await apiGet(sid);
    expect(mid.state).toBe('INPROGRESS');
    expect(mid.messages).toHaveLength(2);
    await advance(13);
    const end = await apiGet(sid);
    expect(end.state).toBe('FAILED');
    expect(end.progress).toBe(61);
    expect(end.messages.map((m: { id: string }) => m.id.split('.').pop())).toEqual([
      'validate',
      'download',
      'decrypt',
      'decrypt_failed',
    ]);
  });

  it('SUCCEEDS with SSO credentials, with ignore_warnings, and over NFS without a login', async () => {
    for (const piece of [
      good({ location: SSO, sso_admin_user_name: 'administrator@vsphere.local', sso_admin_user_password: 'VMware1!' }),
      good({ location: WARN, ignore_warnings: true }),
      {
        location_type: 'NFS',
        location: 'nfs://backup.example.com/backups/vcsa01/2026-11-01/',
        backup_password: 'VMware1!',
      },
      good({ location_type: 'SCP', location: GOOD.replace('sftp', 'scp') }),
    ]) {
      await start();
      const sid = await login();
      expect((await apiCreate(sid, piece)).statusCode).toBe(201);
      expect((await runToEnd(sid)).state).toBe('SUCCEEDED');
      await app.close();
    }
  });

  it('location_type that does not match the URL scheme → 400 invalid_argument at create', async () => {
    await start();
    const sid = await login();
    const r = await restCreate(sid, good({ location_type: 'FTP' }));
    expect(r.statusCode).toBe(400);
    expect(r.json().type).toBe('com.vmware.vapi.std.errors.invalid_argument');
    expect(r.json().value.messages[0]).toEqual({
      args: ['FTP', GOOD],
      default_message: `The location type FTP does not match the location ${GOOD}: a FTP location starts with ftp://.`,
      id: 'com.vmware.appliance.recovery.restore.location_type.mismatch',
    });
    expect((await apiGet(sid)).state).toBe('NONE');
  });

  it('required fields, types and unknown fields', async () => {
    await start();
    const sid = await login();
    const miss = await apiCreate(sid, { location: GOOD });
    expect(miss.statusCode).toBe(400);
    expect(miss.json()).toEqual({
      error_type: 'INVALID_ARGUMENT',
      messages: [
        {
          args: ['com.vmware.appliance.recovery.restore.job.restore_request', 'location_type'],
          default_message:
            "Field 'location_type' missing from structure 'com.vmware.appliance.recovery.restore.job.restore_request'",
          id: 'vapi.data.structure.field.missing',
        },
      ],
    });
    const iw = await apiCreate(sid, good({ ignore_warnings: 'yes' }));
    expect(iw.statusCode).toBe(400);
    expect(iw.json().messages.map((m: { id: string; default_message: string }) => [m.id, m.default_message])).toEqual([
      [
        'vapi.data.structure.field.invalid',
        "Invalid field 'ignore_warnings' in structure 'com.vmware.appliance.recovery.restore.job.restore_request'",
      ],
      ['vapi.data.validate.mismatch', "Type mismatch - expected an object of type 'Boolean', but got 'String'"],
    ]);
    const parts = await apiCreate(sid, good({ parts: 7 }));
    expect(parts.statusCode).toBe(400);
    expect((await restCreate(sid, undefined)).statusCode).toBe(400);
    expect(
      (await app.inject({ method: 'POST', url: '/rest/appliance/recovery/restore/job', headers: H(sid) })).statusCode,
    ).toBe(400);
    // A set field the structure does not declare → unexpected_input (500 by the vAPI status map), as the vAPI
    // server skeleton answers; in the /rest body around `piece` too; validate has no ignore_warnings.
    const extra = await apiCreate(sid, good({ favourite_colour: 'blue' }));
    expect(extra.statusCode).toBe(500);
    expect(extra.json()).toEqual({
      error_type: 'UNEXPECTED_INPUT',
      messages: [
        {
          args: ["{'favourite_colour'}", 'com.vmware.appliance.recovery.restore.job.restore_request'],
          default_message:
            "Found unexpected field '{'favourite_colour'}' in structure 'com.vmware.appliance.recovery.restore.job.restore_request'",
          id: 'vapi.data.structure.field.unexpected',
        },
      ],
    });
    const outer = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: H(sid),
      payload: { piece: good(), spec: {} },
    });
    expect(outer.json().type).toBe('com.vmware.vapi.std.errors.unexpected_input');
    expect(outer.json().value.messages[0].default_message).toBe(
      "Found unexpected field '{'spec'}' in structure 'operation-input'",
    );
    const vIw = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore?action=validate',
      headers: H(sid),
      payload: good({ ignore_warnings: true }),
    });
    expect(vIw.json().error_type).toBe('UNEXPECTED_INPUT');
    expect((await apiGet(sid)).state).toBe('NONE');
    // An unknown field set to null is an unset optional and passes; `parts` (8.0.3+) is echoed in the status.
    const ok = await apiCreate(sid, good({ favourite_colour: null, parts: ['common'] }));
    expect(ok.statusCode).toBe(201);
    expect(ok.json().parts).toEqual(['common']);
    expect(Object.keys(ok.json())).toEqual(['state', 'messages', 'progress', 'parts']);
  });

  it('cancel: a running job ends FAILED with a cancel message; nothing to cancel → FAIL', async () => {
    await start();
    const sid = await login();
    const none = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job?action=cancel',
      headers: H(sid),
    });
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({
      status: 'FAIL',
      messages: [
        {
          id: 'com.vmware.appliance.recovery.restore.job.cancel.nothing',
          default_message: 'No restore job is in progress: there is nothing to cancel',
          args: [],
        },
      ],
    });
    await restCreate(sid, good());
    await advance(20);
    const before = await apiGet(sid);
    const r = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job/cancel',
      headers: { ...H(sid), 'content-type': 'application/json' },
      payload: '',
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(
      '{"value":{"status":"OK","messages":[{"id":"com.vmware.appliance.recovery.restore.job.cancel.ok","default_message":"The restore job was canceled","args":[]}]}}',
    );
    const s = await apiGet(sid);
    expect(s.state).toBe('FAILED');
    expect(s.progress).toBe(before.progress);
    expect(s.messages[s.messages.length - 1]).toEqual({
      id: 'com.vmware.appliance.recovery.restore.job.canceled',
      default_message: 'The restore job was canceled by root',
      args: ['root'],
    });
    await advance(600);
    expect((await apiGet(sid)).state).toBe('FAILED');
    const again = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job?action=cancel',
      headers: H(sid),
    });
    expect(again.json().status).toBe('FAIL');
  });

  it('the generic /rest/com/vmware/... mapping reaches the same operations', async () => {
    await start();
    const sid = await login();
    const v = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/appliance/recovery/restore?~action=validate',
      headers: H(sid),
      payload: { piece: good() },
    });
    expect(v.statusCode).toBe(200);
    const c = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/appliance/recovery/restore/job',
      headers: H(sid),
      payload: { piece: good() },
    });
    expect(c.json().value.state).toBe('INPROGRESS');
    const g = await app.inject({
      method: 'GET',
      url: '/rest/com/vmware/appliance/recovery/restore/job',
      headers: H(sid),
    });
    expect(g.json().value.state).toBe('INPROGRESS');
    const x = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/appliance/recovery/restore/job?~action=cancel',
      headers: H(sid),
    });
    expect(x.json().value.status).toBe('OK');
  });

  it('fixtures: an appliance already configured refuses restore; merged backups are restorable', async () => {
    await start();
    const sid = await login();
    await app.inject({
      method: 'POST',
      url: '/_sim/fixtures',
      payload: {
        vcenter: {
          backups: [
            {
              id: 'mine',
              locations: [{ location_type: 'SMB', location: 'smb://nas.example.com/share/vcsa' }],
              location_user: null,
              location_password: null,
              backup_password: null,
              size_bytes: 0,
            },
          ],
        },
      },
    });
    const c = await apiCreate(sid, { location_type: 'SMB', location: 'smb://nas.example.com/share/vcsa' });
    expect(c.statusCode).toBe(201);
    expect((await runToEnd(sid)).state).toBe('SUCCEEDED');
    // Reset returns to the fixtures' state: the appliance before firstboot, no job.
    expect((await app.inject({ method: 'POST', url: '/_sim/reset', payload: {} })).statusCode).toBeLessThan(300);
    expect((await apiGet(sid)).state).toBe('NONE');
    await app.inject({
      method: 'POST',
      url: '/_sim/fixtures',
      payload: { vcenter: { appliance: { state: 'CONFIGURED' } } },
    });
    expect((await apiCreate(sid, good())).json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
  });
});

describe('vcenter location types', () => {
  it('every location_type restores from its own scheme and is refused with another', async () => {
    await start();
    const sid = await login();
    const types = ['FTP', 'HTTP', 'FTPS', 'HTTPS', 'SCP', 'SFTP', 'NFS', 'SMB'];
    const loc = (t: string) => `${t.toLowerCase()}://files.example.com/backups/all-types`;
    const f = await app.inject({
      method: 'POST',
      url: '/_sim/fixtures',
      payload: {
        vcenter: {
          backups: [
            {
              id: 'all-types',
              locations: types.map((t) => ({ location_type: t, location: loc(t) })),
              location_user: null,
              location_password: null,
              backup_password: null,
              size_bytes: 1_000_000,
            },
          ],
        },
      },
    });
    expect(f.statusCode).toBe(200);
    for (const t of types) {
      const v = await app.inject({
        method: 'POST',
        url: '/api/appliance/recovery/restore?action=validate',
        headers: H(sid),
        payload: { location_type: t, location: loc(t) },
      });
      expect(v.statusCode, t).toBe(200);
      const other = types[(types.indexOf(t) + 1) % types.length]!;
      const m = await app.inject({
        method: 'POST',
        url: '/api/appliance/recovery/restore?action=validate',
        headers: H(sid),
        payload: { location_type: other, location: loc(t) },
      });
      expect(m.statusCode, `${other} with ${loc(t)}`).toBe(400);
      expect(m.json().error_type).toBe('INVALID_ARGUMENT');
    }
    expect((await apiCreate(sid, { location_type: 'FTP', location: loc('FTP') })).statusCode).toBe(201);
    expect((await runToEnd(sid)).state).toBe('SUCCEEDED');
  });
});

describe('vcenter errors and representations (JSON)', () => {
  it('406, 415, 413, malformed JSON, unknown paths and actions, all in the vAPI dialect', async () => {
    await start({ bodyLimit: 1024 });
    const sid = await login();
    const nAcc = await app.inject({
      method: 'GET',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), accept: 'text/html' },
    });
    expect(nAcc.statusCode).toBe(406);
    expect(nAcc.json().type).toBe('com.vmware.vapi.std.errors.invalid_request');
    const nAccApi = await app.inject({
      method: 'GET',
      url: '/api/appliance/recovery/restore/job',
      headers: { ...H(sid), accept: 'application/xml' },
    });
    expect(nAccApi.statusCode).toBe(406);
    expect(nAccApi.json().error_type).toBe('INVALID_REQUEST');
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/appliance/recovery/restore/job',
          headers: { ...H(sid), accept: 'application/json, text/plain, */*' },
        })
      ).statusCode,
    ).toBe(200);

    const ct = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: { ...H(sid), 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(ct.statusCode).toBe(415);
    expect(ct.json().error_type).toBe('INVALID_REQUEST');
    const xmlApi = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: { ...H(sid), 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xmlApi.statusCode).toBe(415);
    const ctRest = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=b',
    });
    expect(ctRest.statusCode).toBe(415);
    expect(ctRest.json().type).toBe('com.vmware.vapi.std.errors.invalid_request');

    const big = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: H(sid),
      payload: { piece: good({ location: 'x'.repeat(5000) }) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual(
      restError(
        'invalid_request',
        'com.vmware.vapi.rest.requestEntityTooLarge',
        'The request body is larger than 1024 bytes',
        ['1024'],
      ),
    );

    const bad = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: { ...H(sid), 'content-type': 'application/json' },
      payload: '{"location_type":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_type).toBe('INVALID_REQUEST');
    expect(bad.json().messages[0].default_message).toMatch(/^Invalid JSON in request body/);
    expect(bad.body).not.toMatch(/at .*\.ts:\d+/);

    const nf = await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/nothing' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json().type).toBe('com.vmware.vapi.std.errors.not_found');
    const nfApi = await app.inject({ method: 'DELETE', url: '/api/appliance/recovery/restore/job' });
    expect(nfApi.statusCode).toBe(404);
    expect(nfApi.json().error_type).toBe('NOT_FOUND');
    const noAction = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore',
      headers: H(sid),
      payload: good(),
    });
    expect(noAction.statusCode).toBe(404);
    const badAction = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job?action=explode',
      headers: H(sid),
      payload: good(),
    });
    expect(badAction.statusCode).toBe(404);
    expect(badAction.json().error_type).toBe('NOT_FOUND');
    const badRestAction = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/cis/session?~action=explode',
      headers: { authorization: basic() },
    });
    expect(badRestAction.statusCode).toBe(404);
    expect(badRestAction.json().type).toBe('com.vmware.vapi.std.errors.operation_not_found');
  });

  it('fault rules: injected errors render in each dialect; outcome and duration apply to the job', async () => {
    await start();
    const sid = await login();
    const rule = await app.inject({
      method: 'POST',
      url: '/_sim/rules',
      payload: {
        id: 'unavail',
        match: { api: 'vcenter', operation: 'job.get' },
        effects: { error: { status: 503, message: 'vpxd is restarting', vendorError: 'service_unavailable' } },
        max: 2,
      },
    });
    expect(rule.statusCode).toBeLessThan(300);
    const r = await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(sid) });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual(
      restError('service_unavailable', 'com.vmware.vapi.std.errors.service_unavailable', 'vpxd is restarting'),
    );
    const a = await app.inject({ method: 'GET', url: '/api/appliance/recovery/restore/job', headers: H(sid) });
    expect(a.statusCode).toBe(503);
    expect(a.json().error_type).toBe('SERVICE_UNAVAILABLE');

    await app.inject({
      method: 'POST',
      url: '/_sim/rules',
      payload: {
        id: 'doom',
        match: { api: 'vcenter', operation: 'job.create', subject: 'vcsa01' },
        effects: { outcome: { state: 'FAILED', message: 'disk full' }, durationSeconds: 10 },
      },
    });
    expect((await apiCreate(sid, good())).statusCode).toBe(201);
    await advance(9);
    expect((await apiGet(sid)).state).toBe('INPROGRESS');
    await advance(1);
    const s = await apiGet(sid);
    expect(s.state).toBe('FAILED');
    expect(s.messages[s.messages.length - 1].default_message).toBe(
      'Restore failed while running phase "restore configuration": disk full',
    );

    const cancelRule = await app.inject({
      method: 'POST',
      url: '/_sim/rules',
      payload: {
        id: 'nocancel',
        match: { api: 'vcenter', operation: 'job.cancel' },
        effects: { error: { status: 500, message: 'boom' } },
      },
    });
    expect(cancelRule.statusCode).toBeLessThan(300);
    const c = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job?action=cancel',
      headers: H(sid),
    });
    expect(c.statusCode).toBe(500);
    expect(c.json().error_type).toBe('ERROR');
  });

  it('forced state changes through the control plane', async () => {
    await start();
    const sid = await login();
    const none = await app.inject({ method: 'PUT', url: '/_sim/vcenter/job/state', payload: { state: 'FAILED' } });
    expect(none.statusCode).toBe(404);
    await apiCreate(sid, good());
    await advance(10);
    const failed = await app.inject({
      method: 'PUT',
      url: '/_sim/vcenter/job/state',
      payload: { state: 'FAILED', message: 'Disk /storage/db is full' },
    });
    expect(failed.statusCode).toBe(200);
    const fs1 = await apiGet(sid);
    expect(fs1.state).toBe('FAILED');
    expect(fs1.messages.at(-1)).toEqual({
      id: 'com.vmware.appliance.recovery.restore.job.failed',
      default_message: 'Disk /storage/db is full',
      args: ['Disk /storage/db is full'],
    });
    await apiCreate(sid, good());
    const f = await app.inject({ method: 'PUT', url: '/_sim/vcenter/job/state', payload: { state: 'SUCCEEDED' } });
    expect(f.statusCode).toBe(200);
    expect((await apiGet(sid)).state).toBe('SUCCEEDED');
    expect((await apiCreate(sid, good())).json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    const again = await app.inject({ method: 'PUT', url: '/_sim/vcenter/job/state', payload: { state: 'FAILED' } });
    expect(again.statusCode).toBe(409);
    const metrics = await app.inject({ method: 'GET', url: '/_sim/metrics' });
    expect(metrics.body).toMatch(/restoresim_vcenter_jobs\{state="SUCCEEDED"\} 1/);
  });
});

describe('vcenter fixtures', () => {
  it('fixtures/vcenter.json is the built-in default catalogue, and it validates', async () => {
    const file = JSON.parse(fs.readFileSync(new URL('../fixtures/vcenter.json', import.meta.url), 'utf8'));
    expect(Object.keys(file)).toEqual(['vcenter']);
    expect(validateSection(file.vcenter)).toEqual([]);
    // The emulator, started with no fixtures, serves the file: its users log in, and every location of every backup
    // answers that backup's metadata (or, for an unreachable one, times out).
    await start();
    for (const u of file.vcenter.users) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/session',
        headers: { authorization: basic(u.username, u.password) },
      });
      expect(r.statusCode, u.username).toBe(201);
    }
    const sid = await login();
    type Loc = {
      location_type: string;
      location: string;
      location_user?: string | null;
      location_password?: string | null;
    };
    for (const b of file.vcenter.backups as {
      id: string;
      reachable?: boolean;
      metadata: Record<string, unknown>;
      locations: Loc[];
    }[]) {
      for (const l of b.locations) {
        const owner = b as unknown as Loc;
        const user = l.location_user !== undefined ? l.location_user : owner.location_user;
        const password = l.location_password !== undefined ? l.location_password : owner.location_password;
        const payload = {
          location_type: l.location_type,
          location: l.location,
          location_user: user,
          location_password: password,
        };
        const v = await app.inject({
          method: 'POST',
          url: '/api/appliance/recovery/restore?action=validate',
          headers: H(sid),
          payload,
        });
        if (b.reachable === false) {
          expect(v.statusCode, `${b.id} ${l.location}`).toBe(500);
          expect(v.json().messages[0].default_message).toContain('timed out');
          continue;
        }
        expect(v.statusCode, `${b.id} ${l.location}`).toBe(200);
        const { version, boxname, timestamp, comment } = b.metadata;
        expect(v.json()).toMatchObject({ version, boxname, timestamp, comment });
      }
    }
  });
  it('reports every problem with its path', () => {
    expect(
      validateSection({
        appliance: { state: 'ON' },
        users: [{ username: '' }],
        colour: 1,
        backups: [
          {
            id: 'a',
            locations: [{ location_type: 'FTP', location: 'sftp://x/y' }],
            size_bytes: -1,
            failure: { phase: 'x' },
          },
          { id: 'a', locations: [] },
        ],
      }),
    ).toEqual([
      '.colour: unknown key (expected one of appliance, users, sso, backups)',
      '.appliance.state: must be one of DEPLOYED, CONFIGURED',
      '.users[0].username: must be a non-empty string',
      '.users[0].password: must be a string',
      '.backups[0].locations[0].location: scheme "sftp" does not match location_type FTP',
      '.backups[0].size_bytes: must be a number >= 0',
      '.backups[0].failure.phase: must be one of validate, download, decrypt, restore configuration, start services',
      '.backups[0].failure.message: must be a string',
      '.backups[1].id: duplicate id "a"',
      '.backups[1].locations: must be a non-empty array',
    ]);
  });
  it('a bad fixture is refused by the control plane', async () => {
    await start();
    const r = await app.inject({ method: 'POST', url: '/_sim/fixtures', payload: { vcenter: { users: 'root' } } });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('fixtures.vcenter.users: must be an array');
  });
});

describe('vcenter storage', () => {
  it('polling a running job writes nothing (progress is computed); only its state changes are stored', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-vcenter-'));
    const file = path.join(dir, 'sim.db');
    const spy = { db: undefined as Database.Database | undefined };
    try {
      await start({ db: file });
      spy.db = new Database(file, { readonly: true });
      /** Changes by other connections, as SQLite counts them (`PRAGMA data_version` moves on every commit). */
      const version = () => spy.db!.pragma('data_version', { simple: true }) as number;
      const A = { authorization: basic() };
      const created = await app.inject({
        method: 'POST',
        url: '/api/appliance/recovery/restore/job',
        headers: A,
        payload: good(),
      });
      expect(created.statusCode).toBe(201);
      const cols = (
        spy.db.prepare("SELECT name FROM pragma_table_info('vcenter_job')").all() as { name: string }[]
      ).map((c) => c.name);
      expect(cols).toEqual(['id', 'state', 'plan', 'phase_messages', 'parts', 'started_at']);
      let last = -1;
      for (let i = 0; i < 12; i++) {
        await advance(4);
        const v = version();
        for (const url of ['/api/appliance/recovery/restore/job', '/rest/appliance/recovery/restore/job']) {
          const r = await app.inject({ method: 'GET', url, headers: A });
          const job = url.startsWith('/api') ? r.json() : r.json().value;
          expect(job.state).toBe('INPROGRESS');
          expect(job.progress).toBeGreaterThanOrEqual(last);
          last = job.progress;
        }
        expect(version(), `poll ${i}`).toBe(v);
      }
      expect(last).toBeGreaterThan(50);
      await advance(600);
      const done = await app.inject({ method: 'GET', url: '/api/appliance/recovery/restore/job', headers: A });
      expect(done.json()).toMatchObject({ state: 'SUCCEEDED', progress: 100 });
      expect(spy.db.prepare('SELECT state FROM vcenter_job').get()).toEqual({ state: 'SUCCEEDED' });
      const v = version();
      await app.inject({ method: 'GET', url: '/api/appliance/recovery/restore/job', headers: A });
      expect(version()).toBe(v);
    } finally {
      spy.db?.close();
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a database from before migration 2 (progress, finished_at, request columns) upgrades, and its running job goes on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-vcenter-'));
    const file = path.join(dir, 'sim.db');
    try {
      await start({ db: file });
      const A = { authorization: basic() };
      expect(
        (await app.inject({ method: 'POST', url: '/api/appliance/recovery/restore/job', headers: A, payload: good() }))
          .statusCode,
      ).toBe(201);
      await advance(10);
      await app.close();
      // Back to the version 1 layout, as an older restoresim left it.
      const db = new Database(file);
      db.exec(`ALTER TABLE vcenter_job ADD COLUMN progress INTEGER NOT NULL DEFAULT 7;
               ALTER TABLE vcenter_job ADD COLUMN request TEXT NOT NULL DEFAULT '{}';
               ALTER TABLE vcenter_job ADD COLUMN finished_at INTEGER;
               UPDATE schema_versions SET version = 1 WHERE namespace = 'vcenter';`);
      db.close();
      await start({ db: file });
      const mid = await app.inject({ method: 'GET', url: '/api/appliance/recovery/restore/job', headers: A });
      expect(mid.json().state).toBe('INPROGRESS');
      expect(mid.json().progress).toBeGreaterThan(7);
      await advance(600);
      expect(
        (await app.inject({ method: 'GET', url: '/api/appliance/recovery/restore/job', headers: A })).json(),
      ).toMatchObject({ state: 'SUCCEEDED', progress: 100 });
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
