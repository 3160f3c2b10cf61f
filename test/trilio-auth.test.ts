// Trilio behind keystonemiddleware: `--auth permissive` (any token, the URL's project) and `--auth strict` (only
// tokens issued by the identity API or listed in fixtures, for their own project; the admin role sees every project).
// A missing token gets keystonemiddleware's body in both modes.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from './helpers.js';

const P1 = 'c76b3355a164498aa95ddbc960adc238';
const P2 = '4e8f1c2ab9d34f0e9a7d6c5b3a2f1e0d';
const PA = 'a0d1d0e4c2b84e6f9d3b5a7c9e1f2a3b';
const REJECTED =
  '{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

const get = (url: string, token?: string, host = 'restoresim.test:8780') =>
  app.inject({ method: 'GET', url, headers: { host, ...(token !== undefined ? { 'x-auth-token': token } : {}) } });

function expectRejected(res: Awaited<ReturnType<typeof get>>) {
  expect(res.statusCode).toBe(401);
  expect(res.headers['content-type']).toBe('application/json; charset=UTF-8');
  expect(res.headers['www-authenticate']).toMatch(/^Keystone uri="http:\/\/restoresim\.test:8780(\/v3)?"$/);
  expect(res.body).toBe(REJECTED);
}

describe('--auth permissive (the default)', () => {
  it('any token works for the URL project; a fixture token only for its own; no token is rejected', async () => {
    app = await testApp();
    expect((await get(`/v1/${P2}/restores`, 'whatever-token')).statusCode).toBe(200);
    expect((await get(`/v1/${P1}/restores`, 'demo-token')).statusCode).toBe(200);
    expect((await get(`/v1/${P2}/restores`, 'demo-token')).json()).toEqual({
      badRequest: { code: 400, message: 'Malformed request url' },
    });
    expectRejected(await get(`/v1/${P1}/restores`));
  });
});

describe('--auth strict', () => {
  it("refuses tokens nobody issued, with keystonemiddleware's body and challenge, on every path", async () => {
    app = await testApp({ auth: 'strict' });
    for (const url of [`/v1/${P1}/restores`, `/v1/${P1}/restores/detail`, `/v1/${P1}/nothing/here`]) {
      expectRejected(await get(url, 'gAAAAAB-made-up'));
      expectRejected(await get(url));
    }
  });

  it('fixture tokens work for their own project only; the admin token lists every project', async () => {
    app = await testApp({ auth: 'strict' });
    const mine = await get(`/v1/${P1}/restores`, 'demo-token');
    expect(mine.statusCode).toBe(200);
    expect(mine.json().restores).toHaveLength(2);
    expect((await get(`/v1/${P2}/restores`, 'tenant-b-token')).statusCode).toBe(200);
    const foreign = await get(`/v1/${P2}/restores`, 'demo-token');
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request url' } });
    const all = await get(`/v1/${PA}/restores?all=true`, 'admin-token');
    expect(all.statusCode).toBe(200);
    expect(new Set(all.json().restores.map((r: { id: string }) => r.id)).size).toBeGreaterThan(2);
  });

  it('a fault rule does not run before the token is refused (keystonemiddleware is in front)', async () => {
    app = await testApp({ auth: 'strict' });
    const rule = await app.inject({
      method: 'POST',
      url: '/_sim/rules',
      payload: { match: { api: 'trilio' }, effects: { error: { status: 503 } } },
    });
    expect(rule.statusCode).toBe(201);
    expectRejected(await get(`/v1/${P1}/restores`, 'nobody-issued-this'));
    expect((await get(`/v1/${P1}/restores`, 'demo-token')).statusCode).toBe(503);
  });
});
