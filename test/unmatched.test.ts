// A request no route matches is answered in the dialect of the API its path belongs to (a plain JSON 404 for paths no
// API owns), and is journaled with that API's name.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from './helpers.js';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

describe('unmatched requests', () => {
  it('get their API’s dialect, or a plain JSON 404, and all land in the journal', async () => {
    app = await testApp();
    const cases: [string, string, (body: any) => void][] = [
      ['GET', '/nothing/here', (b) => expect(b).toMatchObject({ error: 'not_found' })],
      ['DELETE', '/favicon.ico', (b) => expect(b.message).toMatch(/^No route DELETE \/favicon\.ico; /)],
      [
        'GET',
        '/v1',
        (b) => expect(b).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } }),
      ],
      [
        'PATCH',
        '/v1/c76b3355a164498aa95ddbc960adc238/restores',
        (b) => expect(Object.keys(b)).toEqual(['itemNotFound']),
      ],
      ['GET', '/rest/nowhere', (b) => expect(b.type).toBe('com.vmware.vapi.std.errors.not_found')],
      ['GET', '/api/nowhere', (b) => expect(b.error_type).toBe('NOT_FOUND')],
    ];
    for (const [method, url, check] of cases) {
      const r = await app.inject({ method: method as 'GET', url, headers: { 'x-auth-token': 'demo-token' } });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      check(r.json());
    }
    const journal = (await app.inject({ method: 'GET', url: '/_sim/requests' })).json().requests as any[];
    const seen = journal.map((e) => `${e.api} ${e.method} ${e.path} ${e.status}`).reverse();
    expect(seen).toEqual([
      'other GET /nothing/here 404',
      'other DELETE /favicon.ico 404',
      'trilio GET /v1 404',
      'trilio PATCH /v1/c76b3355a164498aa95ddbc960adc238/restores 404',
      'vcenter GET /rest/nowhere 404',
      'vcenter GET /api/nowhere 404',
    ]);
  });
});
