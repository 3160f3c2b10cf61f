// Trilio persistence and fixtures: a restore survives a restart on a file DB; fixture validation, merge, resets.
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { testApp, T0 } from './helpers.js';
import { isoMicro } from '../src/core/clock.js';
import { mergeSections, validateSection } from '../src/trilio/fixtures.js';
import { Emulator } from '../src/emulator.js';
import { trilio } from '../src/trilio/index.js';
import { validateConfig } from '../src/config.js';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { APIS, app as appPlugin, fastifyOptions } from '../src/app.js';

const P1 = 'c76b3355a164498aa95ddbc960adc238';
const P2 = '4e8f1c2ab9d34f0e9a7d6c5b3a2f1e0d';
const S1 = '2e56d167-bad7-43c7-8ede-a613c3fe7844';
const H = { 'x-auth-token': 'demo-token' };
const oneclick = { type: 'openstack', restore_type: 'oneclick', oneclickrestore: true, openstack: {} };

let app: FastifyInstance | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const advance = (a: FastifyInstance, seconds: number) =>
  a.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
const show = async (a: FastifyInstance, id: string) =>
  (await a.inject({ method: 'GET', url: `/v1/${P1}/restores/${id}`, headers: H })).json().restore;

describe('trilio persistence', () => {
  it('a running restore survives a restart on a file DB and finishes on time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-trilio-'));
    dirs.push(dir);
    const db = path.join(dir, 'sim.db');
    app = await testApp({ db });
    const res = await app.inject({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}`,
      headers: H,
      payload: { restore: { name: 'survivor', options: oneclick } },
    });
    const id = res.json().restore.id;
    await advance(app, 20);
    expect((await show(app, id)).status).toBe('uploading');
    await app.close();

    app = await testApp({ db });
    let cur = await show(app, id);
    expect(cur.status).toBe('uploading');
    expect(cur.name).toBe('survivor');
    expect(
      (await app.inject({ method: 'GET', url: `/v1/${P1}/snapshots/${S1}`, headers: H })).json().snapshot.status,
    ).toBe('restoring');
    await advance(app, 31);
    expect((await show(app, id)).status).not.toBe('available');
    await advance(app, 0.2);
    cur = await show(app, id);
    expect(cur).toMatchObject({ status: 'available', finished_at: isoMicro(T0 + 51_200), time_taken: 51 });
    expect(
      (await app.inject({ method: 'GET', url: `/v1/${P1}/snapshots/${S1}`, headers: H })).json().snapshot.status,
    ).toBe('available');
  });
});

describe('trilio settle cost (migration 2)', () => {
  it('a database of migration 1 with a running restore upgrades; the restore continues and ends on time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-trilio-'));
    dirs.push(dir);
    const db = path.join(dir, 'sim.db');
    app = await testApp({ db });
    const res = await app.inject({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}`,
      headers: H,
      payload: { restore: { name: 'old', options: oneclick } },
    });
    const id = res.json().restore.id;
    await advance(app, 20);
    expect((await show(app, id)).status).toBe('uploading');
    await app.close();
    // Back to the schema of migration 1, as a database written by the previous version.
    const raw = new Database(db);
    for (const ix of [
      'active_due',
      'active_snapshot',
      'active_workload',
      'seq',
      'order',
      'project_order',
      'snapshot_order',
    ])
      raw.exec(`DROP INDEX trilio_restores_${ix}`);
    raw.exec(
      "ALTER TABLE trilio_restores DROP COLUMN due_ms; UPDATE schema_versions SET version = 1 WHERE namespace = 'trilio'",
    );
    raw.close();

    app = await testApp({ db });
    expect((await show(app, id)).status).toBe('uploading');
    await advance(app, 31);
    expect((await show(app, id)).status).not.toBe('available');
    await advance(app, 0.2);
    expect(await show(app, id)).toMatchObject({
      status: 'available',
      finished_at: isoMicro(T0 + 51_200),
      time_taken: 51,
    });
    expect(
      (
        await app.inject({ method: 'GET', url: `/v1/${P1}/workloads/18b809de-d7c8-41e2-867d-4a306407fb11`, headers: H })
      ).json().workload.status,
    ).toBe('available');
  });

  it('settle looks at a running restore only when its next change is due; finished ones never', async () => {
    const config = validateConfig({ db: ':memory:', clock: 'virtual', logLevel: 'silent', port: 0 });
    const emulator = new Emulator(config, APIS, { start: T0 });
    app = Fastify(fastifyOptions(config, false));
    app.addHook('onClose', async () => emulator.close());
    emulator.init();
    await app.register(appPlugin, { emulator });
    await app.ready();
    const db = emulator.store.db;
    const due = (id: string) =>
      (db.prepare('SELECT due_ms FROM trilio_restores WHERE id = ?').get(id) as { due_ms: number | null }).due_ms;
    const res = await app.inject({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}`,
      headers: H,
      payload: { restore: { name: 'due', options: oneclick } },
    });
    const id = res.json().restore.id;
    expect(due(id)).toBe(T0); // a new restore: looked at by the next settle
    await show(app, id);
    expect(due(id)).toBe(T0 + 2048); // then at the end of `restoring` (4 % of 51.2 s)
    await advance(app, 3);
    expect((await show(app, id)).status).toBe('starting');
    expect(due(id)).toBe(T0 + 4096);
    await advance(app, 60);
    expect((await show(app, id)).status).toBe('available');
    expect(due(id)).toBeNull();
    expect(due('29fdc1f8-1d53-4a10-bb45-e539a64cdbfc')).toBeNull(); // a finished fixture restore
    const plan = (
      db
        .prepare(`EXPLAIN QUERY PLAN SELECT data FROM trilio_restores INDEXED BY trilio_restores_active_due
      WHERE deleted = 0 AND status NOT IN ('available','error','cancelled') AND due_ms <= 1`)
        .all() as { detail: string }[]
    ).map((r) => r.detail);
    expect(plan.join(' ')).toMatch(/SEARCH trilio_restores USING INDEX trilio_restores_active_due/);
  });
});

describe('trilio fixtures', () => {
  it('the default fixtures are valid; problems are reported one per line with their path', () => {
    const doc = JSON.parse(fs.readFileSync(new URL('../fixtures/trilio.json', import.meta.url), 'utf8'));
    expect(validateSection(doc.trilio)).toEqual([]);
    const problems = validateSection({
      bogus: 1,
      tokens: [{ id: 't', project_id: P1 }],
      snapshots: [
        {
          id: 's',
          project_id: P1,
          user_id: 'u',
          workload_id: 'nope',
          display_name: 'x',
          status: 'available',
          created_at: 'yesterday',
          restore_size: -1,
          instances: [],
        },
      ],
      workloads: [],
      restores: [
        {
          id: 'r',
          project_id: P1,
          user_id: 'u',
          snapshot_id: 'missing',
          name: 'n',
          status: 'available',
          created_at: '2020-11-05T10:17:40.000000',
        },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        '.bogus: unknown key (expected one of version, host, projects, tokens, servers, volumes, networks, workloads, snapshots, restores)',
        '.tokens[0].user_id: must be a non-empty string',
        '.snapshots[0].created_at: must be a timestamp like 2020-11-05T10:17:40.000000',
        '.snapshots[0].restore_size: must be a number of bytes >= 0',
        '.snapshots[0].workload_id: unknown workload "nope"',
        '.restores[0].snapshot_id: unknown snapshot "missing"',
      ]),
    );
  });

  it('merges entries by id, the extra section winning', () => {
    const m = mergeSections(
      {
        host: 'TVM1',
        tokens: [
          { id: 'a', project_id: 'p', user_id: 'u1' },
          { id: 'b', project_id: 'p', user_id: 'u' },
        ],
      },
      { host: 'TVM3', tokens: [{ id: 'a', project_id: 'p', user_id: 'u2' }] },
    );
    expect(m.host).toBe('TVM3');
    expect(m.tokens).toEqual([
      { id: 'a', project_id: 'p', user_id: 'u2' },
      { id: 'b', project_id: 'p', user_id: 'u' },
    ]);
  });

  it('POST /_sim/fixtures merges a server into Nova (one-click then fails); a project reset restores only that project', async () => {
    app = await testApp();
    const merged = await app.inject({
      method: 'POST',
      url: '/_sim/fixtures',
      payload: {
        trilio: { servers: [{ id: 'e33c1eea-c533-4945-864d-0da1fc002070', name: 'cirros-1', project_id: P1 }] },
      },
    });
    expect(merged.statusCode).toBe(200);
    const r = (
      await app.inject({
        method: 'POST',
        url: `/v1/${P1}/snapshots/${S1}`,
        headers: H,
        payload: { restore: { options: oneclick } },
      })
    ).json().restore;
    await advance(app, 30);
    expect((await show(app, r.id)).error_msg).toBe(
      'Failed restoring snapshot: Original instance cirros-1 is still present. Please delete this instance and try again.',
    );
    const other = { 'x-auth-token': 'tenant-b-token' };
    await app.inject({
      method: 'DELETE',
      url: `/v1/${P2}/restores/5c7e9a1b-3d5f-4a7c-9e1b-3d5f7a9c1e3b`,
      headers: other,
    });
    const reset = await app.inject({ method: 'POST', url: `/_sim/reset?project=${P1}` });
    expect(reset.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/v1/${P1}/restores/${r.id}`, headers: H })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/v1/${P2}/restores`, headers: other })).json().restores).toEqual(
      [],
    );
    const bad = await app.inject({
      method: 'POST',
      url: '/_sim/fixtures',
      payload: { trilio: { snapshots: [{ id: 'x' }] } },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('a fixture restore in a running status is stuck: the workload stays locked, cancel only flags it, a forced move ends it', async () => {
    app = await testApp();
    const stuck = {
      id: '6d8f0a2c-4e6a-4c8e-9a2c-4e6a8c0e2a4c',
      project_id: P1,
      user_id: 'ccddc7e7a015487fa02920f4d4979779',
      snapshot_id: S1,
      name: 'stuck',
      status: 'restoring',
      created_at: '2020-11-05T12:00:00.000000',
      restore_options: { type: 'openstack', restore_type: 'oneclick', openstack: {} },
    };
    expect(
      (await app.inject({ method: 'POST', url: '/_sim/fixtures', payload: { trilio: { restores: [stuck] } } }))
        .statusCode,
    ).toBe(200);
    const wl = async () =>
      (
        await app!.inject({
          method: 'GET',
          url: `/v1/${P1}/workloads/18b809de-d7c8-41e2-867d-4a306407fb11`,
          headers: H,
        })
      ).json().workload.status;
    expect(await wl()).toBe('locked');
    await advance(app, 3600);
    expect((await show(app, stuck.id)).status).toBe('restoring');
    expect(
      (await app.inject({ method: 'GET', url: `/v1/${P1}/restores/${stuck.id}/cancel`, headers: H })).statusCode,
    ).toBe(200);
    await advance(app, 3600);
    expect((await show(app, stuck.id)).status).toBe('cancelling');
    const f = await app.inject({
      method: 'PUT',
      url: `/_sim/trilio/restores/${stuck.id}/state`,
      payload: { state: 'error', message: 'Restore did not finish successfully' },
    });
    expect(f.statusCode).toBe(200);
    expect(await show(app, stuck.id)).toMatchObject({
      status: 'error',
      error_msg: 'Restore did not finish successfully',
    });
    expect(await wl()).toBe('available');
  });

  it('XML lists with restores_links are wrapped in <response>', async () => {
    app = await testApp({ publicUrl: 'http://wlm_backend' });
    const x = await app.inject({
      method: 'GET',
      url: `/v1/${P1}/restores?limit=1`,
      headers: { ...H, accept: 'application/xml' },
    });
    expect(x.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<response><restores><restore><id>29fdc1f8/);
    expect(x.body).toContain(
      '<restores_links><link><rel>next</rel><href>http://wlm_backend/v1/c76b3355a164498aa95ddbc960adc238/restores?limit=1&amp;marker=29fdc1f8-1d53-4a10-bb45-e539a64cdbfc</href></link></restores_links></response>',
    );
  });

  it('counts restores by state; load replaces the state', () => {
    const sim = new Emulator(validateConfig({ db: ':memory:', clock: 'virtual' }), [trilio], { start: T0 });
    const mod = sim.api('trilio').instance;
    const doc = JSON.parse(fs.readFileSync(new URL('../fixtures/trilio.json', import.meta.url), 'utf8'));
    mod.load(doc.trilio, { mode: 'replace' });
    expect(mod.counts()).toEqual({ available: 2, error: 1 });
    mod.load({ restores: [] }, { mode: 'replace', project: P1 });
    expect(mod.counts()).toEqual({ available: 1 });
    expect(mod.force!({ id: '29fdc1f8-1d53-4a10-bb45-e539a64cdbfc', state: 'error' }, sim.now())).toMatchObject({
      ok: false,
      statusCode: 404,
    });
    mod.load(doc.trilio, { mode: 'replace' });
    expect(mod.force!({ id: '29fdc1f8-1d53-4a10-bb45-e539a64cdbfc', state: 'error' }, sim.now())).toMatchObject({
      ok: false,
      statusCode: 409,
    });
    sim.close();
  });

  it('transitions are announced after their transaction commits (cancel, forced moves, settle)', () => {
    const sim = new Emulator(validateConfig({ db: ':memory:', clock: 'virtual' }), [trilio], { start: T0 });
    const mod = sim.api('trilio').instance;
    const doc = JSON.parse(fs.readFileSync(new URL('../fixtures/trilio.json', import.meta.url), 'utf8'));
    mod.load(doc.trilio, { mode: 'replace' });
    const id = 'a1b2c3d4-0000-4000-8000-000000000001';
    mod.load(
      {
        restores: [
          {
            id,
            created_at: isoMicro(T0),
            user_id: 'u',
            project_id: P1,
            status: 'executing',
            snapshot_id: S1,
            name: 'stuck',
          },
        ],
      } as never,
      { mode: 'merge' },
    );
    const seen: [string, string, boolean][] = [];
    sim.onTransition((e) => seen.push([e.from, e.to, sim.store.db.inTransaction]));
    expect(mod.force!({ id, state: 'cancelling' }, sim.now())).toMatchObject({ ok: true, state: 'cancelling' });
    sim.clock.advance(5);
    mod.settle(sim.now());
    expect(seen).toEqual([
      ['executing', 'cancelling', false],
      ['cancelling', 'cancelled', false],
    ]);
    sim.close();
  });

  it('the config is read once per load: a host merged in later applies to the next restore', async () => {
    const app = await testApp();
    onTestFinished(() => app.close());
    const create = async () =>
      (
        await app.inject({
          method: 'POST',
          url: `/v1/${P1}/snapshots/${S1}`,
          headers: H,
          payload: { restore: { name: 'r', options: oneclick } },
        })
      ).json().restore;
    const advance = (seconds: number) =>
      app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
    const host = async (id: string) =>
      (await app.inject({ method: 'GET', url: `/v1/${P1}/restores/${id}`, headers: H })).json().restore.host;
    const r1 = await create();
    await advance(60);
    expect(await host(r1.id)).toBe('TVM1');
    expect(
      (await app.inject({ method: 'POST', url: '/_sim/fixtures', payload: { trilio: { host: 'TVM9' } } })).statusCode,
    ).toBe(200);
    const r2 = await create();
    await advance(10);
    expect(await host(r2.id)).toBe('TVM9');
  });
});
