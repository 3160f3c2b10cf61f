// Restore lifecycles over the virtual clock: success (one-click, selective, in-place), asynchronous failures,
// cancel, workload/snapshot side effects, forced states, injected outcomes.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp, T0 } from './helpers.js';
import { isoMicro } from '../src/core/clock.js';

const P1 = 'c76b3355a164498aa95ddbc960adc238';
const W1 = '18b809de-d7c8-41e2-867d-4a306407fb11';
const S1 = '2e56d167-bad7-43c7-8ede-a613c3fe7844';
const S1B = '7a9c1e3b-5d7f-4a9c-8e3b-5d7f9a1c3e5b';
const S_INPLACE = 'ed4f29e8-7544-4e1c-af8a-a76031211926';
const S_WEB = '1d3f5a7c-9e1b-4d3f-8a7c-9e1b3d5f7a9c';
const CIRROS1 = 'e33c1eea-c533-4945-864d-0da1fc002070';
const CIRROS2 = '67d6a100-fee6-4aa5-83a1-66b070d2eabe';
const H = { 'x-auth-token': 'demo-token' };

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

const get = (url: string) => app.inject({ method: 'GET', url: `/v1/${P1}${url}`, headers: H });
const advance = (seconds: number) => app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
const show = async (id: string) => (await get(`/restores/${id}`)).json().restore;
const oneclick = { type: 'openstack', restore_type: 'oneclick', oneclickrestore: true, openstack: {}, vmware: {} };
async function create(snapshot: string, options: unknown, extra: Record<string, unknown> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/${P1}/snapshots/${snapshot}`,
    headers: H,
    payload: { restore: { name: 'r', description: 'd', options, ...extra } },
  });
  expect(res.statusCode).toBe(202);
  return res.json().restore as Record<string, any>;
}

describe('trilio restore lifecycle', () => {
  it('one-click: restoring → starting → executing/uploading → available in about a minute, workload locked meanwhile', async () => {
    app = await testApp();
    const r = await create(S1, oneclick);
    expect(r).toMatchObject({
      status: 'restoring',
      host: '',
      size: 0,
      progress_percent: 0,
      progress_msg: null,
      finished_at: null,
    });
    let cur = await show(r.id);
    expect(cur).toMatchObject({
      status: 'restoring',
      progress_msg: 'Restore operation is scheduled',
      host: '',
      instances: [],
    });
    expect(cur.snapshot_details.status).toBe('restoring');
    expect((await get(`/snapshots/${S1}`)).json().snapshot.status).toBe('restoring');
    expect((await get(`/workloads/${W1}`)).json().workload.status).toBe('locked');
    expect((await get('/workloads')).json().workloads.find((w: any) => w.id === W1).status).toBe('locked');

    const seen: string[] = [];
    let lastProgress = 0;
    for (let t = 0; t < 50; t += 1) {
      await advance(1);
      cur = await show(r.id);
      if (seen[seen.length - 1] !== cur.status) seen.push(cur.status);
      expect(cur.progress_percent).toBeGreaterThanOrEqual(lastProgress);
      expect(cur.progress_percent).toBeLessThanOrEqual(99);
      lastProgress = cur.progress_percent;
      if (cur.status !== 'restoring') {
        expect(cur.host).toBe('TVM1');
        expect(cur.size).toBe(2147483648);
        expect(cur.uploaded_size).toBeLessThanOrEqual(cur.size);
        expect(typeof cur.progress_msg).toBe('string');
      }
    }
    expect(seen).toEqual(['restoring', 'starting', 'executing', 'uploading', 'executing', 'uploading', 'executing']);
    // The worker's one-click options: the shape and key order of the seed's finished restores.
    expect(JSON.stringify(cur.restore_options)).toBe(
      JSON.stringify({
        name: 'r',
        oneclickrestore: true,
        restore_type: 'oneclick',
        openstack: {
          instances: [
            { name: 'cirros-2', id: CIRROS2, availability_zone: 'nova' },
            { name: 'cirros-1', id: CIRROS1, availability_zone: 'nova' },
          ],
        },
        type: 'openstack',
        description: 'd',
      }),
    );
    await advance(2);
    cur = await show(r.id);
    expect(cur).toMatchObject({
      status: 'available',
      progress_percent: 100,
      progress_msg: 'Restore from snapshot is complete',
      error_msg: null,
      size: 2147483648,
      uploaded_size: 2147483648,
      time_taken: 51,
      finished_at: isoMicro(T0 + 51_200),
      metadata: [],
    });
    expect(cur.instances).toHaveLength(2);
    expect(cur.instances.map((i: any) => i.metadata.instance_id)).toEqual([CIRROS2, CIRROS1]);
    expect(cur.instances[0]).toMatchObject({
      name: 'cirros-2',
      status: 'available',
      metadata: { config_drive: '', production: '1' },
    });
    expect(cur.instances[0].id).not.toBe(CIRROS2);
    expect(cur.snapshot_details).toMatchObject({ status: 'available', updated_at: isoMicro(T0 + 51_200) });
    expect((await get(`/workloads/${W1}`)).json().workload.status).toBe('available');
    const listed = (await get(`/restores/detail?snapshot_id=${S1}`)).json().restores[0];
    expect(listed.id).toBe(r.id);
    expect(listed.metadata.map((m: any) => [m.key, m.value])).toEqual([
      ['data_transfer_time', '0'],
      ['object_store_transfer_time', '0'],
      ['restore_user_selected_value', 'Oneclick Restore'],
    ]);
    expect(listed.metadata[0]).toMatchObject({
      restore_id: r.id,
      version: '4.0.115',
      deleted: false,
      created_at: isoMicro(T0 + 51_200),
    });
  });

  it('selective: restores only the included instances under their new names', async () => {
    app = await testApp();
    const r = await create(S1, {
      type: 'openstack',
      restore_type: 'selective',
      oneclickrestore: false,
      openstack: {
        instances: [
          { id: CIRROS1, include: true, name: 'cirros-1-selective' },
          { id: CIRROS2, include: false },
        ],
      },
    });
    await advance(60);
    const cur = await show(r.id);
    expect(cur.status).toBe('available');
    expect(cur.instances).toHaveLength(1);
    expect(cur.instances[0]).toMatchObject({ name: 'cirros-1-selective', metadata: { instance_id: CIRROS1 } });
    const listed = (await get(`/restores/detail`)).json().restores.find((x: any) => x.id === r.id);
    expect(listed.metadata[2]).toMatchObject({ key: 'restore_user_selected_value', value: 'Selective Restore' });
  });

  it('in-place: overwrites the existing VMs (same ids) and records "Inplace Restore"', async () => {
    app = await testApp();
    const r = await create(S_INPLACE, {
      type: 'openstack',
      restore_type: 'inplace',
      oneclickrestore: false,
      openstack: {
        instances: [
          {
            id: '7c1bb5d2-aa5a-44f7-abcd-2d76b819b4c8',
            include: true,
            restore_boot_disk: true,
            vdisks: [{ id: 'f6b3fef6-4b0e-487e-84b5-47a14da716ca', restore_cinder_volume: true }],
          },
        ],
      },
    });
    await advance(10);
    expect((await show(r.id)).progress_msg).toMatch(/inplace-vm-1/);
    await advance(60);
    const cur = await show(r.id);
    expect(cur.status).toBe('available');
    expect(cur.instances).toEqual([
      {
        id: '7c1bb5d2-aa5a-44f7-abcd-2d76b819b4c8',
        name: 'inplace-vm-1',
        status: 'available',
        metadata: { config_drive: '', instance_id: '7c1bb5d2-aa5a-44f7-abcd-2d76b819b4c8', production: '1' },
      },
    ]);
    const listed = (await get(`/restores/detail?snapshot_id=${S_INPLACE}`)).json().restores[0];
    expect(listed.metadata[2].value).toBe('Inplace Restore');
  });

  it('one-click fails asynchronously while the original VM is still in Nova', async () => {
    app = await testApp();
    const r = await create(S_WEB, oneclick);
    expect(r.status).toBe('restoring');
    await advance(1);
    expect((await show(r.id)).status).toBe('restoring');
    await advance(30);
    const cur = await show(r.id);
    expect(cur).toMatchObject({
      status: 'error',
      progress_percent: 100,
      progress_msg: '',
      error_msg:
        'Failed restoring snapshot: Original instance web-1 is still present. Please delete this instance and try again.',
    });
    expect(cur.finished_at).not.toBeNull();
    expect(cur.snapshot_details.status).toBe('available');
  });

  it('in-place fails asynchronously when the instance is gone from Nova, or a volume from Cinder', async () => {
    app = await testApp();
    const gone = await create(S1, {
      type: 'openstack',
      restore_type: 'inplace',
      openstack: { instances: [{ id: CIRROS1, include: true, vdisks: [] }] },
    });
    await advance(20);
    expect(await show(gone.id)).toMatchObject({
      status: 'error',
      error_msg: `Failed restoring snapshot: instance '${CIRROS1}' in nova is not found`,
    });
    const badVol = await create(S_INPLACE, {
      type: 'openstack',
      restore_type: 'inplace',
      openstack: {
        instances: [
          {
            id: '08dab61c-6efd-44d3-a9ed-8e789d338c1b',
            include: true,
            vdisks: [{ id: '00000000-0000-4000-8000-000000000000', restore_cinder_volume: true }],
          },
        ],
      },
    });
    await advance(20);
    expect((await show(badVol.id)).error_msg).toBe(
      "Failed restoring snapshot: '00000000-0000-4000-8000-000000000000' is not a valid cinder volume",
    );
  });

  it('cancel: GET …/cancel → 200 empty, cancelling, then cancelled; a no-op once finished; then deletable', async () => {
    app = await testApp();
    const r = await create(S1, oneclick);
    await advance(10);
    const c = await get(`/restores/${r.id}/cancel`);
    expect(c.statusCode).toBe(200);
    expect(c.body).toBe('');
    expect(c.headers['content-type']).toContain('application/json');
    expect(c.headers['x-compute-request-id']).toMatch(/^req-/);
    let cur = await show(r.id);
    expect(cur.status).toBe('cancelling');
    expect((await get(`/workloads/${W1}`)).json().workload.status).toBe('locked');
    const del = await app.inject({ method: 'DELETE', url: `/v1/${P1}/restores/${r.id}`, headers: H });
    expect(del.statusCode).toBe(400);
    await advance(3);
    cur = await show(r.id);
    expect(cur).toMatchObject({
      status: 'cancelled',
      error_msg: 'Cancel requested for restore',
      progress_percent: 100,
      progress_msg: '',
      host: 'TVM1',
    });
    expect(cur.uploaded_size).toBeLessThan(cur.size);
    const listed = (await get(`/restores/detail`)).json().restores.find((x: any) => x.id === r.id);
    expect(listed.metadata.map((m: any) => m.key)).toEqual([
      'cancel_requested',
      'data_transfer_time',
      'object_store_transfer_time',
      'restore_user_selected_value',
    ]);
    expect(listed.metadata[0].value).toBe('1');
    expect((await get(`/snapshots/${S1}`)).json().snapshot.status).toBe('available');
    const again = await get(`/restores/${r.id}/cancel`);
    expect(again.statusCode).toBe(200);
    expect((await show(r.id)).status).toBe('cancelled');
    expect((await app.inject({ method: 'DELETE', url: `/v1/${P1}/restores/${r.id}`, headers: H })).statusCode).toBe(
      200,
    );
    expect((await get(`/restores/${r.id}`)).statusCode).toBe(404);
  });

  it('cancel before the worker picks the restore up ends cancelled with no host and no size', async () => {
    app = await testApp();
    const r = await create(S1, oneclick);
    await get(`/restores/${r.id}/cancel`);
    await advance(5);
    expect(await show(r.id)).toMatchObject({ status: 'cancelled', host: '', size: 0, uploaded_size: 0 });
  });

  it('a finished restore cancels as a no-op (200)', async () => {
    app = await testApp();
    const c = await get('/restores/29fdc1f8-1d53-4a10-bb45-e539a64cdbfc/cancel');
    expect(c.statusCode).toBe(200);
    expect((await show('29fdc1f8-1d53-4a10-bb45-e539a64cdbfc')).status).toBe('available');
  });

  it('a second restore of the locked workload or the restoring snapshot is refused (legacy 500, modern 400)', async () => {
    app = await testApp();
    await create(S1, oneclick);
    const busy = await app.inject({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1B}`,
      headers: H,
      payload: { restore: { options: oneclick } },
    });
    expect(busy.statusCode).toBe(500);
    expect(busy.json()).toEqual({
      Error: { code: 500, message: "Invalid state: Workload must be in the 'available' state to restore" },
    });
    const same = await app.inject({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}`,
      headers: H,
      payload: { restore: { options: oneclick } },
    });
    expect(same.json()).toEqual({ Error: { code: 500, message: 'Invalid state: Snapshot status must be available' } });
    await app.close();
    app = await testApp({ trilioErrors: 'modern' });
    await create(S1, oneclick);
    const modern = await app.inject({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1B}`,
      headers: H,
      payload: { restore: { options: oneclick } },
    });
    expect(modern.statusCode).toBe(400);
    expect(modern.json()).toEqual({
      badRequest: { code: 400, message: "Invalid state: Workload must be in the 'available' state to restore" },
    });
    await advance(60);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/v1/${P1}/snapshots/${S1B}`,
          headers: H,
          payload: { restore: { options: oneclick } },
        })
      ).statusCode,
    ).toBe(202);
  });

  it('the lifecycle durations follow --restore-rate', async () => {
    app = await testApp({ restoreRate: 2147483648 / 8 });
    const r = await create(S1, oneclick);
    await advance(7.9);
    expect((await show(r.id)).status).not.toBe('available');
    await advance(0.1);
    expect(await show(r.id)).toMatchObject({ status: 'available', time_taken: 8 });
  });

  it('forced states move a running restore along its lifecycle and refuse impossible moves', async () => {
    app = await testApp();
    const r = await create(S1, oneclick);
    const force = (id: string, body: Record<string, unknown>) =>
      app.inject({ method: 'PUT', url: `/_sim/trilio/restores/${id}/state`, payload: body });
    let f = await force(r.id, { state: 'uploading' });
    expect(f.statusCode).toBe(200);
    expect(f.json()).toMatchObject({ state: 'uploading' });
    expect((await show(r.id)).status).toBe('uploading');
    f = await force(r.id, { state: 'starting' });
    expect(f.statusCode).toBe(409);
    f = await force(r.id, { state: 'error', message: 'Failed restoring snapshot: disk full' });
    expect(f.json()).toMatchObject({ state: 'error' });
    expect(await show(r.id)).toMatchObject({
      status: 'error',
      error_msg: 'Failed restoring snapshot: disk full',
      progress_percent: 100,
    });
    expect((await get(`/workloads/${W1}`)).json().workload.status).toBe('available');
    f = await force(r.id, { state: 'available' });
    expect(f.statusCode).toBe(409);
    expect(f.json().message ?? JSON.stringify(f.json())).toMatch(/finished restore cannot move/);
    expect((await force('nope', { state: 'error' })).statusCode).toBe(404);
    const r2 = await create(S1, oneclick);
    expect((await force(r2.id, { state: 'cancelling' })).json()).toMatchObject({ state: 'cancelling' });
    expect((await force(r2.id, { state: 'cancelled' })).json()).toMatchObject({ state: 'cancelled' });
    expect((await show(r2.id)).error_msg).toBe('Cancel requested for restore');
  });

  it('a restore forced to a terminal state while still restoring was never picked up: no host, no size', async () => {
    app = await testApp();
    const force = (id: string, body: Record<string, unknown>) =>
      app.inject({ method: 'PUT', url: `/_sim/trilio/restores/${id}/state`, payload: body });
    const r = await create(S1, oneclick);
    await advance(0.3);
    expect((await force(r.id, { state: 'error' })).json()).toMatchObject({ state: 'error' });
    expect(await show(r.id)).toMatchObject({ status: 'error', host: '', size: 0, uploaded_size: 0 });
    // Forced to error later, while uploading: the host is set and only what was uploaded by then counts.
    const r2 = await create(S1, oneclick);
    await advance(20);
    const running = await show(r2.id);
    expect(running).toMatchObject({ status: 'uploading', host: 'TVM1', size: 2147483648 });
    await force(r2.id, { state: 'error' });
    const failed = await show(r2.id);
    expect(failed).toMatchObject({ status: 'error', host: 'TVM1', size: 2147483648 });
    expect(failed.uploaded_size).toBe(Math.floor((2147483648 * running.progress_percent) / 100));
  });

  it('fault-rule outcomes and durations apply to the created restore', async () => {
    app = await testApp();
    const rule = await app.inject({
      method: 'POST',
      url: '/_sim/rules',
      payload: {
        match: { api: 'trilio', operation: 'restores.create', subject: '^doomed' },
        effects: { outcome: { state: 'error', message: 'Error creating instance x' }, durationSeconds: 20 },
      },
    });
    expect(rule.statusCode).toBe(201);
    const r = await create(S1, oneclick, { name: 'doomed restore' });
    await advance(11);
    expect((await show(r.id)).status).not.toBe('error');
    await advance(1);
    expect(await show(r.id)).toMatchObject({
      status: 'error',
      error_msg: 'Failed restoring snapshot: Error creating instance x',
    });
    const ok = await create(S1, oneclick, { name: 'fine' });
    await advance(60);
    expect((await show(ok.id)).status).toBe('available');
  });

  it('test restores (?test=1) are typed "test" and hidden from lists', async () => {
    app = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}?test=1`,
      headers: H,
      payload: { testbubble: { options: oneclick } },
    });
    expect(res.statusCode).toBe(202);
    const r = res.json().restore;
    expect(r).toMatchObject({ restore_type: 'test', name: 'restore', description: 'no-description' });
    expect((await get('/restores')).json().restores.map((x: any) => x.id)).not.toContain(r.id);
    expect((await show(r.id)).restore_type).toBe('test');
  });
});
