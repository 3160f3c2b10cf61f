// Handlers act at the instant their request was settled, after any injected latency: a restore that finishes during
// the sleep is seen finished by delete, cancel, show and create. Real clock at --speed 1000 (1 ms wall = 1 s), a
// restore of ~102 s (~0.1 s wall) and a fixed 400 ms latency (400 s simulated): the restore is running when the request
// arrives and finished when its handler runs. Should a slow machine take longer than 0.2 s between the create and
// the next request, the restore is finished before the request too: the assertions hold either way.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from './helpers.js';

const P1 = 'c76b3355a164498aa95ddbc960adc238';
const S1 = '2e56d167-bad7-43c7-8ede-a613c3fe7844';
const H = { 'x-auth-token': 'demo-token' };
const oneclick = { type: 'openstack', restore_type: 'oneclick', oneclickrestore: true, openstack: {}, vmware: {} };

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

async function setup(operation: string) {
  app = await testApp({ clock: 'real', speed: 1000, restoreRate: 10 * 1024 * 1024 });
  const rule = await app.inject({
    method: 'POST',
    url: '/_sim/rules',
    payload: { match: { operation }, effects: { latency: { kind: 'fixed', ms: 500 } } },
  });
  expect(rule.statusCode).toBeLessThan(300);
  const res = await app.inject({
    method: 'POST',
    url: `/v1/${P1}/snapshots/${S1}`,
    headers: H,
    payload: { restore: { name: 'r', options: oneclick } },
  });
  expect(res.statusCode).toBe(202);
  return res.json().restore.id as string;
}
const call = (method: 'GET' | 'DELETE' | 'POST', url: string, payload?: unknown) =>
  app.inject({ method, url: `/v1/${P1}${url}`, headers: H, ...(payload ? { payload } : {}) });

describe('trilio: state is settled after injected latency', () => {
  it('DELETE of a restore that finished during the latency succeeds', async () => {
    const id = await setup('restores.delete');
    expect((await call('DELETE', `/restores/${id}`)).statusCode).toBe(200);
    expect((await call('GET', `/restores/${id}`)).statusCode).toBe(404);
  });

  it('cancel arriving after the restore finished is a silent no-op', async () => {
    const id = await setup('restores.cancel');
    expect((await call('GET', `/restores/${id}/cancel`)).statusCode).toBe(200);
    const listed = (await call('GET', `/restores/detail?snapshot_id=${S1}`))
      .json()
      .restores.find((x: any) => x.id === id);
    expect(listed.status).toBe('available');
    expect(listed.metadata.map((m: any) => m.key)).not.toContain('cancel_requested');
  });

  it('GET shows status and progress of the same instant', async () => {
    const id = await setup('restores.get');
    const r = (await call('GET', `/restores/${id}`)).json().restore;
    expect(r).toMatchObject({
      status: 'available',
      progress_percent: 100,
      progress_msg: 'Restore from snapshot is complete',
    });
  });

  it("create's snapshot check sees a restore that finished during the latency", async () => {
    await setup('restores.create');
    const res = await call('POST', `/snapshots/${S1}`, { restore: { name: 'r2', options: oneclick } });
    expect(res.statusCode).toBe(202);
    expect(res.json().restore.status).toBe('restoring');
  });
});
