// The OpenAPI documents: checked-in files match what the code generates, they validate, their only examples are
// recorded responses, and the docs UI answers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { generateOpenapi, OPENAPI_DIR } from '../scripts/openapi.js';
import { DOCUMENT_NAMES } from '../src/plugins/docs.js';
import { testApp } from './helpers.js';

let generated: Awaited<ReturnType<typeof generateOpenapi>>;
let app: FastifyInstance;
beforeAll(async () => {
  generated = await generateOpenapi();
  app = await testApp();
});
afterAll(async () => app?.close());

/** Paths (dotted) of every `example`/`examples` keyword in a document, skipping schema property names. */
function exampleKeys(value: unknown, at = '', out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) exampleKeys(v, `${at}[${i}]`, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const inProperties = /\.(properties|patternProperties)$/.test(at);
      if (!inProperties && (k === 'example' || k === 'examples')) out.push(`${at}.${k}`);
      else exampleKeys(v, `${at}.${k}`, out);
    }
  }
  return out;
}

describe('openapi/', () => {
  it('the scenario behind the examples plays without a problem', () => {
    expect(generated.problems).toEqual([]);
  });

  it.each(DOCUMENT_NAMES)('openapi/%s.json is what the code generates', (name) => {
    const file = path.join(OPENAPI_DIR, `${name}.json`);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(missing)';
    expect(current === generated.files[name], `openapi/${name}.json is out of date: run npm run openapi`).toBe(true);
  });

  it.each(DOCUMENT_NAMES)('%s validates as OpenAPI', async (name) => {
    const validator = new Validator();
    const res = await validator.validate(JSON.parse(generated.files[name]));
    expect(res.errors ?? [], `openapi/${name}.json is not valid OpenAPI`).toEqual([]);
    expect(res.valid).toBe(true);
  });
});

describe('served documents and docs UI', () => {
  it.each(DOCUMENT_NAMES)(
    '/openapi/%s.json holds no hand-written example (examples are recorded only)',
    async (name) => {
      const r = await app.inject({ method: 'GET', url: `/openapi/${name}.json` });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(exampleKeys(r.json())).toEqual([]);
    },
  );

  it('splits every documented route into exactly one document, docs routes in none', async () => {
    const full = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const seen: string[] = [];
    for (const name of DOCUMENT_NAMES)
      seen.push(...Object.keys((await app.inject(`/openapi/${name}.json`)).json().paths));
    expect(seen.sort()).toEqual(Object.keys(full.paths).sort());
    expect(seen.filter((p) => p.startsWith('/docs') || p.startsWith('/openapi'))).toEqual([]);
    expect(seen).toContain('/_sim/health');
  });

  it('/docs answers the Swagger UI page, which offers all three documents', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const init = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    for (const name of DOCUMENT_NAMES) expect(init.body).toContain(`/openapi/${name}.json`);
    const asset = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(asset.statusCode).toBe(200);
  });
});
