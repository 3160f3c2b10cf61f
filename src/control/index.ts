// The control plane under /_sim: health and readiness, reset, fixtures, clock, fault rules, forced states, the
// request journal and Prometheus metrics. Everything a test needs to decide what happens, over plain HTTP.
// Errors are JSON {"error", "message"[, "problems"]}; when --admin-token is set every route but health needs
// the header X-Sim-Admin-Token.
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FixtureError } from '../core/fixtures.js';
import { RuleError } from '../core/rules.js';
import * as Static from './schemas.js';
import { ADMIN_TOKEN_HEADER, CODES, errors, security, SimError, tags } from './context.js';
import { stateRoutes } from './state-routes.js';
import { ruleRoutes } from './rule-routes.js';

export { ADMIN_TOKEN_HEADER, SimError };

function tokenMatches(expected: string, got: string | string[] | undefined): boolean {
  if (typeof got !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(got);
  return a.length === b.length && timingSafeEqual(a, b);
}

const controlPlane: FastifyPluginAsync = async (fastify) => {
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const emulator = fastify.emulator;
  const descriptors = emulator.apis.map((a) => a.descriptor);
  const S = { ...Static, ...Static.apiSchemas(descriptors) };
  // TypeBox validation: unknown fields are refused (not silently stripped) and unions validate as written.
  f.setValidatorCompiler(TypeBoxValidatorCompiler);

  f.addHook('onRequest', async (request, reply) => {
    const token = emulator.config.adminToken;
    if (!token) return;
    if (request.url.split('?')[0]!.replace(/\/+$/, '') === '/_sim/health') return;
    if (tokenMatches(token, request.headers[ADMIN_TOKEN_HEADER])) return;
    const missing = request.headers[ADMIN_TOKEN_HEADER] === undefined;
    return reply.code(401).send({
      error: 'unauthorized',
      message: missing
        ? 'This control plane needs the X-Sim-Admin-Token header (--admin-token is set)'
        : 'X-Sim-Admin-Token is wrong',
    });
  });

  f.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof RuleError) {
      return reply.code(err.statusCode).send({
        error: err.statusCode === 409 ? 'conflict' : 'invalid_rule',
        message: `Rule refused: ${err.problems.join('; ')}`,
        problems: err.problems,
      });
    }
    if (err instanceof FixtureError) {
      return reply.code(400).send({
        error: 'invalid_fixtures',
        message: `Fixtures refused: ${err.problems.join('; ')}`,
        problems: err.problems,
      });
    }
    if (err.validation) {
      return reply.code(400).send({ error: 'bad_request', message: err.message });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'control plane error');
    const code = err instanceof SimError ? err.code : (CODES[status] ?? (status >= 500 ? 'internal_error' : 'error'));
    return reply.code(status).send({ error: code, message: err.message });
  });

  f.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: 'not_found', message: `No control route ${request.method} ${request.url.split('?')[0]}` });
  });

  f.get(
    '/health',
    {
      schema: {
        tags,
        summary: 'Liveness (never needs the admin token; kept out of the journal)',
        response: { 200: S.Health },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  f.get(
    '/ready',
    {
      schema: {
        tags,
        security,
        summary: 'Readiness: 200 once the database is migrated and the fixtures are loaded, 503 before',
        response: { 200: S.Ready, 503: S.Ready, ...errors(401) },
      },
    },
    async (_request, reply) =>
      emulator.ready ? { status: 'ready' as const } : reply.code(503).send({ status: 'starting' as const }),
  );

  const ctx = { f, emulator, descriptors, S };
  stateRoutes(ctx);
  ruleRoutes(ctx);
};

export default controlPlane;
