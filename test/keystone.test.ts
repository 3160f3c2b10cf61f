// Keystone v3 over HTTP (inject): discovery, tokens (password and token methods, project, domain and no scope),
// validation, revocation and expiry on the virtual clock, the catalog leading to Trilio, errors in Keystone's
// envelope, project listings and their policies, fixtures, reset, the gauge, fault rules and the library client.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APIS } from '../src/apis.js';
import { composeApp, listeningHarness, testApp } from './helpers.js';

const DEMO = 'c76b3355a164498aa95ddbc960adc238';
const TENANT_B = '4e8f1c2ab9d34f0e9a7d6c5b3a2f1e0d';
const ADMIN_PROJECT = 'a0d1d0e4c2b84e6f9d3b5a7c9e1f2a3b';
const DEMO_USER = 'ccddc7e7a015487fa02920f4d4979779';
const TENANT_B_USER = '9a1b2c3d4e5f40718293a4b5c6d7e8f9';
const ADMIN_USER = 'e1f2a3b4c5d64e7f8a9b0c1d2e3f4a5b';
const FERNET = /^gAAAAAB[A-Za-z0-9_-]{150,}$/;
const KEYSTONE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/;

/** A user by name in a domain (Default by name), whose password is its name unless given. */
const named = (name: string, password = name, domain: object = { name: 'Default' }) => ({ name, domain, password });
const projectScope = (name: string) => ({ project: { name, domain: { name: 'Default' } } });
const passwordBody = (user: object, scope?: unknown) => ({
  auth: { identity: { methods: ['password'], password: { user } }, ...(scope !== undefined ? { scope } : {}) },
});

let app: FastifyInstance;
const post = (payload: unknown, query = '') =>
  app.inject({ method: 'POST', url: `/v3/auth/tokens${query}`, payload: payload as object });
const get = (url: string, token?: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...(token ? { 'x-auth-token': token } : {}), ...headers } });

async function login(payload: unknown, query = '') {
  const res = await post(payload, query);
  expect(res.statusCode, res.body).toBe(201);
  return { id: String(res.headers['x-subject-token']), token: res.json().token, res };
}
/** A project-scoped token of a default user (user name = password; project: the user's name unless given). */
const tokenOf = async (user: string, project = user) =>
  (await login(passwordBody(named(user), projectScope(project)))).id;

function expectError(res: LightMyRequestResponse, status: number, message?: string | RegExp): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code: status });
  expect(typeof body.error.title).toBe('string');
  if (message !== undefined) expect(body.error.message).toMatch(message);
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Keystone uri="http://localhost:80"');
}

const advance = async (seconds: number) => {
  const r = await app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
  expect(r.statusCode).toBe(200);
};

beforeAll(async () => {
  app = await testApp({ tokenTtl: 3600 });
});
/** Runs `fn` against an app of its own at T0 (fixtures it loads stay out of the shared app's reset). */
async function isolated(fn: () => Promise<void>): Promise<void> {
  const shared = app;
  app = await testApp();
  try {
    await fn();
  } finally {
    await app.close();
    app = shared;
  }
}
afterAll(async () => app?.close());
beforeEach(async () => {
  expect((await app.inject({ method: 'POST', url: '/_sim/reset' })).statusCode).toBe(200);
});

describe('discovery', () => {
  it('GET /v3 and /v3/ answer the Identity v3 version document keystoneauth expects', async () => {
    for (const url of ['/v3', '/v3/']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
      expect(res.json()).toEqual({
        version: {
          id: 'v3.14',
          status: 'stable',
          updated: '2020-04-07T00:00:00Z',
          links: [{ rel: 'self', href: 'http://localhost:80/v3/' }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
        },
      });
    }
  });

  it('GET / is the unversioned document: 300, Identity v3 then every catalog service version', async () => {
    const res = await get('/', undefined, { host: 'cloud.example:5000' });
    expect(res.statusCode).toBe(300);
    const values = res.json().versions.values;
    expect(values.map((v: { id: string }) => v.id)).toEqual(['v3.14', 'v1.0']);
    expect(values[0].links).toEqual([{ rel: 'self', href: 'http://cloud.example:5000/v3/' }]);
    expect(values[1]).toEqual({
      id: 'v1.0',
      status: 'CURRENT',
      updated: '2012-01-04T11:33:21Z',
      links: [{ rel: 'self', href: 'http://cloud.example:5000/v1/' }],
    });
  });
});

describe('password tokens and the catalog', () => {
  it('issues a project-scoped token by user name and domain name, with a catalog leading to Trilio', async () => {
    const { id, token, res } = await login(passwordBody(named('demo'), projectScope('demo')));
    expect(id).toMatch(FERNET);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    expect(token).toMatchObject({
      methods: ['password'],
      user: { domain: { id: 'default', name: 'Default' }, id: DEMO_USER, name: 'demo', password_expires_at: null },
      issued_at: '2026-11-01T12:00:00.000000Z',
      expires_at: '2026-11-01T13:00:00.000000Z',
      project: { domain: { id: 'default', name: 'Default' }, id: DEMO, name: 'demo' },
      is_domain: false,
    });
    expect(token.audit_ids).toHaveLength(1);
    expect(token.audit_ids[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(token.roles.map((r: { name: string }) => r.name)).toEqual(['member', 'reader']);
    const byType = token.catalog.find((s: { type: string }) => s.type === 'workloads');
    const byName = token.catalog.find((s: { name: string }) => s.name === 'TrilioVaultWLM');
    expect(byType).toBe(byName);
    expect(byType.endpoints.map((e: { interface: string }) => e.interface)).toEqual(['public', 'internal', 'admin']);
    for (const e of byType.endpoints) {
      expect(e).toMatchObject({ region_id: 'RegionOne', region: 'RegionOne', url: `http://localhost:80/v1/${DEMO}` });
      expect(e.id).toMatch(/^[0-9a-f]{32}$/);
    }
    const identity = token.catalog.find((s: { type: string }) => s.type === 'identity');
    expect(identity).toMatchObject({ name: 'keystone', endpoints: [{ url: 'http://localhost:80/v3' }, {}, {}] });

    // The catalog's URL with the token: Trilio answers.
    const path = new URL(byType.endpoints[0].url).pathname;
    const restores = await get(`${path}/restores/detail`, id);
    expect(restores.statusCode, restores.body).toBe(200);
    expect(Array.isArray(restores.json().restores)).toBe(true);
  });

  it('puts an explicit port on every endpoint: the Host port, else the local port, else the scheme default', async () => {
    const hosted = await post(passwordBody(named('demo'), projectScope('demo')));
    expect(hosted.json().token.catalog[1].endpoints[0].url).toBe(`http://localhost:80/v1/${DEMO}`);
    const other = await app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { host: 'cloud.example' },
      payload: passwordBody(named('demo'), projectScope('demo')),
    });
    expect(other.json().token.catalog[1].endpoints[2].url).toBe(`http://cloud.example:80/v1/${DEMO}`);
    const pub = await testApp({ publicUrl: 'https://wlm.example' });
    try {
      const r = await pub.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordBody(named('admin')) });
      const urls = r.json().token.catalog.map((s: { endpoints: { url: string }[] }) => s.endpoints[0].url);
      expect(urls).toEqual(['https://wlm.example:443/v3', `https://wlm.example:443/v1/${ADMIN_PROJECT}`]);
    } finally {
      await pub.close();
    }
  });

  it('finds users by id or by name in a domain by id; projects by id; ?nocatalog leaves the catalog out', async () => {
    const byId = await login(passwordBody({ id: TENANT_B_USER, password: 'tenant-b' }, { project: { id: TENANT_B } }));
    expect(byId.token.project.name).toBe('tenant-b');
    const domainId = await login(passwordBody(named('demo', 'demo', { id: 'default' }), projectScope('demo')));
    expect(domainId.token.user.id).toBe(DEMO_USER);
    const scopedByDomainId = { project: { name: 'demo', domain: { id: 'default' } } };
    const bare = await login(passwordBody(named('demo'), scopedByDomainId), '?nocatalog');
    expect(bare.token.project.id).toBe(DEMO);
    expect(bare.token).not.toHaveProperty('catalog');
  });

  it("scopes a request without scope to the user's default project, and 'unscoped' to nothing", () =>
    isolated(async () => {
      const implicit = await login(passwordBody(named('demo')));
      expect(implicit.token.project.id).toBe(DEMO);
      expect(implicit.token.catalog).toHaveLength(2);
      const unscoped = await login(passwordBody(named('demo'), 'unscoped'));
      expect(unscoped.token).not.toHaveProperty('project');
      expect(unscoped.token).not.toHaveProperty('roles');
      expect(unscoped.token).not.toHaveProperty('catalog');
      // A default project the user has no role on: unscoped, as Keystone.
      const fx = {
        keystone: { users: [{ id: 'u-lost', name: 'lost', password: 'lost', default_project_id: TENANT_B }] },
      };
      expect((await app.inject({ method: 'POST', url: '/_sim/fixtures', payload: fx })).statusCode).toBe(200);
      const lost = await login(passwordBody(named('lost')));
      expect(lost.token).not.toHaveProperty('project');
      // Its catalog is refused (not project-scoped); its projects are none.
      expectError(await get('/v3/auth/catalog', lost.id), 403, /project-scoped token is required/);
      expect((await get('/v3/auth/projects', lost.id)).json().projects).toEqual([]);
    }));

  it('rescopes with the token method: same user, the parent expiry, the audit chain, both methods', async () => {
    const parent = await login(passwordBody(named('admin'), 'unscoped'));
    await advance(600);
    const body = {
      auth: { identity: { methods: ['token'], token: { id: parent.id } }, scope: { project: { id: ADMIN_PROJECT } } },
    };
    const child = await login(body);
    expect(child.id).not.toBe(parent.id);
    expect(child.token).toMatchObject({
      methods: ['token', 'password'],
      user: { id: ADMIN_USER },
      project: { id: ADMIN_PROJECT, name: 'admin' },
      issued_at: '2026-11-01T12:10:00.000000Z',
      expires_at: parent.token.expires_at,
    });
    expect(child.token.audit_ids).toEqual([expect.any(String), parent.token.audit_ids[0]]);
    expect(child.token.roles.map((r: { name: string }) => r.name)).toEqual(['admin', 'member', 'reader']);
    // Rescoping to a project the user has no role on fails (401); an unknown token is not found (404).
    const demoToken = await tokenOf('demo');
    const toB = {
      auth: { identity: { methods: ['token'], token: { id: demoToken } }, scope: projectScope('tenant-b') },
    };
    expectError(await post(toB), 401, 'The request you have made requires authentication.');
    expectError(await post({ auth: { identity: { methods: ['token'], token: { id: 'nope' } } } }), 404, /nope/);
  });

  it('scopes to a domain the user has a role on (catalog without project endpoints), refuses others', async () => {
    const { token } = await login(passwordBody(named('admin'), { domain: { id: 'default' } }));
    expect(token.domain).toEqual({ id: 'default', name: 'Default' });
    expect(token).not.toHaveProperty('project');
    expect(token).not.toHaveProperty('is_domain');
    expect(token.roles.map((r: { name: string }) => r.name)).toEqual(['admin', 'member', 'reader']);
    expect(token.catalog.map((s: { type: string }) => s.type)).toEqual(['identity']);
    const byName = await login(passwordBody(named('admin'), { domain: { name: 'Default' } }));
    expect(byName.token.domain.id).toBe('default');
    expectError(await post(passwordBody(named('demo'), { domain: { id: 'default' } })), 401);
  });
});

describe('validation, revocation, expiry', () => {
  it('GET and HEAD validate the subject token; the caller needs a valid X-Auth-Token', async () => {
    const demo = await tokenOf('demo');
    const headers = { 'x-auth-token': demo, 'x-subject-token': demo };
    const res = await app.inject({ method: 'GET', url: '/v3/auth/tokens', headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-subject-token']).toBe(demo);
    expect(res.json().token).toMatchObject({ project: { id: DEMO }, catalog: expect.any(Array) });
    expect(res.json().token.issued_at).toMatch(KEYSTONE_TIME);
    expect(res.json().token.expires_at).toMatch(KEYSTONE_TIME);
    const bare = await app.inject({ method: 'GET', url: '/v3/auth/tokens?nocatalog', headers });
    expect(bare.json().token).not.toHaveProperty('catalog');
    const head = await app.inject({ method: 'HEAD', url: '/v3/auth/tokens', headers });
    expect(head.statusCode).toBe(200);
    expect(head.headers['x-subject-token']).toBe(demo);
    expect(head.body).toBe('');

    expectError(await app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-subject-token': demo } }), 401);
    const bogus = { 'x-auth-token': 'bogus', 'x-subject-token': demo };
    expectError(await app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: bogus }), 401);
    const unknown = { 'x-auth-token': demo, 'x-subject-token': 'gAAAAABnope' };
    expectError(await app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: unknown }), 404, /gAAAAABnope/);
    expect((await app.inject({ method: 'HEAD', url: '/v3/auth/tokens', headers: unknown })).statusCode).toBe(404);
    // Another user's token: only an admin may look at it.
    const other = { 'x-auth-token': await tokenOf('tenant-b'), 'x-subject-token': demo };
    expectError(await app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: other }), 403, /validate_token/);
    const admin = { 'x-auth-token': await tokenOf('admin'), 'x-subject-token': demo };
    expect((await app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: admin })).statusCode).toBe(200);
  });

  it('DELETE revokes: the token then validates 404 and no longer authenticates', async () => {
    const demo = await tokenOf('demo');
    const other = await tokenOf('demo');
    const del = await app.inject({
      method: 'DELETE',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': other, 'x-subject-token': demo },
    });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    const headers = { 'x-auth-token': other, 'x-subject-token': demo };
    expectError(
      await app.inject({ method: 'GET', url: '/v3/auth/tokens', headers }),
      404,
      `Could not find token: ${demo}.`,
    );
    expectError(await get('/v3/auth/catalog', demo), 401);
    expect((await get('/v3/auth/catalog', other)).statusCode).toBe(200);
  });

  it('tokens expire after --token-ttl seconds of clock time', async () => {
    const demo = await tokenOf('demo');
    await advance(3599);
    expect((await get('/v3/auth/catalog', demo)).statusCode).toBe(200);
    await advance(1);
    expectError(await get('/v3/auth/catalog', demo), 401);
    const fresh = await tokenOf('demo');
    const res = await app.inject({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': fresh, 'x-subject-token': demo },
    });
    expectError(res, 404, `Could not find token: ${demo}.`);
  });
});

describe('errors in Keystone’s envelope', () => {
  it('401 for a wrong password, an unknown user or project, or a project the user has no role on', async () => {
    expectError(
      await post(passwordBody(named('demo', 'wrong'))),
      401,
      'The request you have made requires authentication.',
    );
    expectError(await post(passwordBody(named('nobody'))), 401);
    expectError(await post(passwordBody(named('demo', 'demo', { name: 'Nowhere' }))), 401);
    expectError(await post(passwordBody(named('demo'), projectScope('tenant-b'))), 401);
    expectError(await post(passwordBody(named('demo'), projectScope('no-such'))), 401);
    const otp = await post({ auth: { identity: { methods: ['totp'], totp: {} } } });
    expectError(otp, 401, 'Attempted to authenticate with an unsupported method.');
    expect(otp.json().error.identity).toEqual({ methods: ['password', 'token'] });
  });

  it('400 for malformed JSON, a body that is not JSON, and a request Keystone finds malformed', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: '{"auth": ',
    });
    expectError(bad, 400, /^Expecting to find valid JSON in request body\./);
    expect(bad.json().error.title).toBe('Bad Request');
    const text = await app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expectError(text, 400, /^Expecting to find application\/json in Content-Type header\./);
    expectError(await post([1, 2]), 400, /^Expecting to find valid JSON in request body\./);
    expectError(await post({}), 400, "'identity' is a required property");
    expectError(
      await post({ auth: { identity: {} } }),
      400,
      "Invalid input for field 'identity': 'methods' is a required property",
    );
    expectError(
      await post({ auth: { identity: { methods: 'password' } } }),
      400,
      "Invalid input for field 'identity/methods': 'password' is not of type 'array'",
    );
    expectError(
      await post({ auth: { identity: { methods: ['password'] } } }),
      400,
      /^Expecting to find password in identity\./,
    );
    expectError(
      await post(passwordBody({ name: 'demo', password: 'demo' })),
      400,
      /^Expecting to find domain in user\./,
    );
    expectError(
      await post(passwordBody({ password: 'demo' })),
      400,
      'Invalid input for field identity/password/user: id or name must be present.',
    );
    expectError(await post(passwordBody(named('demo'), { project: { name: 'demo' } })), 400, /domain in project/);
    expectError(await post(passwordBody(named('demo'), { project: { id: DEMO }, domain: { id: 'default' } })), 400);
  });

  it('404 for an unknown path under /v3, 405 for a method a path does not have', async () => {
    expectError(await get('/v3/no/such/thing'), 404, 'The resource could not be found.');
    expectError(await app.inject({ method: 'POST', url: '/v3/nope', payload: {} }), 404);
    const put = await app.inject({ method: 'PUT', url: '/v3/auth/tokens' });
    expectError(put, 405, 'The method is not allowed for the requested URL.');
    expect(put.json().error.title).toBe('Method Not Allowed');
    expectError(await app.inject({ method: 'DELETE', url: '/v3/projects' }), 405);
  });
});

describe('projects, users and domains', () => {
  it('lists every project for the admin role (with filters), 403 for a member', async () => {
    const admin = await tokenOf('admin');
    const all = await get('/v3/projects', admin);
    expect(all.statusCode).toBe(200);
    expect(all.json().projects.map((p: { name: string }) => p.name)).toEqual(['demo', 'tenant-b', 'admin']);
    expect(all.json().links).toEqual({ self: 'http://localhost:80/v3/projects', previous: null, next: null });
    expect(all.json().projects[0]).toEqual({
      id: DEMO,
      name: 'demo',
      domain_id: 'default',
      description: 'Demo project',
      enabled: true,
      parent_id: 'default',
      is_domain: false,
      tags: [],
      options: {},
      links: { self: `http://localhost:80/v3/projects/${DEMO}` },
    });
    const filtered = await get('/v3/projects?name=tenant-b&domain_id=default', admin);
    expect(filtered.json().projects.map((p: { id: string }) => p.id)).toEqual([TENANT_B]);
    expect((await get('/v3/projects?domain_id=other', admin)).json().projects).toEqual([]);
    const demo = await tokenOf('demo');
    expectError(
      await get('/v3/projects', demo),
      403,
      'You are not authorized to perform the requested action: identity:list_projects.',
    );
    expectError(await get('/v3/projects'), 401);
  });

  it("answers a user's projects to that user or an admin, and one project to its members or an admin", async () => {
    const demo = await tokenOf('demo');
    const mine = await get(`/v3/users/${DEMO_USER}/projects`, demo);
    expect(mine.json().projects.map((p: { id: string }) => p.id)).toEqual([DEMO]);
    expect((await get('/v3/auth/projects', demo)).json().projects.map((p: { id: string }) => p.id)).toEqual([DEMO]);
    expectError(await get(`/v3/users/${TENANT_B_USER}/projects`, demo), 403, /identity:list_user_projects/);
    const admin = await tokenOf('admin');
    const theirs = await get(`/v3/users/${TENANT_B_USER}/projects`, admin);
    expect(theirs.json().projects.map((p: { id: string }) => p.id)).toEqual([TENANT_B]);
    expectError(await get('/v3/users/nobody/projects', admin), 404, 'Could not find user: nobody.');

    expect((await get(`/v3/projects/${DEMO}`, demo)).json().project).toMatchObject({ id: DEMO, name: 'demo' });
    expectError(await get(`/v3/projects/${TENANT_B}`, demo), 403, /identity:get_project/);
    expect((await get(`/v3/projects/${TENANT_B}`, admin)).statusCode).toBe(200);
    expectError(await get('/v3/projects/nope', admin), 404, 'Could not find project: nope.');
  });

  it('answers users and domains as Keystone does', async () => {
    const demo = await tokenOf('demo');
    const me = await get(`/v3/users/${DEMO_USER}`, demo);
    expect(me.json().user).toMatchObject({
      id: DEMO_USER,
      name: 'demo',
      domain_id: 'default',
      default_project_id: DEMO,
    });
    expect(me.json().user).not.toHaveProperty('password');
    expectError(await get(`/v3/users/${ADMIN_USER}`, demo), 403, /identity:get_user/);
    const domain = await get('/v3/domains/default', demo);
    expect(domain.json().domain).toMatchObject({ id: 'default', name: 'Default', enabled: true });
    expectError(await get('/v3/domains/elsewhere', demo), 404);
  });

  it('the catalog of a project-scoped token (GET /v3/auth/catalog)', async () => {
    const demo = await tokenOf('demo');
    const res = await get('/v3/auth/catalog', demo);
    expect(res.statusCode).toBe(200);
    expect(res.json().catalog.map((s: { name: string }) => s.name)).toEqual(['keystone', 'TrilioVaultWLM']);
    expect(res.json().links).toEqual({ self: 'http://localhost:80/v3/auth/catalog', previous: null, next: null });
  });
});

describe('fixtures, reset, gauge, rules, identity', () => {
  it('reset drops issued tokens (all, or ?api=keystone)', async () => {
    const demo = await tokenOf('demo');
    expect((await app.inject({ method: 'POST', url: '/_sim/reset?api=keystone' })).statusCode).toBe(200);
    expectError(await get('/v3/auth/catalog', demo), 401);
    const again = await tokenOf('demo');
    expect((await app.inject({ method: 'POST', url: '/_sim/reset' })).statusCode).toBe(200);
    expectError(await get('/v3/auth/catalog', again), 401);
  });

  it('pre-seeds fixture tokens, and refuses bad sections with one line per problem', () =>
    isolated(async () => {
      const fx = {
        keystone: {
          tokens: [
            { id: 'seeded-demo', user_id: DEMO_USER, project_id: DEMO },
            { id: 'seeded-short', user_id: DEMO_USER, project_id: DEMO, expires_at: '2026-11-01T12:05:00Z' },
          ],
        },
      };
      expect((await app.inject({ method: 'POST', url: '/_sim/fixtures', payload: fx })).statusCode).toBe(200);
      expect((await get('/v3/auth/catalog', 'seeded-demo')).statusCode).toBe(200);
      const seen = await app.inject({
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-auth-token': 'seeded-demo', 'x-subject-token': 'seeded-short' },
      });
      expect(seen.json().token.expires_at).toBe('2026-11-01T12:05:00.000000Z');
      await advance(300);
      expectError(await get('/v3/auth/catalog', 'seeded-short'), 401);
      expect((await get('/v3/auth/catalog', 'seeded-demo')).statusCode).toBe(200);

      const bad = {
        keystone: {
          users: [{ id: 'x', name: 'x', password: 3, roles: [{ role: 'boss', project_id: DEMO }] }],
          domains: [{ id: 'elsewhere', name: 'Elsewhere' }],
          projects: [{ id: 'p', name: 'p', domain_id: 'nowhere' }],
          tokens: [{ id: 't', user_id: 'ghost' }],
        },
      };
      const res = await app.inject({ method: 'POST', url: '/_sim/fixtures', payload: bad });
      expect(res.statusCode).toBe(400);
      expect(res.json().problems).toEqual([
        'fixtures.keystone.users[0].password: must be a string',
        'fixtures.keystone.projects[0].domain_id: unknown domain "nowhere"',
        `fixtures.keystone.users[0].roles[0].project_id: unknown project "${DEMO}"`,
        'fixtures.keystone.tokens[0].user_id: unknown user "ghost"',
      ]);
    }));

  it('counts tokens by state in the gauge restoresim_keystone_tokens', async () => {
    const a = await tokenOf('demo');
    await tokenOf('demo');
    await app.inject({
      method: 'DELETE',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': a, 'x-subject-token': a },
    });
    await advance(1800);
    await tokenOf('demo');
    await advance(1800);
    const text = (await app.inject({ method: 'GET', url: '/_sim/metrics' })).body;
    const lines = text.split('\n').filter((l) => l.startsWith('restoresim_keystone_tokens{'));
    expect(lines.sort()).toEqual([
      'restoresim_keystone_tokens{state="expired"} 1',
      'restoresim_keystone_tokens{state="revoked"} 1',
      'restoresim_keystone_tokens{state="valid"} 1',
    ]);
  });

  it('fault rules name Keystone operations and the user logging in; errors come in Keystone’s envelope', async () => {
    const rule = { match: { operation: 'tokens.create', subject: '^tenant-b$' }, effects: { error: { status: 503 } } };
    expect((await app.inject({ method: 'POST', url: '/_sim/rules', payload: rule })).statusCode).toBe(201);
    expectError(await post(passwordBody(named('tenant-b'))), 503);
    expect((await post(passwordBody(named('demo')))).statusCode).toBe(201);
    const ops = (await app.inject({ method: 'GET', url: '/_sim/requests?api=keystone' })).json();
    expect(JSON.stringify(ops)).toContain('tokens.create');
  });

  it('its tokens are the identity of the other APIs (resolve), and Trilio with --auth strict accepts only them', async () => {
    const { app: strict, emulator } = await composeApp({ auth: 'strict' });
    await strict.ready();
    try {
      const r = await strict.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordBody(named('admin')),
      });
      const id = String(r.headers['x-subject-token']);
      const identity = emulator.api('keystone').instance.identity!;
      expect(identity.resolve(id, emulator.now())).toEqual({
        user: ADMIN_USER,
        project: ADMIN_PROJECT,
        roles: ['admin', 'member', 'reader'],
        admin: true,
      });
      expect(identity.resolve('nope', emulator.now())).toBeNull();
      expect(identity.authUri('http://x:1')).toBe('http://x:1');
      const url = `/v1/${ADMIN_PROJECT}/restores/detail`;
      expect((await strict.inject({ url, headers: { 'x-auth-token': id } })).statusCode).toBe(200);
      await strict.inject({
        method: 'DELETE',
        url: '/v3/auth/tokens',
        headers: { 'x-auth-token': id, 'x-subject-token': id },
      });
      expect(identity.resolve(id, emulator.now())).toBeNull();
      expect((await strict.inject({ url, headers: { 'x-auth-token': id } })).statusCode).toBe(401);
    } finally {
      await strict.close();
    }
  });
});

describe('library client', () => {
  let h: Awaited<ReturnType<typeof listeningHarness>>;
  beforeAll(async () => {
    h = await listeningHarness(APIS);
  });
  afterEach(async () => {
    await h.sim.reset();
  });
  afterAll(async () => {
    await h?.sim.close();
    await h?.app.close();
  });

  it('sim.keystone: the auth URL, and a token for a user and project', async () => {
    expect(h.sim.keystone.authUrl).toBe(`${h.url}/v3`);
    const token = await h.sim.keystone.token('demo', 'demo', 'demo');
    expect(token).toMatch(FERNET);
    const res = await fetch(`${h.url}/v3/auth/catalog`, { headers: { 'x-auth-token': token } });
    expect(res.status).toBe(200);
    const urls = ((await res.json()) as { catalog: { endpoints: { url: string }[] }[] }).catalog.map(
      (s) => s.endpoints[0]!.url,
    );
    expect(urls).toEqual([`${h.url}/v3`, `${h.url}/v1/${DEMO}`]);
    await expect(h.sim.keystone.token('demo', 'wrong', 'demo')).rejects.toThrow(/401/);
  });
});
