// The vitest example of docs/control-plane.md, verbatim but for the import path (test/library.test.ts checks the
// two stay the same). It runs in-process, or against RESTORESIM_URL when that is set.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { restoreSimFromEnv, type RestoreSimClient } from '../src/index.js';

const PROJECT = 'c76b3355a164498aa95ddbc960adc238'; // the default fixtures' project
const SNAPSHOT = '2e56d167-bad7-43c7-8ede-a613c3fe7844';
const headers = { 'X-Auth-Token': 'demo-token', 'Content-Type': 'application/json' };
const oneClick = {
  restore: {
    name: 'One Click Restore',
    options: { type: 'openstack', openstack: {}, restore_type: 'oneclick', oneclickrestore: true },
  },
};

let sim: RestoreSimClient;
beforeAll(async () => {
  sim = await restoreSimFromEnv(); // in-process, or RESTORESIM_URL=http://localhost:8780 for a docker one
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function startRestore(): Promise<string> {
  const res = await fetch(`${sim.trilio.endpoint(PROJECT)}/snapshots/${SNAPSHOT}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(oneClick),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { restore: { id: string } };
  return body.restore.id;
}

async function restoreStatus(id: string): Promise<{ status: string; error_msg: string | null }> {
  const res = await fetch(`${sim.trilio.endpoint(PROJECT)}/restores/${id}`, { headers });
  const body = (await res.json()) as { restore: { status: string; error_msg: string | null } };
  return body.restore;
}

it('finishes a restore when the clock moves', async () => {
  const id = await startRestore();
  expect((await restoreStatus(id)).status).toBe('restoring');
  await sim.clock.advance(3600);
  expect((await restoreStatus(id)).status).toBe('available');
});

it('makes the next restore fail', async () => {
  await sim.rules.add({
    match: { api: 'trilio', operation: 'restores.create', project: PROJECT },
    max: 1,
    effects: { outcome: { state: 'error', message: 'Failed restoring snapshot: disk full' } },
  });
  const id = await startRestore();
  await sim.clock.advance(3600);
  expect(await restoreStatus(id)).toMatchObject({ status: 'error', error_msg: 'Failed restoring snapshot: disk full' });
});
