// Control-plane routes that shape and observe requests: fault rules, the request journal and the metrics.
import type { RuleSpec } from '../core/rules.js';
import type { JournalFilter } from '../plugins/journal.js';
import { errors, security, SimError, tags, type ControlContext } from './context.js';

export function ruleRoutes({ f, S }: ControlContext): void {
  const fastify = f;
  // ---- rules -------------------------------------------------------------------------------------------------
  f.get(
    '/rules',
    {
      schema: {
        tags,
        security,
        summary: 'Every fault rule, in evaluation order, with its counters',
        response: { 200: S.RuleList, ...errors(401) },
      },
    },
    async () => ({
      rules: fastify.rules.list(),
    }),
  );

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
    {
      schema: {
        tags,
        security,
        summary: 'One fault rule with its counters',
        params: S.IdParams,
        response: { 200: S.RuleView, ...errors(401, 404) },
      },
    },
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

  f.delete(
    '/rules',
    { schema: { tags, security, summary: 'Remove every fault rule', response: { 200: S.Deleted, ...errors(401) } } },
    async () => ({
      deleted: fastify.rules.clear(),
    }),
  );

  f.delete(
    '/rules/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Remove one fault rule',
        params: S.IdParams,
        response: { 200: S.Deleted, ...errors(401, 404) },
      },
    },
    async (request) => {
      if (!fastify.rules.remove(request.params.id)) throw new SimError(404, `No rule ${request.params.id}`);
      return { deleted: 1 };
    },
  );

  // ---- journal and metrics -----------------------------------------------------------------------------------
  f.get(
    '/requests',
    {
      schema: {
        tags,
        security,
        summary:
          'The request journal of the emulated APIs, newest first ' +
          '(filters: api, method, path prefix, status, since, after, limit)',
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

  f.delete(
    '/requests',
    { schema: { tags, security, summary: 'Clear the request journal', response: { 200: S.Deleted, ...errors(401) } } },
    async () => ({
      deleted: fastify.journal.clear(),
    }),
  );

  f.get(
    '/metrics',
    {
      schema: {
        tags,
        security,
        summary:
          'Prometheus metrics: requests by route and status, restores and jobs by state, transitions, rule firings',
        produces: ['text/plain'],
        response: { 200: S.Metrics, ...errors(401) },
      },
    },
    async (_request, reply) => {
      reply.type(fastify.metrics.registry.contentType);
      return fastify.metrics.text();
    },
  );
}
