// The test-fixture library against the real emulated APIs: every terminal state driven purely through the control
// plane (forced states, rules + clock), per-project reset isolation, injected errors in the vendor's dialect.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startRestoreSim,
  restoreSimFromEnv,
  connectRestoreSim,
  RestoreSimError,
  type RestoreSim,
} from '../src/index.js';
import { T0 } from './helpers.js';

const P1 = 'c76b3355a164498aa95ddbc960adc238';
const P2 = '4e8f1c2ab9d34f0e9a7d6c5b3a2f1e0d';
const S1 = '2e56d167-bad7-43c7-8ede-a613c3fe7844';
const S2 = 'e9b1d3f5-7a9c-4e1b-b3d5-f7a9c1e3b5d7';
const TOKENS: Record<string, string> = { [P1]: 'demo-token', [P2]: 'tenant-b-token' };

let sim: RestoreSim;
beforeAll(async () => {
  sim = await startRestoreSim({ start: T0 });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.reset();
});

const headers = (project: string, extra: Record<string, string> = {}) => ({
  'x-auth-token': TOKENS[project]!,
  'content-type': 'application/json',
  accept: 'application/json',
  ...extra,
});

/** Starts a one-click restore with plain fetch, as any client would. */
async function createRestore(project = P1, snapshot = S1, name = 'One Click Restore'): Promise<string> {
  const res = await fetch(`${sim.trilio.endpoint(project)}/snapshots/${snapshot}`, {
    method: 'POST',
    headers: headers(project),
    body: JSON.stringify({
      restore: {
        name,
        description: name,
        options: { type: 'openstack', openstack: {}, restore_type: 'oneclick', oneclickrestore: true },
      },
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { restore: { id: string } }).restore.id;
}

async function getRestore(id: string, project = P1): Promise<{ status: number; restore?: Record<string, unknown> }> {
  const res = await fetch(`${sim.trilio.endpoint(project)}/restores/${id}`, { headers: headers(project) });
  const body = (await res.json()) as { restore?: Record<string, unknown> };
  return { status: res.status, restore: body.restore };
}

describe('library: in-process defaults', () => {
  it('listens on a free port with the virtual clock', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.trilio.endpoint(P1)).toBe(`${sim.url}/v1/${P1}`);
    expect(sim.vcenter.url).toBe(sim.url);
    expect((await sim.clock.get()).mode).toBe('virtual');
    expect(await sim.ready()).toBe(true);
  });

  it('a restore started with fetch is available once the clock has moved', async () => {
    const id = await createRestore();
    expect((await getRestore(id)).restore!.status).toBe('restoring');
    await sim.clock.advance(3600);
    const { restore } = await getRestore(id);
    expect(restore).toMatchObject({ status: 'available', progress_percent: 100 });
    const [entry] = await sim.requests({ api: 'trilio', method: 'POST' });
    expect(entry).toMatchObject({ operation: 'restores.create', status: 202, path: `/v1/${P1}/snapshots/${S1}` });
  });
});

describe('library: Trilio terminal states through the control plane', () => {
  it('forces available, error and cancelled in well under a second', async () => {
    const t = performance.now();
    const a = await createRestore();
    expect(await sim.trilio.forceState(a, 'available')).toEqual({ id: a, state: 'available' });
    expect((await getRestore(a)).restore!.status).toBe('available');

    // The workload is free again: the next restore can start.
    const e = await createRestore();
    await sim.trilio.forceState(e, 'error', 'Failed restoring snapshot: disk on fire');
    expect((await getRestore(e)).restore).toMatchObject({
      status: 'error',
      error_msg: 'Failed restoring snapshot: disk on fire',
    });

    const c = await createRestore();
    await sim.trilio.forceState(c, 'executing');
    expect((await getRestore(c)).restore!.status).toBe('executing');
    await sim.trilio.forceState(c, 'cancelled');
    expect((await getRestore(c)).restore!.status).toBe('cancelled');
    expect(performance.now() - t).toBeLessThan(1000);

    await expect(sim.trilio.forceState(a, 'error')).rejects.toMatchObject({ status: 409, code: 'conflict' });
    await expect(sim.trilio.forceState('00000000-0000-4000-8000-000000000000', 'available')).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });
    const metrics = await sim.metrics();
    expect(metrics).toMatch(/restoresim_trilio_restores\{state="cancelled"\} [1-9]/);
    expect(metrics).toMatch(
      /restoresim_transitions_total\{api="trilio",kind="restore",from="[a-z]+",to="error"\} [1-9]/,
    );
  });

  it('makes the next restore fail, or be cancelled, or take 5 s, by rules and the clock', async () => {
    const t = performance.now();
    await sim.rules.add({
      match: { operation: 'restores.create', project: P1 },
      max: 1,
      effects: { outcome: { state: 'error', message: 'Failed restoring snapshot: injected' } },
    });
    const failing = await createRestore();
    await sim.clock.advance(3600);
    expect((await getRestore(failing)).restore).toMatchObject({
      status: 'error',
      error_msg: 'Failed restoring snapshot: injected',
    });

    await sim.rules.add({
      match: { operation: 'restores.create', subject: '^cancel-me' },
      effects: { outcome: { state: 'cancelled' } },
    });
    const cancelled = await createRestore(P1, S1, 'cancel-me-please');
    await sim.clock.advance(3600);
    expect((await getRestore(cancelled)).restore!.status).toBe('cancelled');

    await sim.rules.add({ match: { operation: 'restores.create' }, effects: { durationSeconds: 5 } });
    const quick = await createRestore();
    await sim.clock.advance(4);
    expect((await getRestore(quick)).restore!.status).not.toBe('available');
    await sim.clock.advance(1);
    expect((await getRestore(quick)).restore!.status).toBe('available');
    expect(performance.now() - t).toBeLessThan(1000);
    expect((await sim.rules.list()).map((r) => [r.matched, r.fired])).toEqual([
      [3, 1],
      [1, 1],
      [1, 1],
    ]);
  });

  it('renders an injected HTTP error in the Trilio fault envelope, JSON or XML as negotiated', async () => {
    await sim.rules.add({
      id: 'busy',
      match: { operation: 'restores.list' },
      effects: { error: { status: 503, message: 'Service busy, try later' } },
    });
    const json = await fetch(`${sim.trilio.endpoint(P1)}/restores`, { headers: headers(P1) });
    expect(json.status).toBe(503);
    expect(json.headers.get('x-compute-request-id')).toMatch(/^req-/);
    expect(await json.json()).toEqual({ serviceUnavailable: { code: 503, message: 'Service busy, try later' } });
    const xml = await fetch(`${sim.trilio.endpoint(P1)}/restores`, {
      headers: headers(P1, { accept: 'application/xml' }),
    });
    expect(xml.status).toBe(503);
    expect(xml.headers.get('content-type')).toContain('application/xml');
    const text = await xml.text();
    expect(text).toContain('serviceUnavailable');
    expect(text).toContain('Service busy, try later');
    const [entry] = await sim.requests({ status: '503' });
    expect(entry!.rules).toEqual(['busy']);
  });
});

describe('library: dropped connections', () => {
  it('a dropped create answers nothing and creates nothing', async () => {
    const count = async () => {
      const res = await fetch(`${sim.trilio.endpoint(P1)}/restores`, { headers: headers(P1) });
      return ((await res.json()) as { restores: unknown[] }).restores.length;
    };
    const before = await count();
    await sim.rules.add({
      match: { operation: 'restores.create' },
      max: 1,
      effects: { drop: true, latency: { kind: 'fixed', ms: 20 } },
    });
    await expect(createRestore()).rejects.toThrow(/fetch failed/);
    expect(await count()).toBe(before);
    await createRestore();
    expect(await count()).toBe(before + 1);
    const [, dropped] = await sim.requests({ method: 'POST' });
    expect(dropped).toMatchObject({ status: 0, dropped: true, operation: 'restores.create' });
  });
});

describe('library: reset isolation', () => {
  it('resets one project and leaves the other alone', async () => {
    const mine = await createRestore(P1, S1);
    const theirs = await createRestore(P2, S2, 'theirs');
    await sim.reset({ project: P1 });
    expect((await getRestore(mine, P1)).status).toBe(404);
    expect((await getRestore(theirs, P2)).restore!.status).toBe('restoring');
    // The fixtures' own restores of P1 are back.
    expect((await getRestore('29fdc1f8-1d53-4a10-bb45-e539a64cdbfc', P1)).status).toBe(200);
    await sim.reset();
    expect((await getRestore(theirs, P2)).status).toBe(404);
  });
});

describe('library: remote client', () => {
  it('restoreSimFromEnv connects to RESTORESIM_URL, else starts one in-process', async () => {
    const remote = await restoreSimFromEnv({}, { RESTORESIM_URL: sim.url });
    expect(remote.app).toBeUndefined();
    const before = (await sim.clock.get()).epochMs;
    await remote.clock.advance(10);
    expect((await sim.clock.get()).epochMs).toBe(before + 10_000);
    await remote.close(); // a no-op for a remote emulator
    expect(await sim.ready()).toBe(true);

    const local = await restoreSimFromEnv({ adminToken: 'tok' }, {});
    try {
      expect(local.app).toBeDefined();
      expect(local.url).not.toBe(sim.url);
      expect((await fetch(`${local.url}/_sim/clock`)).status).toBe(401);
      expect((await local.clock.get()).mode).toBe('virtual');
      const again = await connectRestoreSim(local.url, { adminToken: 'tok' });
      expect(await again.rules.list()).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it('connectRestoreSim with a missing or wrong admin token fails at once with 401 unauthorized', async () => {
    const local = await startRestoreSim({ adminToken: 'tok' });
    try {
      const t0 = Date.now();
      const wrong = await connectRestoreSim(local.url, { adminToken: 'nope', waitMs: 5_000 }).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(RestoreSimError);
      expect(wrong).toMatchObject({ status: 401, code: 'unauthorized', message: expect.stringMatching(/wrong/) });
      const missing = await connectRestoreSim(local.url, { waitMs: 5_000 }).catch((e: unknown) => e);
      expect(missing).toMatchObject({
        status: 401,
        code: 'unauthorized',
        message: expect.stringMatching(/X-Sim-Admin-Token/),
      });
      expect(Date.now() - t0).toBeLessThan(3_000);
      const noWait = await connectRestoreSim(local.url, { adminToken: 'nope', waitMs: 0 });
      await expect(noWait.ready()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    } finally {
      await local.close();
    }
  });
});

describe('library: vCenter terminal states through the control plane', () => {
  const GOOD = 'sftp://backup.example.com/backups/vcsa01/2026-11-01';
  const basic = `Basic ${Buffer.from('root:VMware1!').toString('base64')}`;
  const job = (location = GOOD) => ({
    location_type: 'SFTP',
    location,
    location_user: 'backup',
    location_password: 'VMware1!',
    backup_password: 'VMware1!',
  });

  async function login(): Promise<string> {
    const res = await fetch(`${sim.vcenter.url}/api/session`, { method: 'POST', headers: { authorization: basic } });
    expect(res.status).toBe(201);
    return (await res.json()) as string;
  }
  async function createJob(sid: string, location = GOOD): Promise<Response> {
    return fetch(`${sim.vcenter.url}/api/appliance/recovery/restore/job`, {
      method: 'POST',
      headers: { 'vmware-api-session-id': sid, 'content-type': 'application/json' },
      body: JSON.stringify(job(location)),
    });
  }
  async function jobStatus(
    sid: string,
  ): Promise<{ state: string; progress: number; messages: { default_message: string }[] }> {
    const res = await fetch(`${sim.vcenter.url}/api/appliance/recovery/restore/job`, {
      headers: { 'vmware-api-session-id': sid },
    });
    expect(res.status).toBe(200);
    return res.json() as never;
  }

  it('forces SUCCEEDED and FAILED in well under a second', async () => {
    const t = performance.now();
    let sid = await login();
    expect((await createJob(sid)).status).toBe(201);
    expect((await jobStatus(sid)).state).toBe('INPROGRESS');
    expect(await sim.vcenter.forceState('SUCCEEDED')).toEqual({ state: 'SUCCEEDED' });
    expect(await jobStatus(sid)).toMatchObject({ state: 'SUCCEEDED', progress: 100 });
    await expect(sim.vcenter.forceState('FAILED')).rejects.toMatchObject({ status: 409 });

    await sim.reset({ api: 'vcenter' });
    await expect(sim.vcenter.forceState('FAILED')).rejects.toMatchObject({ status: 404 });
    sid = await login();
    expect((await createJob(sid)).status).toBe(201);
    await sim.vcenter.forceState('FAILED', 'Decryption failed: wrong backup password');
    const failed = await jobStatus(sid);
    expect(failed.state).toBe('FAILED');
    expect(JSON.stringify(failed)).toContain('Decryption failed: wrong backup password');
    expect(performance.now() - t).toBeLessThan(1000);
    expect(await sim.metrics()).toMatch(/restoresim_vcenter_jobs\{state="FAILED"\} 1/);
  });

  it('drives SUCCEEDED and FAILED by rules and the clock', async () => {
    const t = performance.now();
    await sim.rules.add({ match: { operation: 'job.create' }, max: 1, effects: { durationSeconds: 30 } });
    let sid = await login();
    expect((await createJob(sid)).status).toBe(201);
    await sim.clock.advance(29);
    expect((await jobStatus(sid)).state).toBe('INPROGRESS');
    await sim.clock.advance(1);
    expect((await jobStatus(sid)).state).toBe('SUCCEEDED');

    await sim.reset({ api: 'vcenter' });
    await sim.rules.add({
      match: { operation: 'job.create', subject: 'vcsa01' },
      effects: { outcome: { state: 'FAILED', message: 'disk full' } },
    });
    sid = await login();
    expect((await createJob(sid)).status).toBe(201);
    await sim.clock.advance(3600);
    const end = await jobStatus(await login()); // sessions expire after 30 idle minutes of clock time
    expect(end.state).toBe('FAILED');
    expect(JSON.stringify(end)).toContain('disk full');
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('renders an injected HTTP error as a vAPI error: /api JSON, /rest JSON and /rest XML', async () => {
    await sim.rules.add({
      match: { api: 'vcenter', operation: 'job.get' },
      effects: { error: { status: 503, message: 'Appliance busy' } },
    });
    const sid = await login();
    const api = await fetch(`${sim.vcenter.url}/api/appliance/recovery/restore/job`, {
      headers: { 'vmware-api-session-id': sid },
    });
    expect(api.status).toBe(503);
    expect(await api.json()).toMatchObject({
      error_type: 'SERVICE_UNAVAILABLE',
      messages: [{ default_message: 'Appliance busy' }],
    });
    const rest = await fetch(`${sim.vcenter.url}/rest/appliance/recovery/restore/job`, {
      headers: { 'vmware-api-session-id': sid },
    });
    expect(rest.status).toBe(503);
    expect(await rest.json()).toMatchObject({
      type: 'com.vmware.vapi.std.errors.service_unavailable',
      value: { error_type: 'SERVICE_UNAVAILABLE', messages: [{ default_message: 'Appliance busy' }] },
    });
    const xml = await fetch(`${sim.vcenter.url}/rest/appliance/recovery/restore/job`, {
      headers: { 'vmware-api-session-id': sid, accept: 'application/xml' },
    });
    expect(xml.status).toBe(503);
    expect(xml.headers.get('content-type')).toContain('application/xml');
    const text = await xml.text();
    expect(text).toContain('Appliance busy');
    expect(text).toContain('SERVICE_UNAVAILABLE');

    await sim.rules.clear();
    await sim.rules.add({
      match: { operation: 'job.cancel' },
      effects: { error: { status: 400, message: 'Not now', vendorError: 'not_allowed_in_current_state' } },
    });
    const cancel = await fetch(`${sim.vcenter.url}/api/appliance/recovery/restore/job?action=cancel`, {
      method: 'POST',
      headers: { 'vmware-api-session-id': sid },
    });
    expect(cancel.status).toBe(400);
    expect(await cancel.json()).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
  });
});

describe('library: operations', () => {
  it('every emulated route declares an operation of the documented table, and every operation has a route', async () => {
    const { OPERATIONS } = await import('../src/index.js');
    const { emulatedRoutes } = await import('../src/plugins/faults.js');
    const registered = new Set(emulatedRoutes(sim.app).map((r) => `${r.api} ${r.operation}`));
    const documented = new Set(Object.entries(OPERATIONS).flatMap(([api, ops]) => ops.map((op) => `${api} ${op}`)));
    expect([...registered].sort()).toEqual([...documented].sort());
  });
});

describe('library: documentation', () => {
  it('the vitest example of docs/control-plane.md is test/library-docs.test.ts', async () => {
    const fs = await import('node:fs');
    const doc = fs.readFileSync(new URL('../docs/control-plane.md', import.meta.url), 'utf8');
    const example = /### A complete vitest example\n\n```ts\n([\s\S]*?)```/.exec(doc)![1]!;
    const test = fs.readFileSync(new URL('./library-docs.test.ts', import.meta.url), 'utf8');
    expect(test.slice(test.indexOf('import {'))).toBe(example.replace("from 'restoresim';", "from '../src/index.js';"));
  });
});
