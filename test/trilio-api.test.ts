// Trilio routes and conventions: auth, project checks, isolation, listing, aliases, fault envelopes, content
// negotiation, option validation and precondition order (legacy vs modern codes).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { testApp } from './helpers.js';

const P1 = 'c76b3355a164498aa95ddbc960adc238';
const P2 = '4e8f1c2ab9d34f0e9a7d6c5b3a2f1e0d';
const PA = 'a0d1d0e4c2b84e6f9d3b5a7c9e1f2a3b';
const W1 = '18b809de-d7c8-41e2-867d-4a306407fb11';
const S1 = '2e56d167-bad7-43c7-8ede-a613c3fe7844';
const S_ERR = 'c5d1a0e2-4b6f-4c8e-9a0b-1c2d3e4f5a6b';
const S_LOCKED_WL = '2e4a6c8e-0a2c-4e4a-9c8e-0a2c4e6a8c0e';
const S_P2 = 'e9b1d3f5-7a9c-4e1b-b3d5-f7a9c1e3b5d7';
const R1 = '29fdc1f8-1d53-4a10-bb45-e539a64cdbfc';
const R2 = '4673d962-f6a5-4209-8d3e-b9f2e9115f07';
const R_P2 = '5c7e9a1b-3d5f-4a7c-9e1b-3d5f7a9c1e3b';
const H = { 'x-auth-token': 'demo-token' };
const oneclick = { type: 'openstack', restore_type: 'oneclick', oneclickrestore: true, openstack: {} };

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

const req = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { ...H, ...(o.headers ?? {}) } });
const get = (url: string, headers: Record<string, string> = {}) => req({ method: 'GET', url, headers });
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  req({ method: 'POST', url, payload: payload as object, headers });
const advance = (seconds: number) => app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });

function expectFault(res: Awaited<ReturnType<typeof get>>, code: number, name: string, message?: string | RegExp) {
  expect(res.statusCode).toBe(code);
  expect(res.headers['content-type']).toContain('application/json');
  expect(res.headers['x-compute-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
  const body = res.json();
  expect(Object.keys(body)).toEqual([name]);
  expect(body[name].code).toBe(code);
  if (typeof message === 'string') expect(body[name].message).toBe(message);
  else if (message) expect(body[name].message).toMatch(message);
  expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe('trilio auth and project checks', () => {
  beforeEach(async () => {
    app = await testApp();
  });

  it("401 in keystonemiddleware's body without X-Auth-Token, on known and unknown paths", async () => {
    for (const url of [`/v1/${P1}/restores`, `/v1/${P1}/nothing/here`]) {
      for (const headers of [{}, { 'x-auth-token': ' ' }]) {
        const res = await app.inject({ method: 'GET', url, headers });
        expect(res.statusCode).toBe(401);
        expect(res.headers['content-type']).toBe('application/json; charset=UTF-8');
        expect(res.headers['www-authenticate']).toBe('Keystone uri="http://localhost:80"');
        expect(res.body).toBe(
          '{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}',
        );
      }
    }
  });

  it('400 "Malformed request url" when a known token belongs to another project', async () => {
    expectFault(await get(`/v1/${P2}/restores`), 400, 'badRequest', 'Malformed request url');
    expectFault(
      await get(`/v1/${P1}/restores`, { 'x-auth-token': 'admin-token' }),
      400,
      'badRequest',
      'Malformed request url',
    );
  });

  it('unknown tokens are accepted for the URL project', async () => {
    const res = await get(`/v1/${P1}/restores`, { 'x-auth-token': 'gAAAAAB-some-keystone-token' });
    expect(res.statusCode).toBe(200);
    expect(res.json().restores.map((r: any) => r.id)).toEqual([R1, R2]);
    const created = await post(
      `/v1/${P1}/snapshots/${S1}`,
      { restore: { options: oneclick } },
      { 'x-auth-token': 'gAAAAAB-some-keystone-token' },
    );
    expect(created.statusCode).toBe(202);
    expect(created.json().restore.user_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('projects are isolated; the admin lists every project but cannot show foreign restores by id', async () => {
    const other = { 'x-auth-token': 'tenant-b-token' };
    expect((await get(`/v1/${P2}/restores`, other)).json().restores.map((r: any) => r.id)).toEqual([R_P2]);
    expectFault(await get(`/v1/${P2}/restores/${R1}`, other), 404, 'itemNotFound', 'The resource could not be found.');
    expectFault(await req({ method: 'DELETE', url: `/v1/${P2}/restores/${R1}`, headers: other }), 404, 'itemNotFound');
    expectFault(
      await get(`/v1/${P2}/restores/detail?snapshot_id=${S1}`, other),
      500,
      'Error',
      `Snapshot ${S1} could not be found.`,
    );
    expectFault(
      await get(`/v1/${P2}/snapshots/${S1}`, other),
      404,
      'itemNotFound',
      `Snapshot ${S1} could not be found.`,
    );
    expectFault(
      await get(`/v1/${P2}/workloads/${W1}`, other),
      404,
      'itemNotFound',
      `Workload ${W1} could not be found.`,
    );
    expect((await get(`/v1/${P1}/restores`)).json().restores.map((r: any) => r.id)).not.toContain(R_P2);
    const admin = { 'x-auth-token': 'admin-token' };
    expect((await get(`/v1/${PA}/restores/detail`, admin)).json().restores.map((r: any) => r.id)).toEqual([
      R_P2,
      R1,
      R2,
    ]);
    expect((await get(`/v1/${PA}/restores?snapshot_id=${S_P2}`, admin)).json().restores.map((r: any) => r.id)).toEqual([
      R_P2,
    ]);
    expectFault(await get(`/v1/${PA}/restores/${R1}`, admin), 404, 'itemNotFound');
    expect((await get(`/v1/${PA}/snapshots?all=true`, admin)).json().snapshots.length).toBeGreaterThan(5);
    expect((await get(`/v1/${PA}/workloads?all_workloads=true`, admin)).json().workloads.length).toBe(5);
  });
});

describe('trilio restore routes', () => {
  beforeEach(async () => {
    app = await testApp({ publicUrl: 'http://wlm_backend' });
  });

  it('R1 summary list: the 8 fields in order', async () => {
    const res = await get(`/v1/${P1}/restores`);
    expect(res.statusCode).toBe(200);
    const [first] = res.json().restores;
    expect(Object.keys(first)).toEqual([
      'id',
      'status',
      'restore_type',
      'snapshot_id',
      'links',
      'name',
      'description',
      'host',
    ]);
    expect(first).toMatchObject({
      id: R1,
      status: 'available',
      restore_type: 'restore',
      snapshot_id: S1,
      name: 'OneClick Restore',
      description: '-',
      host: 'TVM2',
    });
    expect(res.json().restores_links).toBeUndefined();
  });

  it('R2 detail list: limit, offset, restores_links with marker, and the marker followed', async () => {
    const a = await get(`/v1/${P1}/restores/detail?snapshot_id=${S1}&limit=1`);
    expect(a.json().restores.map((r: any) => r.id)).toEqual([R1]);
    expect(a.json().restores_links).toEqual([
      { rel: 'next', href: `http://wlm_backend/v1/${P1}/restores?snapshot_id=${S1}&limit=1&marker=${R1}` },
    ]);
    const b = await get(`/v1/${P1}/restores/detail?snapshot_id=${S1}&limit=1&marker=${R1}`);
    expect(b.json().restores.map((r: any) => r.id)).toEqual([R2]);
    const c = await get(`/v1/${P1}/restores/detail?limit=1&offset=1`);
    expect(c.json().restores.map((r: any) => r.id)).toEqual([R2]);
    const d = await get(`/v1/${P1}/restores/detail?limit=5`);
    expect(d.json().restores).toHaveLength(2);
    expect(d.json().restores_links).toBeUndefined();
    expect((await get(`/v1/${P1}/restores/detail?limit=0`)).json().restores).toHaveLength(2);
    expect((await get(`/v1/${P1}/restores/detail?`)).statusCode).toBe(200);
    expectFault(await get(`/v1/${P1}/restores/detail?marker=nope`), 400, 'badRequest', 'marker [nope] not found');
  });

  it('restores_links: following next from an offset, or from R9 (snapshot in the path), shows every row once', async () => {
    const S_WEB = '1d3f5a7c-9e1b-4d3f-8a7c-9e1b3d5f7a9c';
    const W_WEB = '6f2c8e4a';
    for (const s of [S1, S_WEB, S1, S_WEB, S1]) {
      expect(
        (await post(`/v1/${P1}/snapshots/${s}`, { restore: { name: 'page', options: oneclick } })).statusCode,
      ).toBe(202);
      await advance(120);
    }
    const walk = async (url: string) => {
      const seen: string[] = [];
      for (let next: string | undefined = url, n = 0; next && n < 20; n++) {
        const body: any = (await get(next)).json();
        seen.push(...body.restores.map((r: any) => r.id));
        next = body.restores_links?.[0]?.href.replace(/^http:\/\/[^/]+/, '');
      }
      return seen;
    };
    const all = (await get(`/v1/${P1}/restores`)).json().restores.map((r: any) => r.id);
    expect(all).toHaveLength(7);
    expect(await walk(`/v1/${P1}/restores?limit=2&offset=2`)).toEqual(all.slice(2));
    const wid = (await get(`/v1/${P1}/snapshots/${S_WEB}`)).json().snapshot.workload_id;
    expect(wid.startsWith(W_WEB)).toBe(true);
    const ofWeb = (await get(`/v1/${P1}/restores?snapshot_id=${S_WEB}`)).json().restores.map((r: any) => r.id);
    expect(ofWeb).toHaveLength(2);
    expect(await walk(`/v1/${P1}/workloads/${wid}/snapshots/${S_WEB}/restores?limit=1`)).toEqual(ofWeb);
    const ofS1 = (await get(`/v1/${P1}/restores?snapshot_id=${S1}`)).json().restores.map((r: any) => r.id);
    expect(await walk(`/v1/${P1}/workloads/${W1}/snapshots/${S1}/restores/detail?limit=2&offset=1`)).toEqual(
      ofS1.slice(1),
    );
  });

  it('limit/offset validation messages', async () => {
    expectFault(await get(`/v1/${P1}/restores?limit=abc`), 400, 'badRequest', 'limit param must be an integer');
    expectFault(await get(`/v1/${P1}/restores?offset=1.5`), 400, 'badRequest', 'offset param must be an integer');
    expectFault(await get(`/v1/${P1}/restores?limit=-1`), 400, 'badRequest', 'limit param must be positive');
    expectFault(await get(`/v1/${P1}/restores?offset=-2`), 400, 'badRequest', 'offset param must be positive');
    expectFault(
      await get(`/v1/${P1}/restores/detail?snapshot_id=00000000-0000-0000-0000-000000000000`),
      500,
      'Error',
      'Snapshot 00000000-0000-0000-0000-000000000000 could not be found.',
    );
  });

  it('R3 show has the show-only keys; 404 itemNotFound for an unknown id', async () => {
    const res = await get(`/v1/${P1}/restores/${R2}`);
    expect(Object.keys(res.json().restore)).toContain('snapshot_details');
    expect(res.json().restore).toMatchObject({
      workload_id: W1,
      instances: [],
      networks: [],
      subnets: [],
      routers: [],
      metadata: [],
    });
    expectFault(await get(`/v1/${P1}/restores/nope`), 404, 'itemNotFound', 'The resource could not be found.');
  });

  it('R4 delete: 200 with an empty body, then 404; 400 with the exact message while running', async () => {
    const ok = await req({
      method: 'DELETE',
      url: `/v1/${P1}/restores/${R2}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('');
    expect(ok.headers['content-type']).toContain('application/json');
    expect(ok.headers['x-compute-request-id']).toMatch(/^req-/);
    expectFault(await get(`/v1/${P1}/restores/${R2}`), 404, 'itemNotFound');
    expectFault(await req({ method: 'DELETE', url: `/v1/${P1}/restores/${R2}` }), 404, 'itemNotFound');
    expect((await get(`/v1/${P1}/restores`)).json().restores.map((r: any) => r.id)).toEqual([R1]);
    const r = (await post(`/v1/${P1}/snapshots/${S1}`, { restore: { options: oneclick } })).json().restore;
    expectFault(
      await req({ method: 'DELETE', url: `/v1/${P1}/restores/${r.id}` }),
      400,
      'badRequest',
      "Invalid state: Status of the requested resource status must be 'available' or 'error' or 'cancelled'",
    );
  });

  it('R5 cancel of an unknown restore: legacy 500 Error, modern 404', async () => {
    expectFault(await get(`/v1/${P1}/restores/nope/cancel`), 500, 'Error', 'Restore nope could not be found.');
    await app.close();
    app = await testApp({ trilioErrors: 'modern' });
    expectFault(await get(`/v1/${P1}/restores/nope/cancel`), 404, 'itemNotFound', 'Restore nope could not be found.');
  });

  it('R6–R12: the workload-scoped aliases create, list, show and delete', async () => {
    const base = `/v1/${P1}/workloads/${W1}/snapshots/${S1}`;
    const a = await post(`${base}/restores`, { restore: { name: 'via R8', options: oneclick } });
    expect(a.statusCode).toBe(202);
    const id = a.json().restore.id;
    expect((await get(`${base}/restores`)).json().restores[0]).toMatchObject({ id, name: 'via R8' });
    expect((await get(`${base}/restores/detail`)).json().restores[0].restore_options).toEqual(oneclick);
    expect((await get(`${base}/restores/${id}`)).json().restore.status).toBe('restoring');
    expect((await get(`/v1/${P1}/workloads/${W1}/snapshots/${S1}`)).json().snapshot.status).toBe('restoring');
    await advance(60);
    const del = await req({ method: 'DELETE', url: `${base}/restores/${id}` });
    expect(del.statusCode).toBe(200);
    const b = await post(base, { restore: { options: oneclick } });
    expect(b.statusCode).toBe(202);
    expect(b.json().restore).toMatchObject({ name: 'restore', description: 'no-description' });
  });

  it('create defaults: blank name → "restore", empty description → "no-description", whitespace kept in description', async () => {
    const a = (
      await post(`/v1/${P1}/snapshots/${S1}`, { restore: { name: '   ', description: '', options: oneclick } })
    ).json().restore;
    expect(a).toMatchObject({
      name: 'restore',
      description: 'no-description',
      restore_type: 'restore',
      status: 'restoring',
    });
    expect(Object.keys(a)).not.toContain('workload_id');
    const b = (
      await post(
        `/v1/${P1}/snapshots/1d3f5a7c-9e1b-4d3f-8a7c-9e1b3d5f7a9c`,
        { restore: { name: 42, description: '  ', options: oneclick } },
        { 'x-auth-token': 'gAAAA-other-user' },
      )
    ).json().restore;
    expect(b).toMatchObject({ name: 'restore', description: '  ' });
  });

  it('snapshot and workload reads', async () => {
    const list = (await get(`/v1/${P1}/snapshots?workload_id=${W1}`)).json().snapshots;
    expect(list.map((s: any) => s.id)).toEqual([S1, '7a9c1e3b-5d7f-4a9c-8e3b-5d7f9a1c3e5b', S_ERR]);
    expect(Object.keys(list[0])).toEqual([
      'id',
      'created_at',
      'status',
      'snapshot_type',
      'workload_id',
      'name',
      'description',
      'host',
    ]);
    expect((await get(`/v1/${P1}/snapshots?status=error`)).json().snapshots.map((s: any) => s.id)).toEqual([S_ERR]);
    const snap = (await get(`/v1/${P1}/snapshots/${S1}`)).json().snapshot;
    expect(snap).toMatchObject({
      id: S1,
      status: 'available',
      workload_id: W1,
      name: 'API taken 2',
      restore_size: 2147483648,
    });
    expect(snap.instances.map((i: any) => i.name)).toEqual(['cirros-2', 'cirros-1']);
    const w = (await get(`/v1/${P1}/workloads/${W1}`)).json().workload;
    expect(w).toMatchObject({ id: W1, status: 'available' });
    expect(w.instances.map((i: any) => i.name).sort()).toEqual(['cirros-1', 'cirros-2']);
    expect((await get(`/v1/${P1}/workloads`)).json().workloads).toHaveLength(4);
    expectFault(await get(`/v1/${P1}/snapshots/nope`), 404, 'itemNotFound', 'Snapshot nope could not be found.');
  });

  it('unsupported methods and unknown paths under /v1 are 404 itemNotFound', async () => {
    expectFault(
      await post(`/v1/${P1}/restores`, { restore: {} }),
      404,
      'itemNotFound',
      'The resource could not be found.',
    );
    expectFault(await req({ method: 'PUT', url: `/v1/${P1}/restores/${R1}`, payload: {} }), 404, 'itemNotFound');
    expectFault(await post(`/v1/${P1}/restores/${R1}/action`, {}), 404, 'itemNotFound');
    expectFault(await get(`/v1/${P1}/whatever`), 404, 'itemNotFound');
  });
});

describe('trilio create validation and preconditions', () => {
  const cases: [string, unknown, string][] = [
    ['type not openstack', { restore: { options: { ...oneclick, type: 'vmware' } } }, "'type' must be 'openstack'"],
    [
      'no openstack key',
      { restore: { options: { type: 'openstack', restore_type: 'oneclick' } } },
      "'openstack' key is missing",
    ],
    [
      'bad restore_type',
      { restore: { options: { ...oneclick, restore_type: 'everything' } } },
      "'restore_type' must be one of inplace, selective, oneclick",
    ],
    [
      'selective without instances',
      { restore: { options: { type: 'openstack', restore_type: 'selective', openstack: {} } } },
      "'openstack.instances' is required for a selective restore",
    ],
    [
      'inplace without instances',
      { restore: { options: { type: 'openstack', restore_type: 'inplace', openstack: {} } } },
      "'openstack.instances' is required for a inplace restore",
    ],
    ['no options', { restore: { name: 'x' } }, "'openstack' key is missing"],
  ];
  for (const [label, body, detail] of cases) {
    it(`bad options (${label}): legacy 500 "Invalid restore options.", modern 400 with the reason`, async () => {
      app = await testApp();
      expectFault(await post(`/v1/${P1}/snapshots/${S1}`, body), 500, 'Error', 'Invalid restore options.');
      await app.close();
      app = await testApp({ trilioErrors: 'modern' });
      expectFault(
        await post(`/v1/${P1}/snapshots/${S1}`, body),
        400,
        'badRequest',
        `Invalid restore options. ${detail}`,
      );
    });
  }

  it('precondition order and texts: options, snapshot exists, snapshot available, workload available', async () => {
    app = await testApp();
    const url = (s: string) => `/v1/${P1}/snapshots/${s}`;
    expectFault(
      await post(url('nope'), { restore: { options: { type: 'x' } } }),
      500,
      'Error',
      'Invalid restore options.',
    );
    expectFault(
      await post(url('nope'), { restore: { options: oneclick } }),
      500,
      'Error',
      'Snapshot nope could not be found.',
    );
    expectFault(
      await post(url(S_P2), { restore: { options: oneclick } }),
      500,
      'Error',
      `Snapshot ${S_P2} could not be found.`,
    );
    expectFault(
      await post(url(S_ERR), { restore: { options: oneclick } }),
      500,
      'Error',
      'Invalid state: Snapshot status must be available',
    );
    expectFault(
      await post(url('3f5b7d9f-1b3d-4f5b-8d9f-1b3d5f7b9d1f'), { restore: { options: oneclick } }),
      500,
      'Error',
      'Invalid state: Snapshot status must be available',
    );
    expectFault(
      await post(url(S_LOCKED_WL), { restore: { options: oneclick } }),
      500,
      'Error',
      "Invalid state: Workload must be in the 'available' state to restore",
    );
    expectFault(
      await post(url(S1), { nothing: true }),
      500,
      'Error',
      "local variable 'options' referenced before assignment",
    );
    await app.close();
    app = await testApp({ trilioErrors: 'modern' });
    expectFault(
      await post(url('nope'), { restore: { options: oneclick } }),
      404,
      'itemNotFound',
      'Snapshot nope could not be found.',
    );
    expectFault(
      await post(url(S_ERR), { restore: { options: oneclick } }),
      400,
      'badRequest',
      'Invalid state: Snapshot status must be available',
    );
    expectFault(
      await post(url(S_LOCKED_WL), { restore: { options: oneclick } }),
      400,
      'badRequest',
      "Invalid state: Workload must be in the 'available' state to restore",
    );
    expectFault(await post(url(S1), []), 400, 'badRequest');
  });
});

describe('trilio representation and transport errors', () => {
  it('Accept: application/xml answers in XML (success and faults); an unsupported Accept is JSON', async () => {
    app = await testApp({ publicUrl: 'http://wlm_backend' });
    const x = await get(`/v1/${P1}/restores/${R1}`, { accept: 'application/xml' });
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-type']).toContain('application/xml');
    expect(x.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<restore><id>29fdc1f8-1d53-4a10-bb45-e539a64cdbfc<\/id>/,
    );
    expect(x.body).toContain('<links><link><rel>self</rel><href>http://wlm_backend/v1/');
    expect(x.body).toContain('<warning_msg nil="true"/>');
    expect(x.body).toContain('<networks></networks>');
    const f = await get(`/v1/${P1}/restores/nope`, { accept: 'application/xml' });
    expect(f.statusCode).toBe(404);
    expect(f.body).toContain(
      '<itemNotFound><code>404</code><message>The resource could not be found.</message></itemNotFound>',
    );
    // As the server's best_match_content_type: what it cannot satisfy is JSON, never 406.
    for (const accept of ['text/html', 'image/png;q=1', 'nonsense']) {
      const n = await get(`/v1/${P1}/restores`, { accept });
      expect(n.statusCode).toBe(200);
      expect(n.headers['content-type']).toBe('application/json');
      expect(n.json().restores).toHaveLength(2);
    }
    // The vendor media types are served, and echoed as the Content-Type.
    const vj = await get(`/v1/${P1}/restores`, { accept: 'application/vnd.openstack.workloadmgr+json' });
    expect(vj.headers['content-type']).toBe('application/vnd.openstack.workloadmgr+json');
    expect(JSON.parse(vj.body).restores).toHaveLength(2);
    const vx = await get(`/v1/${P1}/restores/nope`, { accept: 'application/vnd.openstack.workloadmgr+xml' });
    expect(vx.statusCode).toBe(404);
    expect(vx.headers['content-type']).toBe('application/vnd.openstack.workloadmgr+xml');
    expect(vx.body).toContain('<itemNotFound><code>404</code>');
    expect((await get(`/v1/${P1}/restores`, { accept: '*/*' })).statusCode).toBe(200);
    expect((await get(`/v1/${P1}/restores`, { accept: 'text/html, application/json;q=0.5' })).statusCode).toBe(200);
  });

  it('415 on an unsupported Content-Type with a body; an empty body of any type is no body', async () => {
    app = await testApp();
    const res = await req({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: 'restore=1',
      headers: { 'content-type': 'text/plain' },
    });
    expectFault(res, 415, 'badMediaType', 'Unsupported Content-Type');
    const xml = await req({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: '<restore/>',
      headers: { 'content-type': 'application/xml' },
    });
    expectFault(xml, 415, 'badMediaType');
    const empty = await req({
      method: 'DELETE',
      url: `/v1/${P1}/restores/${R2}`,
      payload: '',
      headers: { 'content-type': 'text/plain' },
    });
    expect(empty.statusCode).toBe(200);
    const emptyJson = await req({
      method: 'GET',
      url: `/v1/${P1}/restores`,
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(emptyJson.statusCode).toBe(200);
  });

  it('400 badRequest on malformed JSON; 413 overLimit on an oversize body', async () => {
    app = await testApp({ bodyLimit: 1024 });
    const bad = await req({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: '{"restore":',
      headers: { 'content-type': 'application/json' },
    });
    expectFault(bad, 400, 'badRequest', 'Malformed request body');
    const big = await req({
      method: 'POST',
      url: `/v1/${P1}/snapshots/${S1}`,
      payload: JSON.stringify({ restore: { name: 'x'.repeat(5000), options: oneclick } }),
      headers: { 'content-type': 'application/json' },
    });
    expectFault(big, 413, 'overLimit', 'Request is too large.');
  });

  it('injected HTTP faults are rendered in the Trilio envelope', async () => {
    app = await testApp();
    const rule = await app.inject({
      method: 'POST',
      url: '/_sim/rules',
      payload: {
        match: { operation: 'restores.detail' },
        effects: { error: { status: 503, message: 'wlm-api is restarting' } },
      },
    });
    expect(rule.statusCode).toBe(201);
    expectFault(await get(`/v1/${P1}/restores/detail`), 503, 'serviceUnavailable', 'wlm-api is restarting');
    await app.inject({
      method: 'POST',
      url: '/_sim/rules',
      payload: { match: { operation: 'restores.get' }, effects: { error: { status: 500 } } },
    });
    expectFault(await get(`/v1/${P1}/restores/${R1}`), 500, 'Error');
    expect((await get(`/v1/${P1}/restores`)).statusCode).toBe(200);
  });
});
