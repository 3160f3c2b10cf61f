// A keystoneauth-style login, then Trilio with the token it got: discovery, a password token, the catalog's Trilio
// endpoint, then calls on it. `--auth strict` refuses a token for another project, an expired one (the clock moved
// past its expiry) and a revoked one; `--auth permissive` keeps accepting any token.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { APIS } from '../src/apis.js';
import { fetchTrusting, startRestoreSim } from '../src/index.js';
import { composeApp, testApp } from './helpers.js';

const HOST = 'cloud.test:5000';
const REJECTED =
  '{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

interface CatalogEntry {
  type: string;
  name: string;
  endpoints: { interface: string; region_id: string; region: string; url: string }[];
}

async function login(user: string, password: string, project: string) {
  const r = await app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    headers: { host: HOST, 'content-type': 'application/json' },
    payload: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    },
  });
  expect(r.statusCode).toBe(201);
  const token = r.headers['x-subject-token'] as string;
  const body = r.json().token as { project: { id: string }; catalog: CatalogEntry[]; expires_at: string };
  return { token, body };
}

/** The public URL of a catalog service, found as keystoneauth does (by type, or by name). */
const endpoint = (catalog: CatalogEntry[], pick: (e: CatalogEntry) => boolean) => {
  const service = catalog.find(pick);
  const url = service?.endpoints.find((e) => e.interface === 'public' && e.region_id === 'RegionOne')?.url;
  expect(url, 'a public RegionOne endpoint').toBeDefined();
  return new URL(url!);
};

const trilio = (url: URL, path: string, token: string) =>
  app.inject({ method: 'GET', url: `${url.pathname}${path}`, headers: { host: url.host, 'x-auth-token': token } });

describe('keystoneauth flow into Trilio', () => {
  it('discovery, password token, catalog by type and by name, then Trilio calls with the token', async () => {
    app = await testApp({ auth: 'strict' });
    const v3 = await app.inject({ method: 'GET', url: '/v3', headers: { host: HOST } });
    expect(v3.statusCode).toBe(200);
    expect(v3.json().version.id).toMatch(/^v3\./);
    const { token, body } = await login('demo', 'demo', 'demo');
    const byType = endpoint(body.catalog, (e) => e.type === 'workloads');
    const byName = endpoint(body.catalog, (e) => e.name === 'TrilioVaultWLM');
    expect(byType.href).toBe(byName.href);
    expect(byType.href).toBe(`http://${HOST}/v1/${body.project.id}`);
    const list = await trilio(byType, '/restores/detail', token);
    expect(list.statusCode).toBe(200);
    expect(list.json().restores.length).toBeGreaterThan(0);
    expect((await trilio(byType, '/snapshots', token)).statusCode).toBe(200);
  });

  it('strict: another project’s token is 400, an expired or revoked one is 401', async () => {
    app = await testApp({ auth: 'strict', tokenTtl: 600 });
    const demo = await login('demo', 'demo', 'demo');
    const other = await login('tenant-b', 'tenant-b', 'tenant-b');
    const demoUrl = endpoint(demo.body.catalog, (e) => e.type === 'workloads');
    // tenant-b's token on demo's endpoint: the vendor's project check.
    const foreign = await trilio(demoUrl, '/restores', other.token);
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request url' } });

    // Revoked: DELETE /v3/auth/tokens, then keystonemiddleware refuses it.
    const revoke = await app.inject({
      method: 'DELETE',
      url: '/v3/auth/tokens',
      headers: { host: HOST, 'x-auth-token': other.token, 'x-subject-token': other.token },
    });
    expect(revoke.statusCode).toBe(204);
    const otherUrl = endpoint(other.body.catalog, (e) => e.type === 'workloads');
    const revoked = await trilio(otherUrl, '/restores', other.token);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.body).toBe(REJECTED);
    expect(revoked.headers['www-authenticate']).toMatch(/^Keystone uri="http:\/\/cloud\.test:5000/);

    // Expired: still valid just before its expiry, refused once the clock passes it.
    expect((await trilio(demoUrl, '/restores', demo.token)).statusCode).toBe(200);
    await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds: 599 } });
    expect((await trilio(demoUrl, '/restores', demo.token)).statusCode).toBe(200);
    await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds: 2 } });
    const expired = await trilio(demoUrl, '/restores', demo.token);
    expect(expired.statusCode).toBe(401);
    expect(expired.body).toBe(REJECTED);
  });

  it('permissive: expired, revoked and made-up tokens still work for the URL project', async () => {
    app = await testApp({ tokenTtl: 60 });
    const demo = await login('demo', 'demo', 'demo');
    const url = endpoint(demo.body.catalog, (e) => e.type === 'workloads');
    await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds: 120 } });
    expect((await trilio(url, '/restores', demo.token)).statusCode).toBe(200);
    expect((await trilio(url, '/restores', 'made-up')).statusCode).toBe(200);
  });
});

describe('a database made before an API existed', () => {
  it('keeps its state and gets the new API’s fixtures at the next start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-upgrade-'));
    const old = path.join(dir, 'old-fixtures');
    fs.mkdirSync(old);
    for (const f of ['trilio.json', 'vcenter.json']) fs.copyFileSync(path.join('fixtures', f), path.join(old, f));
    const db = path.join(dir, 'sim.db');
    try {
      // Before: the APIs without the identity one; a restore is deleted.
      const before = await composeApp(
        { db, fixtures: old },
        APIS.filter((a) => a.name !== 'keystone'),
      );
      await before.app.ready();
      const id = '29fdc1f8-1d53-4a10-bb45-e539a64cdbfc';
      const url = `/v1/c76b3355a164498aa95ddbc960adc238/restores/${id}`;
      const del = await before.app.inject({ method: 'DELETE', url, headers: { 'x-auth-token': 'demo-token' } });
      expect(del.statusCode).toBe(200);
      await before.app.close();

      // After: every API, on the same file; the deletion stands and the identity API has its users.
      app = await testApp({ db });
      const gone = await app.inject({ method: 'GET', url, headers: { 'x-auth-token': 'demo-token' } });
      expect(gone.statusCode).toBe(404);
      const { token } = await login('demo', 'demo', 'demo');
      expect(token).toMatch(/^gAAAAAB/);
    } finally {
      await app?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the library client over HTTPS', () => {
  it('sim.keystone.token logs in with the client’s trusting fetch, and the token works on Trilio', async () => {
    const sim = await startRestoreSim({ tls: true, auth: 'strict' });
    try {
      expect(sim.url).toMatch(/^https:/);
      const token = await sim.keystone.token('demo', 'demo', 'demo');
      const fetchTls = fetchTrusting(sim.tls!.cert);
      const r = await fetchTls(`${sim.trilio.endpoint('c76b3355a164498aa95ddbc960adc238')}/restores`, {
        headers: { 'x-auth-token': token },
      });
      expect(r.status).toBe(200);
      await expect(sim.keystone.token('demo', 'wrong', 'demo')).rejects.toThrow(/401/);
    } finally {
      await sim.close();
    }
  });
});
