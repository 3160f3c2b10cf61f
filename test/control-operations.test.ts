// Review fixes in the faults layer and the control plane, against an app carrying a tiny test-only API module
// (like test/control.test.ts): a per-request operation (a JSON-RPC-like route), create effects counted only on a
// successful create, interruptible and capped latency, dropped connections under inject and over HTTP, and a lazy
// subject.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Config } from '../src/config.js';
import { InjectedFault } from '../src/core/rules.js';
import { emulatedRoutes } from '../src/plugins/faults.js';
import { APIS } from '../src/apis.js';
import { trilio } from '../src/trilio/index.js';
import { vcenter } from '../src/vcenter/index.js';
import { keystone } from '../src/keystone/index.js';
import { listeningHarness, stubApi, testApp, type Harness } from './helpers.js';

/** Counts calls of the subject functions (item: subject computed lazily). */
const subjectCalls = { n: 0 };

interface Rpc {
  serviceId?: string;
  operationId?: string;
  location?: string;
  /** The probe answers this status (default 200), so a test can make a create fail after the rules ran. */
  status?: number;
}
const RPC_OPS: Record<string, string> = {
  'com.vmware.appliance.recovery.restore.job.create': 'job.create',
  'com.vmware.appliance.recovery.restore.job.get': 'job.get',
};

const probe: FastifyPluginAsync = async (f) => {
  f.setErrorHandler((err, _req, reply) => {
    if (err instanceof InjectedFault)
      return reply.code(err.statusCode).send({ probeFault: { code: err.statusCode, message: err.message } });
    return reply
      .code((err as { statusCode?: number }).statusCode ?? 500)
      .send({ probeFault: { message: (err as Error).message } });
  });
  // A JSON-RPC-like endpoint: one route, the operation resolved per request from the body.
  f.post(
    '/api',
    {
      config: {
        sim: {
          api: 'vcenter',
          operation: (r: FastifyRequest) => {
            const b = r.body as Rpc | undefined;
            return RPC_OPS[`${b?.serviceId}.${b?.operationId}`] ?? 'jsonrpc.invoke';
          },
          operations: ['jsonrpc.invoke', 'job.create', 'job.get'],
          // JSON-RPC answers errors with 200: a create succeeded when the body has no error.
          succeeded: (_r: FastifyRequest, status: number, payload: unknown) =>
            status === 200 && !String(payload).includes('"error"'),
          subject: (r) => {
            subjectCalls.n++;
            return (r.body as Rpc | undefined)?.location;
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as Rpc & { fail?: boolean };
      if (body.fail) return reply.code(200).send({ error: { code: -32000, message: 'feature_in_use' } });
      return reply.code(body.status ?? 200).send({ effects: request.simEffects });
    },
  );
  // A REST-like create that validates its body in the handler (400 when the location is missing).
  f.post(
    '/api/appliance/recovery/restore/job',
    {
      config: {
        sim: {
          api: 'vcenter',
          operation: 'job.create',
          subject: (r) => {
            subjectCalls.n++;
            return (r.body as { location?: string } | undefined)?.location;
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { location?: string; busy?: boolean };
      if (!body.location) return reply.code(400).send({ probeFault: { message: 'location missing' } });
      if (body.busy) return reply.code(400).send({ probeFault: { message: 'feature_in_use' } });
      return reply.code(201).send({ effects: request.simEffects });
    },
  );
  f.get(
    '/api/appliance/recovery/restore/job',
    { config: { sim: { api: 'vcenter', operation: 'job.get' } } },
    async () => ({ state: 'NONE' }),
  );
  f.get('/v1/:project_id/restores', { config: { sim: { api: 'trilio', operation: 'restores.list' } } }, async () => ({
    restores: [],
  }));
};

const probeApi = stubApi(trilio);
const vcenterProbe = {
  ...vcenter,
  create: (ctx: Parameters<typeof vcenter.create>[0]) => ({
    ...stubApi(vcenter, probe).create(ctx),
    force: (target: { state: string }) => ({ ok: true, state: target.state }),
  }),
};

const open: FastifyInstance[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function harness(overrides: Partial<Config> = {}): Promise<Harness> {
  const h = await listeningHarness([probeApi, vcenterProbe, stubApi(keystone)], overrides);
  open.push(h.app);
  return h;
}

const rpc = (h: Harness, body: Rpc) =>
  fetch(`${h.url}/api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const rpcCreate = (h: Harness, location: string, status?: number) =>
  rpc(h, {
    serviceId: 'com.vmware.appliance.recovery.restore.job',
    operationId: 'create',
    location,
    ...(status ? { status } : {}),
  });

describe('a route whose operation is resolved per request', () => {
  it('matches rules, applies create effects and journals by the resolved operation', async () => {
    const h = await harness();
    await h.sim.rules.add({
      id: 'fail',
      match: { operation: 'job.create' },
      effects: { outcome: { state: 'FAILED', message: 'boom' } },
    });
    await h.sim.rules.add({ id: 'get-503', match: { operation: 'job.get' }, effects: { error: { status: 503 } } });

    const created = await rpcCreate(h, 'sftp://b/1');
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ effects: { outcome: { state: 'FAILED', message: 'boom' } } });

    const got = await rpc(h, { serviceId: 'com.vmware.appliance.recovery.restore.job', operationId: 'get' });
    expect(got.status).toBe(503);
    const other = await rpc(h, { serviceId: 'com.vmware.cis.session', operationId: 'get' });
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({ effects: {} });

    const rules = Object.fromEntries((await h.sim.rules.list()).map((r) => [r.id, r.fired]));
    expect(rules).toEqual({ fail: 1, 'get-503': 1 });
    const ops = (await h.sim.requests({ path: '/api' })).filter((e) => e.path === '/api').map((e) => e.operation);
    expect(ops.sort()).toEqual(['job.create', 'job.get', 'jsonrpc.invoke']);
  });

  it('lists one emulated route per operation it may resolve to', async () => {
    const h = await harness();
    const rows = emulatedRoutes(h.app)
      .filter((r) => r.url === '/api')
      .map((r) => `${r.method} ${r.operation}`);
    expect(rows.sort()).toEqual(['POST job.create', 'POST job.get', 'POST jsonrpc.invoke']);
  });
});

const createJob = (h: Harness, body: Record<string, unknown>) =>
  fetch(`${h.url}/api/appliance/recovery/restore/job`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const counters = async (h: Harness, id: string) => {
  const r = await h.sim.rules.get(id);
  return { matched: r.matched, fired: r.fired };
};

describe('create-only rules count only successful creates', () => {
  it('a rejected create (400) uses up neither max nor skip; the next real create gets the outcome', async () => {
    const h = await harness();
    await h.sim.rules.add({
      id: 'once',
      match: { operation: 'job.create' },
      effects: { outcome: { state: 'FAILED' } },
      max: 1,
    });
    expect((await createJob(h, {})).status).toBe(400);
    expect((await createJob(h, { location: 'sftp://b/1', busy: true })).status).toBe(400);
    expect(await counters(h, 'once')).toEqual({ matched: 0, fired: 0 });
    const ok = await createJob(h, { location: 'sftp://b/1' });
    expect(await ok.json()).toEqual({ effects: { outcome: { state: 'FAILED' } } });
    expect(await counters(h, 'once')).toEqual({ matched: 1, fired: 1 });
    expect(await (await createJob(h, { location: 'sftp://b/1' })).json()).toEqual({ effects: {} });

    await h.sim.rules.add({
      id: 'second',
      match: { operation: 'job.create' },
      effects: { durationSeconds: 7 },
      skip: 1,
      max: 1,
    });
    expect((await createJob(h, {})).status).toBe(400);
    expect(await (await createJob(h, { location: 'sftp://b/1' })).json()).toEqual({ effects: {} });
    expect(await (await createJob(h, { location: 'sftp://b/1' })).json()).toEqual({ effects: { durationSeconds: 7 } });
    expect(await counters(h, 'second')).toEqual({ matched: 2, fired: 1 });

    const journal = await h.sim.requests({ path: '/api/appliance' });
    const failed = journal.filter((e) => e.status === 400);
    expect(failed.every((e) => e.rules.length === 0)).toBe(true);
    expect(await h.sim.metrics()).toMatch(/restoresim_rule_firings_total\{rule="once"\} 1\b/);
  });

  it('rules with other effects still count when they fire on a failing request', async () => {
    const h = await harness();
    await h.sim.rules.add({
      id: 'err',
      match: { operation: 'job.create' },
      effects: { error: { status: 503 } },
      max: 1,
    });
    expect((await createJob(h, { location: 'sftp://b/1' })).status).toBe(503);
    expect(await counters(h, 'err')).toEqual({ matched: 1, fired: 1 });
  });
});

describe('create-only rules on a route with its own success test', () => {
  it('a JSON-RPC error answered with 200 gives the match back', async () => {
    const h = await harness();
    await h.sim.rules.add({
      id: 'once',
      match: { operation: 'job.create' },
      effects: { outcome: { state: 'FAILED' } },
      max: 1,
    });
    const failed = await rpc(h, {
      serviceId: 'com.vmware.appliance.recovery.restore.job',
      operationId: 'create',
      location: 'x',
      fail: true,
    } as Rpc);
    expect(failed.status).toBe(200);
    expect(await counters(h, 'once')).toEqual({ matched: 0, fired: 0 });
    expect(await (await rpcCreate(h, 'x')).json()).toEqual({ effects: { outcome: { state: 'FAILED' } } });
    expect(await counters(h, 'once')).toEqual({ matched: 1, fired: 1 });
  });
});

describe('latency', () => {
  it('ends when the client goes away (no reset, no close): the request is journalled as dropped', async () => {
    const h = await harness();
    await h.sim.rules.add({ match: { operation: 'job.get' }, effects: { latency: { kind: 'fixed', ms: 600_000 } } });
    const t0 = Date.now();
    const aborted = await fetch(`${h.url}/api/appliance/recovery/restore/job`, {
      signal: AbortSignal.timeout(200),
    }).catch((e: Error) => e);
    expect(aborted).toBeInstanceOf(Error);
    let entries: Awaited<ReturnType<typeof h.sim.requests>> = [];
    while (Date.now() - t0 < 4_000) {
      entries = await h.sim.requests({ path: '/api/appliance' });
      if (entries.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 0, dropped: true });
  });

  it('sums to at most MAX_LATENCY_MS', async () => {
    const { RuleEngine, MAX_LATENCY_MS } = await import('../src/core/rules.js');
    const engine = new RuleEngine(1, APIS);
    engine.add({ match: { operation: 'job.get' }, effects: { latency: { kind: 'fixed', ms: MAX_LATENCY_MS } } });
    engine.add({ match: { operation: 'job.get' }, effects: { latency: { kind: 'fixed', ms: 5_000 } } });
    expect(engine.evaluate({ api: 'vcenter', operation: 'job.get', method: 'GET', route: '/x' }).latencyMs).toBe(
      MAX_LATENCY_MS,
    );
  });

  it('a client aborting, then a reset: close() does not hang on the rules latency', async () => {
    const h = await harness();
    await h.sim.rules.add({ match: { operation: 'job.get' }, effects: { latency: { kind: 'fixed', ms: 5_000 } } });
    await h.sim.rules.add({ match: { operation: 'job.get' }, effects: { latency: { kind: 'fixed', ms: 600_000 } } });
    const aborted = await fetch(`${h.url}/api/appliance/recovery/restore/job`, {
      signal: AbortSignal.timeout(200),
    }).catch((e: Error) => e);
    expect(aborted).toBeInstanceOf(Error);
    await h.sim.reset();
    const t0 = Date.now();
    open.splice(open.indexOf(h.app), 1);
    await h.app.close();
    expect(Date.now() - t0).toBeLessThan(4_000);
  });

  it('a reset ends requests still waiting, without an answer; closing the app cuts the wait short and answers', async () => {
    const h = await harness();
    await h.sim.rules.add({ match: { operation: 'job.get' }, effects: { latency: { kind: 'fixed', ms: 600_000 } } });
    await h.sim.rules.add({
      match: { operation: 'restores.list' },
      effects: { latency: { kind: 'fixed', ms: 600_000 } },
    });
    const waitingJob = fetch(`${h.url}/api/appliance/recovery/restore/job`).catch((e: Error) => e);
    const waitingList = fetch(`${h.url}/v1/p/restores`).catch((e: Error) => e);
    // Both requests are in their latency once both rules have fired (they count before the wait); no fixed sleep.
    const deadline = Date.now() + 4_000;
    while ((await h.sim.rules.list()).some((r) => r.fired < 1) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await h.sim.reset({ api: 'vcenter' });
    expect(await waitingJob).toBeInstanceOf(Error);
    expect(Date.now() - t0).toBeLessThan(4_000);
    open.splice(open.indexOf(h.app), 1);
    await h.app.close();
    const answered = await waitingList;
    expect(answered).toBeInstanceOf(Response);
    expect((answered as Response).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(4_000);
  });
});

describe('dropped connections', () => {
  it('reject under app.inject, and a real client gets a socket error', async () => {
    const h = await harness();
    await h.sim.rules.add({ match: { operation: 'job.get' }, effects: { drop: true } });
    const injected = await Promise.race([
      h.app.inject({ method: 'GET', url: '/api/appliance/recovery/restore/job' }).then(
        () => 'answered',
        () => 'rejected',
      ),
      new Promise((r) => setTimeout(() => r('hung'), 3_000)),
    ]);
    expect(injected).toBe('rejected');
    const real = await fetch(`${h.url}/api/appliance/recovery/restore/job`).catch((e: Error) => e);
    expect(real).toBeInstanceOf(Error);
    const journal = await h.sim.requests({ path: '/api/appliance' });
    expect(journal.length).toBe(2);
    expect(journal.every((e) => e.dropped === true && e.status === 0)).toBe(true);
  });
});

describe('subject', () => {
  it('is computed only when a rule that could fire has match.subject', async () => {
    const h = await harness();
    subjectCalls.n = 0;
    await createJob(h, { location: 'sftp://b/1' });
    await rpcCreate(h, 'sftp://b/1');
    await h.sim.rules.add({ match: { operation: 'job.create' }, effects: { durationSeconds: 3 } });
    await createJob(h, { location: 'sftp://b/1' });
    expect(subjectCalls.n).toBe(0);
    await h.sim.rules.add({
      id: 's',
      match: { operation: 'job.create', subject: '^sftp://b/' },
      effects: { outcome: { state: 'FAILED' } },
    });
    expect(await (await createJob(h, { location: 'sftp://b/2' })).json()).toEqual({
      effects: { outcome: { state: 'FAILED' }, durationSeconds: 3 },
    });
    expect(subjectCalls.n).toBe(1);
    expect(await (await createJob(h, { location: 'nfs://x' })).json()).toEqual({ effects: { durationSeconds: 3 } });
    expect(subjectCalls.n).toBe(2);
  });
});

describe('rule ranges: one source of truth (validateRule), upper bounds included', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['latency ms', { effects: { latency: { kind: 'fixed', ms: 600_001 } } }, /effects\.latency\.ms: 0 to 600000/],
    [
      'uniform maxMs',
      { effects: { latency: { kind: 'uniform', minMs: 0, maxMs: 700_000 } } },
      /minMs and maxMs from 0 to 600000/,
    ],
    [
      'sigma',
      { effects: { latency: { kind: 'lognormal', medianMs: 10, sigma: 6 } } },
      /effects\.latency\.sigma: 0 to 5/,
    ],
    ['median 0', { effects: { latency: { kind: 'lognormal', medianMs: 0, sigma: 1 } } }, /medianMs: above 0/],
    [
      'duration',
      { match: { operation: 'job.create' }, effects: { durationSeconds: 31_536_001 } },
      /durationSeconds: a number of seconds from 0 to 31536000/,
    ],
    ['status', { effects: { error: { status: 600 } } }, /error\.status: an HTTP error status from 400 to 599/],
    ['probability', { probability: 2, effects: { drop: true } }, /probability: 0 to 1/],
    ['skip', { skip: -1, effects: { drop: true } }, /skip: a whole number >= 0/],
    ['max', { max: 0, effects: { drop: true } }, /max: a whole number >= 1/],
    ['id', { id: '-x', effects: { drop: true } }, /id: 1–64 letters/],
  ];
  it.each(bad)(
    'refuses %s over HTTP (invalid_rule, with the range) and in validateRule alike',
    async (_name, spec, reason) => {
      const { validateRule } = await import('../src/index.js');
      expect(validateRule(spec as never).join('\n')).toMatch(reason);
      const h = await harness();
      const res = await fetch(`${h.url}/_sim/rules`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spec),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; problems: string[] };
      expect(body.error).toBe('invalid_rule');
      expect(body.problems.join('\n')).toMatch(reason);
    },
  );

  it('the control-plane rule schemas carry no numeric bounds of their own', async () => {
    const S = await import('../src/control/schemas.js');
    const bounds: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'pattern'].includes(k))
          bounds.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
    };
    const A = S.apiSchemas(APIS);
    walk(A.RuleInput, 'RuleInput');
    walk(A.RulePut, 'RulePut');
    expect(bounds).toEqual([]);
  });
});

describe('forced states', () => {
  it('settle the simulation once per request (the module settles around the move itself)', async () => {
    const h = await harness();
    let settles = 0;
    const settle = h.emulator.settle.bind(h.emulator);
    h.emulator.settle = () => {
      settles++;
      return settle();
    };
    const res = await fetch(`${h.url}/_sim/vcenter/job/state`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'FAILED' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ state: 'FAILED' });
    expect(settles).toBe(1);
  });
});

describe('metrics', () => {
  it("gauge every API's restores or jobs by state, from the real APIs and their real counts", async () => {
    const app = await testApp();
    open.push(app);
    const gauge = async (name: string) =>
      (await app.inject('/_sim/metrics')).body
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`))
        .sort();
    // The fixtures: two finished Trilio restores in one project and one that failed; no vCenter job yet.
    expect(await gauge('restoresim_trilio_restores')).toEqual([
      'restoresim_trilio_restores{state="available"} 2',
      'restoresim_trilio_restores{state="error"} 1',
    ]);
    expect(await gauge('restoresim_vcenter_jobs')).toEqual([]);
    const P = 'c76b3355a164498aa95ddbc960adc238';
    const created = await app.inject({
      method: 'POST',
      url: `/v1/${P}/snapshots/2e56d167-bad7-43c7-8ede-a613c3fe7844`,
      headers: { 'x-auth-token': 'demo-token' },
      payload: { restore: { name: 'gauge', options: { type: 'openstack', restore_type: 'oneclick', openstack: {} } } },
    });
    expect(created.statusCode).toBe(202);
    const job = await app.inject({
      method: 'POST',
      url: '/api/appliance/recovery/restore/job',
      headers: { authorization: `Basic ${Buffer.from('root:VMware1!').toString('base64')}` },
      payload: {
        location_type: 'SFTP',
        location: 'sftp://backup.example.com/backups/vcsa01/2026-11-01',
        location_user: 'backup',
        location_password: 'VMware1!',
        backup_password: 'VMware1!',
      },
    });
    expect(job.statusCode).toBe(201);
    expect(await gauge('restoresim_trilio_restores')).toEqual([
      'restoresim_trilio_restores{state="available"} 2',
      'restoresim_trilio_restores{state="error"} 1',
      'restoresim_trilio_restores{state="restoring"} 1',
    ]);
    expect(await gauge('restoresim_vcenter_jobs')).toEqual(['restoresim_vcenter_jobs{state="INPROGRESS"} 1']);
    await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds: 3600 } });
    expect(await gauge('restoresim_trilio_restores')).toEqual([
      'restoresim_trilio_restores{state="available"} 3',
      'restoresim_trilio_restores{state="error"} 1',
    ]);
    expect(await gauge('restoresim_vcenter_jobs')).toEqual(['restoresim_vcenter_jobs{state="SUCCEEDED"} 1']);
  });
});
