// Applies fault rules to emulated-API routes (routes whose config has `sim`). A preHandler at the root, so bodies
// are parsed (a rule's subject can be the restore name or backup location) and every emulated route is covered.
// Order of effects when rules fire: latency (awaited, wall time), then a dropped connection, then an immediate
// vendor-dialect HTTP error (thrown as InjectedFault for the API's own error handler), else `request.simEffects`
// carries the outcome and duration for the handler that creates the restore or job.
import fp from 'fastify-plugin';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CREATE_OPERATIONS, InjectedFault, RuleEngine, type ApiName, type CreateEffects } from '../sim/rules.js';

const CREATE_OPS = new Set<string>(Object.values(CREATE_OPERATIONS));
import { operationOf, recordRequest } from './journal.js';

export { operationOf };

/** The operations a route's sim config declares: its string operation, or the list a function resolves to. */
export function declaredOperations(sim: RouteSimConfig): readonly string[] {
  if (typeof sim.operation === 'string') return [sim.operation];
  if (!sim.operations || sim.operations.length === 0) throw new Error('sim: a function `operation` needs `operations` (what it may resolve to)');
  return sim.operations;
}

export interface RouteSimConfig {
  api: ApiName;
  /**
   * Operation id, e.g. `restores.create` (Trilio) or `job.create` (vCenter); or a function evaluated per request
   * (after the body is parsed) for a route serving several operations, e.g. the vAPI JSON-RPC `POST /api` mapping
   * serviceId/operationId to `job.create`, `job.get`, …. Rule matching, create effects, the journal and metrics use the
   * resolved operation. A function must return one of `operations`; when it throws or returns anything else, the
   * request gets `operations[0]` (the route's catch-all, e.g. `jsonrpc.invoke`).
   */
  operation: string | ((request: FastifyRequest) => string);
  /**
   * With a function `operation`: every operation it may resolve to, catch-all first (required then). The operations
   * catalogue (what rules may name), `emulatedRoutes` (one entry per operation) and the drift checks use this list.
   * Ignored for a string `operation`.
   */
  operations?: readonly string[];
  /** The restore name or backup location the request concerns, for rules' `match` regex. */
  subject?: (request: FastifyRequest) => string | undefined;
}

/** An emulated route as registered (method, pattern, api and operation), for checks and docs. */
export interface SimRoute {
  method: string;
  url: string;
  api: ApiName;
  operation: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    sim?: RouteSimConfig;
  }
  interface FastifyRequest {
    /** Effects of the rules that fired for this request, for the handler creating a restore or job. */
    simEffects: CreateEffects;
  }
  interface FastifyInstance {
    /** The fault rule engine (in memory; cleared by a full reset). */
    rules: RuleEngine;
    /** Every emulated route registered so far. */
    simRoutes: SimRoute[];
  }
}

/** The rule engine and emulated routes of an app, by its HTTP server (the app plugin's decorators are encapsulated). */
const registry = new WeakMap<object, { rules: RuleEngine; routes: SimRoute[] }>();

/** The emulated routes an app registered (method, pattern, api, operation), e.g. for docs and drift checks. */
export function emulatedRoutes(app: FastifyInstance): SimRoute[] {
  return [...(registry.get(app.server)?.routes ?? [])];
}

function projectOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, string | undefined> | undefined;
  return params?.project_id ?? params?.projectId ?? params?.project ?? params?.tenant_id;
}

export default fp(
  async (fastify) => {
    fastify.decorate('rules', new RuleEngine(fastify.runtime.config.seed));
    fastify.decorate('simRoutes', [] as SimRoute[]);
    fastify.decorateRequest('simEffects', null as unknown as CreateEffects);
    registry.set(fastify.server, { rules: fastify.rules, routes: fastify.simRoutes });

    fastify.addHook('onRoute', (route) => {
      const sim = route.config?.sim;
      if (!sim) return;
      const ops = declaredOperations(sim);
      // A route resolving its operation per request does not make each of them carry a subject (the static
      // SUBJECT_OPERATIONS table says which do); a fixed operation with a subject function does.
      for (const op of ops) fastify.rules.catalog.declare(sim.api, op, typeof sim.operation === 'string' && typeof sim.subject === 'function');
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        if (method === 'HEAD' && route.method !== 'HEAD') continue;
        for (const op of ops) fastify.simRoutes.push({ method, url: route.url, api: sim.api, operation: op });
      }
    });

    fastify.addHook('onRequest', async (request) => {
      request.simEffects = {};
    });

    fastify.addHook('preHandler', async (request, reply) => {
      const sim = request.routeOptions.config?.sim;
      if (!sim) return;
      let subject: string | undefined;
      try {
        subject = sim.subject?.(request);
      } catch {
        subject = undefined;
      }
      const operation = operationOf(request) ?? '';
      const decision = fastify.rules.evaluate({
        api: sim.api,
        operation,
        method: request.method,
        route: request.routeOptions.url ?? '',
        path: request.url.split('?')[0],
        project: projectOf(request),
        subject: typeof subject === 'string' ? subject : undefined,
      });
      if (decision.fired.length === 0) return;
      request.simRuleIds = decision.fired;
      for (const id of decision.fired) fastify.metrics.ruleFired(id);
      request.log.debug({ rules: decision.fired }, 'fault rules fired');

      if (decision.latencyMs > 0) await sleep(decision.latencyMs);

      if (decision.drop) {
        recordRequest(fastify, request, 0, reply.elapsedTime, true);
        reply.hijack();
        request.raw.socket?.destroy();
        return;
      }
      if (decision.error) {
        const e = decision.error;
        throw new InjectedFault(e.status, e.message ?? `Injected fault (rule ${decision.fired[0]})`, e.vendorError);
      }
      // Outcome and duration apply only to a request that creates (its resolved operation, not the route's).
      if (CREATE_OPS.has(operation)) request.simEffects = decision.effects;
    });
  },
  { name: 'restoresim-faults', dependencies: ['restoresim-journal'] },
);
