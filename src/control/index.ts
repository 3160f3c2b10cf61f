// The control plane under /_sim: health and readiness, reset, fixtures, clock, fault rules, forced states, the
// request journal and Prometheus metrics. Everything a test needs to decide what happens, over plain HTTP.
// Errors are JSON {"error", "message"[, "problems"]}; when --admin-token is set every route but health needs
// the header X-Sim-Admin-Token.
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FixtureError } from '../core/fixtures.js';
import { RuleError, type RuleSpec } from '../core/rules.js';
import type { JournalFilter } from '../plugins/journal.js';
import * as Static from './schemas.js';

export const ADMIN_TOKEN_HEADER = 'x-sim-admin-token';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  503: 'not_ready',
};

/** A control-plane error with its status; rendered by the plugin's error handler. */
export class SimError extends Error {
  constructor(readonly statusCode: number, message: string, readonly code = CODES[statusCode] ?? 'error') {
    super(message);
    this.name = 'SimError';
  }
}

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Static.ErrorBody]));

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

  const clockState = (): Static.ClockState => {
    const c = emulator.clock.state();
    return { mode: c.mode, now: new Date(c.now).toISOString(), epochMs: c.now, speed: c.speed };
  };

  f.addHook('onRequest', async (request, reply) => {
    const token = emulator.config.adminToken;
    if (!token) return;
    if (request.url.split('?')[0]!.replace(/\/+$/, '') === '/_sim/health') return;
    if (tokenMatches(token, request.headers[ADMIN_TOKEN_HEADER])) return;
    const missing = request.headers[ADMIN_TOKEN_HEADER] === undefined;
    return reply.code(401).send({
      error: 'unauthorized',
      message: missing ? 'This control plane needs the X-Sim-Admin-Token header (--admin-token is set)' : 'X-Sim-Admin-Token is wrong',
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
      return reply.code(400).send({ error: 'invalid_fixtures', message: `Fixtures refused: ${err.problems.join('; ')}`, problems: err.problems });
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
    reply.code(404).send({ error: 'not_found', message: `No control route ${request.method} ${request.url.split('?')[0]}` });
  });

  const tags = ['control'];
  /** OpenAPI: the admin token (needed only when --admin-token is set; `{}` = or none). */
  const security: Record<string, string[]>[] = [{ simAdminToken: [] }, {}];

  f.get(
    '/health',
    { schema: { tags, summary: 'Liveness (never needs the admin token; kept out of the journal)', response: { 200: S.Health } } },
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
    async (_request, reply) => (emulator.ready ? { status: 'ready' as const } : reply.code(503).send({ status: 'starting' as const })),
  );

  f.post(
    '/reset',
    {
      schema: {
        tags,
        security,
        summary: "Back to the fixtures' state: everything, one API (?api=), or one project (?project=)",
        description:
          'A full reset also removes every rule and clears the journal. ?project= resets that project (in the APIs with projects) ' +
          'and removes the rules matching that project; ?api= resets one API and removes the rules of that API. Metrics ' +
          'counters are never reset.',
        querystring: S.ResetQuery,
        response: { 200: S.ResetResult, ...errors(400, 401) },
      },
    },
    async (request) => {
      const { api, project } = request.query;
      if (project !== undefined && api !== undefined && !emulator.api(api).descriptor.project) {
        const withProjects = descriptors.filter((d) => d.project).map((d) => d.name);
        throw new SimError(400, `project applies to ${withProjects.join(' and ')} only; ${api} has no projects`);
      }
      const full = !api && project === undefined;
      const scope = full ? {} : project !== undefined ? { project } : { api };
      // Requests of that scope still waiting out a rule's latency end without an answer (they would act on the reset state).
      fastify.simInterrupt(scope);
      emulator.reset({ api, project });
      const rulesRemoved = fastify.rules.clear(scope);
      if (full) fastify.journal.clear();
      return { status: 'reset' as const, ...(api ? { api } : {}), ...(project !== undefined ? { project } : {}), rulesRemoved, journalCleared: full };
    },
  );

  f.get(
    '/fixtures',
    { schema: { tags, security, summary: 'The loaded fixture set (what reset returns to)', response: { 200: S.FixtureDocument, ...errors(401) } } },
    async () => emulator.fixtures,
  );

  f.post(
    '/fixtures',
    {
      schema: {
        tags,
        security,
        summary: 'Load fixtures: merge (upsert by id, default) or replace (?mode=replace); validated with one line per problem',
        querystring: S.FixturesQuery,
        body: S.FixtureDocument,
        response: { 200: S.FixtureDocument, ...errors(400, 401) },
      },
    },
    async (request) => emulator.loadFixtures(request.body, request.query.mode ?? 'merge'),
  );

  f.get('/clock', { schema: { tags, security, summary: 'Clock mode, simulated time and speed', response: { 200: S.ClockState, ...errors(401) } } }, async () =>
    clockState(),
  );

  f.post(
    '/clock/advance',
    {
      schema: {
        tags,
        security,
        summary: 'Move simulated time forward; every restore and job moves exactly as waiting would have',
        body: S.ClockAdvance,
        response: { 200: S.ClockState, ...errors(400, 401) },
      },
    },
    async (request) => {
      emulator.advance(request.body.seconds);
      return clockState();
    },
  );

  f.put(
    '/clock',
    {
      schema: {
        tags,
        security,
        summary: 'Switch clock mode or speed, or jump forward to an instant (`now`), without going backwards',
        body: S.ClockPut,
        response: { 200: S.ClockState, ...errors(400, 401, 409) },
      },
    },
    async (request) => {
      const { mode, speed, now } = request.body;
      let target: number | undefined;
      if (now !== undefined) {
        target = Date.parse(now);
        if (!Number.isFinite(target)) throw new SimError(400, `now: not an ISO-8601 date-time: ${now}`);
        if (target < emulator.now()) {
          throw new SimError(409, `now: ${now} is before the simulated time ${new Date(emulator.now()).toISOString()}; the clock never goes backwards`);
        }
      }
      if (mode !== undefined || speed !== undefined) emulator.setClock({ mode, speed });
      emulator.advance(target !== undefined ? Math.max(0, (target - emulator.now()) / 1000) : 0);
      return clockState();
    },
  );

  // ---- rules -------------------------------------------------------------------------------------------------
  f.get('/rules', { schema: { tags, security, summary: 'Every fault rule, in evaluation order, with its counters', response: { 200: S.RuleList, ...errors(401) } } }, async () => ({
    rules: fastify.rules.list(),
  }));

  f.post(
    '/rules',
    {
      schema: {
        tags,
        security,
        summary: 'Add a fault rule; refused (400, with the reason) when it cannot apply to what it matches',
        body: S.RuleInput,
        response: { 201: S.RuleView, ...errors(400, 401, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(fastify.rules.add(request.body as RuleSpec)),
  );

  f.get(
    '/rules/:id',
    { schema: { tags, security, summary: 'One fault rule with its counters', params: S.IdParams, response: { 200: S.RuleView, ...errors(401, 404) } } },
    async (request) => {
      const r = fastify.rules.get(request.params.id);
      if (!r) throw new SimError(404, `No rule ${request.params.id}`);
      return r;
    },
  );

  f.put(
    '/rules/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Create or replace a fault rule by id (its counters restart)',
        params: S.IdParams,
        body: S.RulePut,
        response: { 200: S.RuleView, 201: S.RuleView, ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const { rule, created } = fastify.rules.put(request.params.id, request.body as RuleSpec);
      return reply.code(created ? 201 : 200).send(rule);
    },
  );

  f.delete('/rules', { schema: { tags, security, summary: 'Remove every fault rule', response: { 200: S.Deleted, ...errors(401) } } }, async () => ({
    deleted: fastify.rules.clear(),
  }));

  f.delete(
    '/rules/:id',
    { schema: { tags, security, summary: 'Remove one fault rule', params: S.IdParams, response: { 200: S.Deleted, ...errors(401, 404) } } },
    async (request) => {
      if (!fastify.rules.remove(request.params.id)) throw new SimError(404, `No rule ${request.params.id}`);
      return { deleted: 1 };
    },
  );

  // ---- forced states: one route per API, at the URL its descriptor gives ----------------------------------------
  for (const d of descriptors) {
    const withId = d.force.url.includes(':id');
    f.put(
      d.force.url,
      {
        schema: {
          tags,
          security,
          summary: d.force.summary,
          ...(withId ? { params: S.IdParams } : {}),
          body: S.ForceBody,
          response: { 200: S.ForceResult, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const id = withId ? (request.params as { id: string }).id : undefined;
        const r = emulator.force(d.name, { ...(id !== undefined ? { id } : {}), ...request.body });
        // The API settles before and after the move (and the app settled when the request arrived): no settle here.
        if (!r.ok) throw new SimError(r.statusCode ?? 409, r.reason ?? `cannot move to ${request.body.state}`);
        return { ...(id !== undefined ? { id } : {}), state: r.state ?? request.body.state };
      },
    );
  }

  // ---- journal and metrics -----------------------------------------------------------------------------------
  f.get(
    '/requests',
    {
      schema: {
        tags,
        security,
        summary: 'The request journal of the emulated APIs, newest first (filters: api, method, path prefix, status, since, after, limit)',
        querystring: S.JournalQuery,
        response: { 200: S.JournalList, ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query as JournalFilter;
      if (q.since !== undefined && !Number.isFinite(Date.parse(q.since))) {
        throw new SimError(400, `since: not an ISO-8601 date-time: ${q.since}`);
      }
      return { requests: fastify.journal.query(q), total: fastify.journal.size, capacity: fastify.journal.capacity };
    },
  );

  f.delete('/requests', { schema: { tags, security, summary: 'Clear the request journal', response: { 200: S.Deleted, ...errors(401) } } }, async () => ({
    deleted: fastify.journal.clear(),
  }));

  f.get(
    '/metrics',
    {
      schema: {
        tags,
        security,
        summary: 'Prometheus metrics: requests by route and status, restores and jobs by state, transitions, rule firings',
        produces: ['text/plain'],
        response: { 200: S.Metrics, ...errors(401) },
      },
    },
    async (_request, reply) => {
      reply.type(fastify.metrics.registry.contentType);
      return fastify.metrics.text();
    },
  );
};

export default controlPlane;
