// The seed page's example responses, reproduced key for key (and value for value where nothing is generated).
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { testApp } from './helpers.js';

const P1 = 'c76b3355a164498aa95ddbc960adc238';
const S1 = '2e56d167-bad7-43c7-8ede-a613c3fe7844';
const S_INPLACE = 'ed4f29e8-7544-4e1c-af8a-a76031211926';
const H = { 'x-auth-token': 'demo-token', accept: 'application/json', 'user-agent': 'python-workloadmgrclient' };
const seed = (name: string) =>
  JSON.parse(fs.readFileSync(new URL(`./data/trilio-seed/${name}`, import.meta.url), 'utf8'));

/** Every key path of a value, in document order (arrays by index): equal lists = same keys in the same order. */
function keyPaths(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => keyPaths(x, `${at}[${i}]`));
  if (v && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...keyPaths(x, `${at}.${k}`)]);
  return [];
}

/** Blanks the values a server generates (ids, timestamps, the links that carry the id). */
function normalizeCreated(body: { restore: Record<string, unknown> }) {
  const r = { ...body.restore };
  const id = r.id as string;
  r.id = '<id>';
  r.created_at = '<ts>';
  r.updated_at = '<ts>';
  r.links = (r.links as { rel: string; href: string }[]).map((l) => ({ ...l, href: l.href.replace(id, '<id>') }));
  return { restore: r };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('trilio seed examples', () => {
  it('List Restores (detail, snapshot_id) is the seed example, key for key and value for value', async () => {
    app = await testApp({ publicUrl: 'http://wlm_backend' });
    const res = await app.inject({ method: 'GET', url: `/v1/${P1}/restores/detail?snapshot_id=${S1}`, headers: H });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-compute-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
    const expected = seed('list-restores.json');
    expect(keyPaths(res.json())).toEqual(keyPaths(expected));
    expect(res.body).toBe(JSON.stringify(expected));
  });

  it('Get Restore is the seed example (metadata [] in the show view), key for key and value for value', async () => {
    app = await testApp({ publicUrl: 'http://wlm_backend' });
    const res = await app.inject({
      method: 'GET',
      url: `/v1/${P1}/restores/29fdc1f8-1d53-4a10-bb45-e539a64cdbfc`,
      headers: H,
    });
    expect(res.statusCode).toBe(200);
    const expected = seed('get-restore.json');
    expect(keyPaths(res.json())).toEqual(keyPaths(expected));
    expect(res.body).toBe(JSON.stringify(expected));
  });

  it('links default to the request Host when no public URL is set', async () => {
    app = await testApp();
    const res = await app.inject({
      method: 'GET',
      url: `/v1/${P1}/restores/29fdc1f8-1d53-4a10-bb45-e539a64cdbfc`,
      headers: { ...H, host: 'tvm.example:8780' },
    });
    expect(res.json().restore.links[0].href).toBe(
      `http://tvm.example:8780/v1/${P1}/restores/29fdc1f8-1d53-4a10-bb45-e539a64cdbfc`,
    );
    expect(res.json().restore.links[1].href).toBe(
      `http://tvm.example:8780/${P1}/restores/29fdc1f8-1d53-4a10-bb45-e539a64cdbfc`,
    );
  });

  const creates: [string, string, string, string][] = [
    ['One Click', 'oneclick-request.json', 'oneclick-response.json', S1],
    ['Selective', 'selective-request.json', 'selective-response.json', S1],
    ['Inplace', 'inplace-request.json', 'inplace-response.json', S_INPLACE],
  ];
  for (const [label, reqFile, resFile, snapshot] of creates) {
    it(`${label} Restore: 202 with the seed's keys and every non-generated value`, async () => {
      app = await testApp({ publicUrl: 'http://wlm_backend' });
      const res = await app.inject({
        method: 'POST',
        url: `/v1/${P1}/snapshots/${snapshot}`,
        headers: { ...H, 'content-type': 'application/json' },
        payload: JSON.stringify(seed(reqFile)),
      });
      expect(res.statusCode).toBe(202);
      const body = res.json();
      const expected = seed(resFile);
      expect(keyPaths(body)).toEqual(keyPaths(expected));
      expect(JSON.stringify(normalizeCreated(body))).toBe(JSON.stringify(normalizeCreated(expected)));
      expect(body.restore.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(body.restore.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      expect(body.restore.updated_at).toBe(body.restore.created_at);
    });
  }
});
