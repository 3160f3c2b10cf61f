// The control plane and the rule engine, driven through the library client (connectRestoreSim) against an app
// that carries, besides the real APIs, a tiny test-only API module whose routes declare `sim` route config like
// the emulated ones do (in place of the real APIs). That keeps these tests independent of the Trilio and vCenter
// details; test/library.test.ts drives the real APIs.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { request as httpRequest } from 'node:http';
import type { Config } from '../src/config.js';
import { InjectedFault, RuleEngine, type RuleSpec } from '../src/core/rules.js';
import { connectRestoreSim, RestoreSimError, validateRule } from '../src/index.js';
import { APIS } from '../src/apis.js';
import { trilio } from '../src/trilio/index.js';
import { vcenter } from '../src/vcenter/index.js';
import { keystone } from '../src/keystone/index.js';
import { listeningHarness, stubApi, T0, type Harness } from './helpers.js';

const P1 = 'project-one';
const P2 = 'project-two';

/** Test-only routes with the route config of the emulated APIs; they echo the effects the rules set. */
const probe: FastifyPluginAsync = async (f) => {
  f.setErrorHandler((err, _req, reply) => {
    if (err instanceof InjectedFault)
      return reply
        .code(err.statusCode)
        .send({ probeFault: { code: err.statusCode, message: err.message, vendorError: err.vendorError ?? null } });
    return reply
      .code((err as { statusCode?: number }).statusCode ?? 500)
      .send({ probeFault: { message: (err as Error).message } });
  });
  f.get('/v1/:project_id/restores', { config: { sim: { api: 'trilio', operation: 'restores.list' } } }, async () => ({
    restores: [],
  }));
  f.post(
    '/v1/:project_id/snapshots/:snapshot_id',
    {
      config: {
        sim: {
          api: 'trilio',
          operation: 'restores.create',
          subject: (r) => (r.body as { restore?: { name?: string } } | undefined)?.restore?.name,
        },
      },
    },
    async (request, reply) => reply.code(202).send({ effects: request.simEffects }),
  );
  f.post(
    '/api/appliance/recovery/restore/job',
    {
      config: {
        sim: {
          api: 'vcenter',
          operation: 'job.create',
          subject: (r) => (r.body as { location?: string } | undefined)?.location,
        },
      },
    },
    async (request, reply) => reply.code(201).send({ effects: request.simEffects }),
  );
  f.get(
    '/api/appliance/recovery/restore/job',
    { config: { sim: { api: 'vcenter', operation: 'job.get' } } },
    async () => ({ state: 'NONE' }),
  );
  // Like the real APIs: a not-found handler per prefix, inside the app (so the journal sees unmatched requests).
  await f.register(
    async (v1) => v1.setNotFoundHandler(async (_req, reply) => reply.code(404).send({ itemNotFound: { code: 404 } })),
    { prefix: '/v1' },
  );
};

const probeApi = stubApi(trilio, probe);
const quietVcenter = stubApi(vcenter);

const open: FastifyInstance[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function harness(overrides: Partial<Config> = {}): Promise<Harness> {
  const h = await listeningHarness([probeApi, quietVcenter, stubApi(keystone)], overrides);
  open.push(h.app);
  return h;
}

const createRestore = (h: Harness, project: string, name = 'nightly', headers: Record<string, string> = {}) =>
  fetch(`${h.url}/v1/${project}/snapshots/snap-1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ restore: { name, options: {} } }),
  });
const listRestores = (h: Harness, project: string) => fetch(`${h.url}/v1/${project}/restores`);
const createJob = (h: Harness, location: string) =>
  fetch(`${h.url}/api/appliance/recovery/restore/job`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ location, location_type: 'SFTP' }),
  });

describe('rule validation', () => {
  const refuse: [string, RuleSpec, RegExp][] = [
    [
      'outcome on a read',
      { match: { operation: 'restores.get' }, effects: { outcome: { state: 'error' } } },
      /creates nothing/,
    ],
    [
      'outcome without an operation',
      { match: { api: 'trilio' }, effects: { outcome: { state: 'error' } } },
      /applies only to creating/,
    ],
    [
      'vCenter state on Trilio',
      { match: { operation: 'restores.create' }, effects: { outcome: { state: 'FAILED' } } },
      /not a trilio outcome/,
    ],
    [
      'Trilio state on vCenter',
      { match: { operation: 'job.create' }, effects: { outcome: { state: 'error' } } },
      /not a vcenter outcome/,
    ],
    [
      'duration on a cancel',
      { match: { operation: 'job.cancel' }, effects: { durationSeconds: 5 } },
      /creates nothing/,
    ],
    [
      'bad regex',
      { match: { operation: 'restores.create', subject: '([' }, effects: { error: { status: 500 } } },
      /not a valid regular expression/,
    ],
    [
      'subject on a list',
      { match: { operation: 'restores.list', subject: 'x' }, effects: { error: { status: 500 } } },
      /carry no restore name/,
    ],
    ['unknown operation', { match: { operation: 'restores.explode' }, effects: { drop: true } }, /unknown operation/],
    [
      'operation of the other api',
      { match: { api: 'vcenter', operation: 'restores.list' }, effects: { drop: true } },
      /is a trilio operation/,
    ],
    ['project on vCenter', { match: { api: 'vcenter', project: 'p' }, effects: { drop: true } }, /no project/],
    [
      'error and drop',
      { match: { api: 'trilio' }, effects: { drop: true, error: { status: 503 } } },
      /exclude each other/,
    ],
    [
      'outcome with error',
      { match: { operation: 'restores.create' }, effects: { outcome: { state: 'error' }, error: { status: 500 } } },
      /never apply/,
    ],
    ['no effect', { match: { api: 'trilio' }, effects: {} }, /at least one/],
    ['uniform min > max', { effects: { latency: { kind: 'uniform', minMs: 10, maxMs: 5 } } }, /minMs must not exceed/],
    [
      'vendorError on Trilio',
      { match: { api: 'trilio' }, effects: { error: { status: 503, vendorError: 'service_unavailable' } } },
      /vcenter only/,
    ],
  ];
  it.each(refuse)('refuses %s', (_name, spec, reason) => {
    const problems = validateRule(spec);
    expect(problems.join('\n')).toMatch(reason);
  });

  it('accepts what can apply', () => {
    expect(
      validateRule({
        match: { operation: 'restores.create', project: 'p', subject: '^nightly' },
        effects: { outcome: { state: 'error', message: 'x' }, durationSeconds: 3 },
      }),
    ).toEqual([]);
    expect(validateRule({ match: { operation: ['job.create'] }, effects: { outcome: { state: 'FAILED' } } })).toEqual(
      [],
    );
    expect(
      validateRule({
        match: { api: 'vcenter', method: 'get' },
        effects: { error: { status: 503, vendorError: 'service_unavailable' } },
      }),
    ).toEqual([]);
  });

  it('refuses over HTTP with the reason, and refuses unknown fields', async () => {
    const h = await harness();
    const err = await h.sim.rules
      .add({ match: { operation: 'restores.get' }, effects: { outcome: { state: 'error' } } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RestoreSimError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_rule');
    expect(err.problems[0]).toMatch(/"restores.get" creates nothing/);
    const typo = await fetch(`${h.url}/_sim/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { projet: 'x' }, effects: { drop: true } }),
    });
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/projet/) });
    await h.sim.rules.add({ id: 'dup', effects: { drop: true } });
    const dup = await h.sim.rules.add({ id: 'dup', effects: { drop: true } }).catch((e) => e);
    expect(dup.status).toBe(409);
  });
});

describe('rule matching', () => {
  it('matches on api, operation, method, project, route, path and the subject regex', async () => {
    const h = await harness();
    await h.sim.rules.add({
      id: 'by-project',
      match: { api: 'trilio', project: P2 },
      effects: { error: { status: 501 } },
    });
    await h.sim.rules.add({
      id: 'by-subject',
      match: { operation: 'restores.create', subject: '^doomed-' },
      effects: { error: { status: 502 } },
    });
    await h.sim.rules.add({
      id: 'by-location',
      match: { operation: 'job.create', subject: 'bad\\.example' },
      effects: { error: { status: 503 } },
    });
    await h.sim.rules.add({
      id: 'by-method',
      match: { api: 'vcenter', method: 'get' },
      effects: { error: { status: 504 } },
    });
    await h.sim.rules.add({
      id: 'by-route',
      match: { route: '/v1/:project_id/restores', path: '/v1/p3/' },
      effects: { error: { status: 505 } },
    });

    expect((await listRestores(h, P1)).status).toBe(200);
    expect((await listRestores(h, P2)).status).toBe(501);
    expect((await listRestores(h, 'p3')).status).toBe(505);
    expect((await createRestore(h, P1, 'nightly')).status).toBe(202);
    const doomed = await createRestore(h, P1, 'doomed-1');
    expect(doomed.status).toBe(502);
    expect(await doomed.json()).toEqual({
      probeFault: { code: 502, message: 'Injected fault (rule by-subject)', vendorError: null },
    });
    expect((await createJob(h, 'sftp://good.example/b')).status).toBe(201);
    expect((await createJob(h, 'sftp://bad.example/b')).status).toBe(503);
    expect((await fetch(`${h.url}/api/appliance/recovery/restore/job`)).status).toBe(504);

    const rules = Object.fromEntries((await h.sim.rules.list()).map((r) => [r.id, r]));
    expect(rules['by-project']).toMatchObject({ matched: 1, fired: 1 });
    expect(rules['by-subject']).toMatchObject({ matched: 1, fired: 1 });
    expect(rules['by-method']).toMatchObject({ matched: 1, fired: 1 });
    const journal = await h.sim.requests({ status: '5xx' });
    expect(journal.map((e) => e.rules[0])).toEqual([
      'by-method',
      'by-location',
      'by-subject',
      'by-route',
      'by-project',
    ]);
  });

  it('hands outcome and duration to the creating handler', async () => {
    const h = await harness();
    await h.sim.rules.add({
      match: { operation: 'restores.create', project: P1 },
      effects: { outcome: { state: 'error', message: 'disk full' }, durationSeconds: 7 },
    });
    await h.sim.rules.add({ match: { operation: 'job.create' }, effects: { outcome: { state: 'FAILED' } } });
    expect(await (await createRestore(h, P1)).json()).toEqual({
      effects: { outcome: { state: 'error', message: 'disk full' }, durationSeconds: 7 },
    });
    expect(await (await createRestore(h, P2)).json()).toEqual({ effects: {} });
    expect(await (await createJob(h, 'sftp://x/y')).json()).toEqual({ effects: { outcome: { state: 'FAILED' } } });
  });

  it('counts skip before firing, stops at max, and ignores disabled rules', async () => {
    const h = await harness();
    await h.sim.rules.add({
      id: 'third-to-fifth',
      match: { operation: 'restores.list' },
      skip: 2,
      max: 3,
      effects: { error: { status: 503 } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await listRestores(h, P1)).status);
    expect(statuses).toEqual([200, 200, 503, 503, 503, 200, 200]);
    expect(await h.sim.rules.get('third-to-fifth')).toMatchObject({ matched: 7, fired: 3 });

    await h.sim.rules.put('off', {
      enabled: false,
      match: { operation: 'job.get' },
      effects: { error: { status: 500 } },
    });
    expect((await fetch(`${h.url}/api/appliance/recovery/restore/job`)).status).toBe(200);
    expect(await h.sim.rules.get('off')).toMatchObject({ matched: 0, fired: 0, enabled: false });
    await h.sim.rules.put('off', {
      enabled: true,
      match: { operation: 'job.get' },
      effects: { error: { status: 500 } },
    });
    expect((await fetch(`${h.url}/api/appliance/recovery/restore/job`)).status).toBe(500);

    await h.sim.rules.remove('off');
    expect((await fetch(`${h.url}/api/appliance/recovery/restore/job`)).status).toBe(200);
    await expect(h.sim.rules.remove('off')).rejects.toMatchObject({ status: 404 });
    expect(await h.sim.rules.clear()).toBe(1);
  });

  it('fires with a probability from the seeded source: same seed, same sequence', async () => {
    const run = async (seed: number) => {
      const h = await harness({ seed });
      // Another probabilistic rule on the same requests does not disturb this rule's stream.
      await h.sim.rules.add({
        id: 'other',
        match: { api: 'trilio' },
        probability: 0.3,
        effects: { latency: { kind: 'fixed', ms: 0 } },
      });
      await h.sim.rules.add({
        id: 'flaky',
        match: { operation: 'restores.list' },
        probability: 0.5,
        effects: { error: { status: 503 } },
      });
      const out: string[] = [];
      for (let i = 0; i < 24; i++) out.push((await listRestores(h, P1)).status === 503 ? 'x' : '.');
      return out.join('');
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    const fired = a.split('').filter((x) => x === 'x').length;
    expect(fired).toBeGreaterThan(4);
    expect(fired).toBeLessThan(20);
    // And the engine alone gives the same decisions as over HTTP.
    const engine = new RuleEngine(7, APIS);
    engine.add({
      id: 'flaky',
      match: { operation: 'restores.list' },
      probability: 0.5,
      effects: { error: { status: 503 } },
    });
    let direct = '';
    for (let i = 0; i < 24; i++)
      direct += engine.evaluate({ api: 'trilio', operation: 'restores.list', method: 'GET', route: '/' }).error
        ? 'x'
        : '.';
    expect(direct).toBe(a);
  });

  it('adds latency (fixed, uniform, lognormal) in wall time', async () => {
    const h = await harness();
    await h.sim.rules.add({
      id: 'slow',
      match: { operation: 'restores.list', project: P1 },
      effects: { latency: { kind: 'fixed', ms: 120 } },
    });
    let t = performance.now();
    expect((await listRestores(h, P1)).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
    t = performance.now();
    await listRestores(h, P2);
    expect(performance.now() - t).toBeLessThan(100);

    const engine = new RuleEngine(42, APIS);
    engine.add({ id: 'u', effects: { latency: { kind: 'uniform', minMs: 10, maxMs: 20 } } });
    engine.add({
      id: 'l',
      match: { method: 'POST' },
      effects: { latency: { kind: 'lognormal', medianMs: 50, sigma: 0.5, maxMs: 400 } },
    });
    const ctx = { api: 'trilio' as const, operation: 'restores.list', method: 'GET', route: '/' };
    const uni = Array.from({ length: 50 }, () => engine.evaluate(ctx).latencyMs);
    expect(Math.min(...uni)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...uni)).toBeLessThanOrEqual(20);
    const logn = Array.from({ length: 200 }, () => engine.evaluate({ ...ctx, method: 'POST' }).latencyMs - 0).sort(
      (a, b) => a - b,
    );
    // u fires too on POST (10–20 ms); the median of the sum sits near 50 + 15.
    expect(logn[100]).toBeGreaterThan(40);
    expect(logn[100]).toBeLessThan(95);
    expect(logn[199]).toBeLessThanOrEqual(420);
  });

  it('drops the connection: the client sees a socket error', async () => {
    const h = await harness();
    await h.sim.rules.add({ id: 'cut', match: { operation: 'restores.create' }, max: 1, effects: { drop: true } });
    const err = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const req = httpRequest(
        `${h.url}/v1/${P1}/snapshots/s`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => reject(new Error(`got an answer: ${res.statusCode}`)),
      );
      req.on('error', resolve);
      req.end(JSON.stringify({ restore: { name: 'x' } }));
    });
    expect(err.code).toMatch(/ECONNRESET|socket hang up/);
    await expect(createRestore(h, P1)).resolves.toMatchObject({ status: 202 });
    const [, dropped] = await h.sim.requests({ path: `/v1/${P1}/snapshots` });
    expect(dropped).toMatchObject({ status: 0, dropped: true, rules: ['cut'] });
    expect(await h.sim.metrics()).toMatch(
      /restoresim_requests_total\{api="trilio",route="\/v1\/:project_id\/snapshots\/:snapshot_id",method="POST",status="dropped"\} 1/,
    );
  });
});

describe('reset', () => {
  it('removes the rules of the project it resets and keeps the others; a full reset removes all and clears the journal', async () => {
    const h = await harness();
    await h.sim.rules.add({ id: 'a', match: { api: 'trilio', project: P1 }, effects: { error: { status: 500 } } });
    await h.sim.rules.add({ id: 'b', match: { api: 'trilio', project: P2 }, effects: { error: { status: 500 } } });
    await h.sim.rules.add({ id: 'v', match: { api: 'vcenter' }, effects: { error: { status: 500 } } });
    await listRestores(h, P1);
    expect(await h.sim.reset({ project: P1 })).toEqual({
      status: 'reset',
      project: P1,
      rulesRemoved: 1,
      journalCleared: false,
    });
    expect((await listRestores(h, P1)).status).toBe(200);
    expect((await listRestores(h, P2)).status).toBe(500);
    expect(await h.sim.reset({ api: 'vcenter' })).toMatchObject({ rulesRemoved: 1 });
    expect((await h.sim.rules.list()).map((r) => r.id)).toEqual(['b']);
    expect((await h.sim.requests()).length).toBe(3);
    await expect(h.sim.reset({ api: 'vcenter', project: P1 })).rejects.toMatchObject({ status: 400 });
    expect(await h.sim.reset()).toEqual({ status: 'reset', rulesRemoved: 1, journalCleared: true });
    expect(await h.sim.requests()).toEqual([]);
    expect((await h.sim.rules.add({ effects: { drop: true } })).id).toBe('rule-1');
  });
});

describe('journal', () => {
  it('keeps the newest entries up to its cap and filters by api, method, path, status, since and after', async () => {
    const h = await harness({ journalSize: 5 });
    const before = new Date().toISOString();
    await listRestores(h, P1);
    await listRestores(h, P2);
    await createRestore(h, P1, 'one');
    await createJob(h, 'sftp://x/y');
    await fetch(`${h.url}/api/appliance/recovery/restore/job`);
    await fetch(`${h.url}/v1/${P1}/nowhere`);
    await fetch(`${h.url}/_sim/clock`);
    await fetch(`${h.url}/_sim/health`);
    const page = await h.sim.requests.page();
    expect(page).toMatchObject({ total: 5, capacity: 5 });
    expect(page.requests.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      `GET /v1/${P1}/nowhere 404`,
      'GET /api/appliance/recovery/restore/job 200',
      'POST /api/appliance/recovery/restore/job 201',
      `POST /v1/${P1}/snapshots/snap-1 202`,
      `GET /v1/${P2}/restores 200`,
    ]);
    const create = page.requests[3]!;
    expect(create).toMatchObject({
      api: 'trilio',
      operation: 'restores.create',
      route: '/v1/:project_id/snapshots/:snapshot_id',
      body: { restore: { name: 'one', options: {} } },
      clock: new Date(T0).toISOString(),
      rules: [],
    });
    expect(create.id).toMatch(/^req-/);
    expect((await h.sim.requests({ api: 'vcenter' })).length).toBe(2);
    expect((await h.sim.requests({ method: 'post' })).length).toBe(2);
    expect((await h.sim.requests({ path: '/v1/' })).length).toBe(3);
    expect((await h.sim.requests({ status: '404' })).length).toBe(1);
    expect((await h.sim.requests({ status: '2xx' })).length).toBe(4);
    expect((await h.sim.requests({ since: before })).length).toBe(5);
    expect((await h.sim.requests({ since: '2999-01-01T00:00:00Z' })).length).toBe(0);
    expect((await h.sim.requests({ after: create.seq })).length).toBe(3);
    expect((await h.sim.requests({ limit: 2 })).length).toBe(2);
    await expect(h.sim.requests({ since: 'yesterday' })).rejects.toMatchObject({ status: 400 });
    await expect(h.sim.requests({ status: 'bad' })).rejects.toMatchObject({ status: 400 });
    expect(await h.sim.requests.clear()).toBe(5);
    expect(await h.sim.requests()).toEqual([]);
  });
});

describe('admin token', () => {
  it('guards every /_sim route but health', async () => {
    const h = await harness({ adminToken: 's3cret' });
    expect((await fetch(`${h.url}/_sim/health`)).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/_sim/ready'],
      ['GET', '/_sim/clock'],
      ['POST', '/_sim/reset'],
      ['GET', '/_sim/rules'],
      ['GET', '/_sim/requests'],
      ['GET', '/_sim/metrics'],
      ['GET', '/_sim/fixtures'],
      ['GET', '/_sim/nowhere'],
    ]) {
      const res = await fetch(`${h.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
      expect((await fetch(`${h.url}${path}`, { method, headers: { 'x-sim-admin-token': 'nope' } })).status).toBe(401);
    }
    // The client built with the token works; the emulated APIs do not need it.
    expect((await h.sim.clock.get()).mode).toBe('virtual');
    expect((await listRestores(h, P1)).status).toBe(200);
    // A missing token is unauthorized at once (it used to be reported as not_ready after the wait).
    await expect(connectRestoreSim(h.url, { waitMs: 300 })).rejects.toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
  });
});

describe('clock', () => {
  it('reads, advances, switches mode and speed, and jumps forward but never back', async () => {
    const h = await harness();
    expect(await h.sim.clock.get()).toEqual({
      mode: 'virtual',
      now: new Date(T0).toISOString(),
      epochMs: T0,
      speed: 1,
    });
    expect((await h.sim.clock.advance(90)).epochMs).toBe(T0 + 90_000);
    expect((await h.sim.clock.now()).getTime()).toBe(T0 + 90_000);
    const jumped = await h.sim.clock.set({ now: new Date(T0 + 3_600_000) });
    expect(jumped.epochMs).toBe(T0 + 3_600_000);
    await expect(h.sim.clock.set({ now: new Date(T0) })).rejects.toMatchObject({ status: 409, code: 'conflict' });
    await expect(h.sim.clock.set({ now: 'soon' })).rejects.toMatchObject({ status: 400 });
    await expect(h.sim.clock.advance(-1)).rejects.toMatchObject({ status: 400 });
    const real = await h.sim.clock.set({ mode: 'real', speed: 1000 });
    expect(real).toMatchObject({ mode: 'real', speed: 1000 });
    expect(real.epochMs).toBeGreaterThanOrEqual(T0 + 3_600_000);
    const back = await h.sim.clock.set({ mode: 'virtual', speed: 1 });
    expect(back.epochMs).toBeGreaterThanOrEqual(real.epochMs);
    const still = await h.sim.clock.get();
    expect(still.epochMs).toBe(back.epochMs);
    await expect(h.sim.clock.set({ speed: 0 } as never)).rejects.toMatchObject({ status: 400 });
  });
});

describe('fixtures, errors and metrics', () => {
  it('returns the loaded fixtures and refuses bad documents with one line per problem', async () => {
    const h = await harness();
    const doc = await h.sim.fixtures.get();
    expect(Object.keys(doc).sort()).toEqual(['keystone', 'trilio', 'vcenter']);
    const err = await h.sim.fixtures.load({ trilo: {}, vcentre: {} }).catch((e) => e);
    expect(err).toMatchObject({ status: 400, code: 'invalid_fixtures' });
    expect(err.problems).toEqual([
      'fixtures: unknown section "trilo" (expected "trilio" or "vcenter" or "keystone")',
      'fixtures: unknown section "vcentre" (expected "trilio" or "vcenter" or "keystone")',
    ]);
    const arr = await fetch(`${h.url}/_sim/fixtures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[1]',
    });
    expect(arr.status).toBe(400);
    await expect(h.sim.fixtures.load({}, { mode: 'bogus' as never })).rejects.toMatchObject({ status: 400 });
  });

  it('answers JSON errors for unknown routes and malformed bodies, and 200 on ready', async () => {
    const h = await harness();
    const nf = await fetch(`${h.url}/_sim/nowhere`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: 'not_found', message: 'No control route GET /_sim/nowhere' });
    const bad = await fetch(`${h.url}/_sim/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"seconds":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/Malformed JSON/) });
    const force = await fetch(`${h.url}/_sim/trilio/restores/nope/state`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(force.status).toBe(400);
    expect(await h.sim.ready()).toBe(true);
    h.emulator.ready = false;
    const starting = await fetch(`${h.url}/_sim/ready`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ status: 'starting' });
    expect(await h.sim.ready()).toBe(false);
  });

  it('exposes Prometheus text: requests by route and status, rule firings, clock', async () => {
    const h = await harness();
    await h.sim.rules.add({
      id: 'boom',
      match: { operation: 'restores.list', project: P2 },
      effects: { error: { status: 500 } },
    });
    await listRestores(h, P1);
    await listRestores(h, P1);
    await listRestores(h, P2);
    const text = await h.sim.metrics();
    expect(text).toContain('# TYPE restoresim_requests_total counter');
    expect(text).toContain(
      'restoresim_requests_total{api="trilio",route="/v1/:project_id/restores",method="GET",status="200"} 2',
    );
    expect(text).toContain(
      'restoresim_requests_total{api="trilio",route="/v1/:project_id/restores",method="GET",status="500"} 1',
    );
    expect(text).toContain('restoresim_rule_firings_total{rule="boom"} 1');
    expect(text).toContain('# TYPE restoresim_trilio_restores gauge');
    expect(text).toContain('# TYPE restoresim_transitions_total counter');
    expect(text).toContain(`restoresim_clock_seconds ${T0 / 1000}`);
    for (const line of text.trim().split('\n'))
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+]+)$/);
  });
});

describe('journal ring', () => {
  it('wraps around, keeps the newest, and stops early on `after`', async () => {
    const { Journal } = await import('../src/plugins/journal.js');
    const j = new Journal(3);
    const rec = (n: number) =>
      j.record({
        id: `r${n}`,
        time: new Date(n * 1000).toISOString(),
        clock: '',
        api: 'trilio',
        method: 'GET',
        path: `/p${n}`,
        url: `/p${n}`,
        headers: {},
        status: 200 + n,
        durationMs: 0,
        rules: [],
      });
    for (let n = 1; n <= 7; n++) rec(n);
    expect(j.size).toBe(3);
    expect(j.query().map((e) => e.id)).toEqual(['r7', 'r6', 'r5']);
    expect(j.query({ after: 5 }).map((e) => e.seq)).toEqual([7, 6]);
    expect(j.query({ since: new Date(6000).toISOString() }).map((e) => e.id)).toEqual(['r7', 'r6']);
    expect(j.clear()).toBe(3);
    rec(8);
    expect(j.query().map((e) => e.id)).toEqual(['r8']);
    const off = new Journal(0);
    off.record({
      id: 'x',
      time: '',
      clock: '',
      api: 'other',
      method: 'GET',
      path: '/',
      url: '/',
      headers: {},
      status: 200,
      durationMs: 0,
      rules: [],
    });
    expect(off.size).toBe(0);
  });
});
