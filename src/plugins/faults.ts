// Applies fault rules to emulated-API routes (routes whose config has `sim`). A preHandler at the root, so bodies
// are parsed (a rule's subject can be the restore name or backup location) and every emulated route is covered.
// Order of effects when rules fire: latency (awaited, wall time, at most MAX_LATENCY_MS in all; when the client goes
// away or a reset covers the request, the wait ends and the request ends unanswered; when the app closes, the wait
// is cut short and the request finishes, so a graceful shutdown never waits out a latency), then a dropped connection,
// then an immediate vendor-dialect HTTP error (thrown as InjectedFault for the API's own error handler), else
// `request.simEffects` carries the outcome and duration for the handler that creates the restore or job. Rules
// whose only effects are those create effects count (matched/skip, fired/max) only when the create succeeds.
import fp from 'fastify-plugin';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CREATE_OPERATIONS, InjectedFault, RuleEngine, type ApiName, type CreateEffects, type Tentative } from '../sim/rules.js';

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
  /**
   * The restore name or backup location the request concerns, for rules' `match.subject` regex. Called only when a
   * rule that could fire has `match.subject`.
   */
  subject?: (request: FastifyRequest) => string | undefined;
  /**
   * Whether the request created what it asked for (create operations), for counting create-only rules (outcome,
   * durationSeconds): they count as matched and fired only when it did. Default: a 2xx status. A route answering
   * errors with 200 (JSON-RPC) gives its own test; `payload` is the serialized body.
   */
  succeeded?: (request: FastifyRequest, statusCode: number, payload: unknown) => boolean;
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
    /**
     * Ends the requests waiting out a rule's latency (all, or those of one api or Trilio project), without an answer,
     * as a reset does. (Closing the app instead cuts their waits short and lets them finish.) Returns how many.
     */
    simInterrupt(scope?: { api?: ApiName; project?: string }): number;
  }
}

/** The rule engine and emulated routes of an app, by its HTTP server (the app plugin's decorators are encapsulated). */
const registry = new WeakMap<object, { rules: RuleEngine; routes: SimRoute[] }>();

/** The emulated routes an app registered (method, pattern, api, operation), e.g. for docs and drift checks. */
export function emulatedRoutes(app: FastifyInstance): SimRoute[] {
  return [...(registry.get(app.server)?.routes ?? [])];
}

interface Waiting {
  api: ApiName;
  project: string | undefined;
  abort: AbortController;
  /** What ended the wait: the client went away or a reset (the request then ends unanswered), or the app closing. */
  why: 'client' | 'reset' | 'close' | undefined;
}

function safe(f: () => boolean): boolean {
  try {
    return f() === true;
  } catch {
    return false;
  }
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

    // Requests waiting out a rule's latency, so a reset (of their scope) and closing the app can end the wait.
    const waiting = new Set<Waiting>();
    const interrupt = (scope: { api?: ApiName; project?: string }, why: Waiting['why']): number => {
      let n = 0;
      for (const w of waiting) {
        if (scope.api !== undefined && w.api !== scope.api) continue;
        if (scope.project !== undefined && w.project !== scope.project) continue;
        if (w.abort.signal.aborted) continue;
        w.why = why;
        w.abort.abort(new Error(why));
        n++;
      }
      return n;
    };
    fastify.decorate('simInterrupt', (scope: { api?: ApiName; project?: string } = {}): number => interrupt(scope, 'reset'));
    // Closing cuts the waits short and lets the requests finish (a graceful shutdown answers what is in flight).
    const interruptAll = async () => {
      interrupt({}, 'close');
    };
    fastify.addHook('preClose', interruptAll);
    fastify.addHook('onClose', interruptAll);

    /** Tentative matches of create-only rules, settled once the response status is known. */
    const pending = new WeakMap<FastifyRequest, Tentative[]>();
    const settle = (request: FastifyRequest, succeeded: boolean) => {
      const tentative = pending.get(request);
      if (!tentative) return;
      pending.delete(request);
      const stands = new Set(fastify.rules.settle(tentative, succeeded));
      const given = new Set(tentative.filter((t) => t.fired && !stands.has(t.id)).map((t) => t.id));
      for (const id of stands) fastify.metrics.ruleFired(id);
      if (given.size) request.simRuleIds = (request.simRuleIds ?? []).filter((id) => !given.has(id));
    };
    /** Ends a request without an answer: a real client sees the socket close; `inject` rejects. */
    const hangUp = (request: FastifyRequest, reply: FastifyReply) => {
      settle(request, false);
      recordRequest(fastify, request, 0, reply.elapsedTime, true);
      reply.hijack();
      reply.raw.destroy();
    };

    fastify.addHook('preHandler', async (request, reply) => {
      const sim = request.routeOptions.config?.sim;
      if (!sim) return;
      const operation = operationOf(request) ?? '';
      const decision = fastify.rules.evaluate({
        api: sim.api,
        operation,
        method: request.method,
        route: request.routeOptions.url ?? '',
        path: request.url.split('?')[0],
        project: projectOf(request),
        // Called only when a rule that could fire has match.subject.
        subject: sim.subject ? () => sim.subject!(request) : undefined,
      });
      if (decision.tentative.length) pending.set(request, decision.tentative);
      if (decision.fired.length === 0) return;
      request.simRuleIds = decision.fired;
      const tentative = new Set(decision.tentative.map((t) => t.id));
      for (const id of decision.fired) if (!tentative.has(id)) fastify.metrics.ruleFired(id);
      request.log.debug({ rules: decision.fired }, 'fault rules fired');

      if (decision.latencyMs > 0) {
        // Interruptible: the client going away or a reset of the request's scope ends the wait and the request
        // quietly (no answer, nothing done); the app closing ends the wait and the request goes on.
        const w: Waiting = { api: sim.api, project: projectOf(request), abort: new AbortController(), why: undefined };
        const gone = () => {
          if (w.abort.signal.aborted) return;
          w.why = 'client';
          w.abort.abort(new Error('client closed'));
        };
        waiting.add(w);
        reply.raw.once('close', gone);
        try {
          if (reply.raw.destroyed || request.raw.socket?.destroyed) gone();
          await sleep(decision.latencyMs, undefined, { signal: w.abort.signal });
        } catch {
          // Aborted.
        } finally {
          waiting.delete(w);
          reply.raw.off('close', gone);
        }
        if (w.abort.signal.aborted && w.why !== 'close') {
          request.log.debug({ rules: decision.fired }, 'request ended while waiting out rule latency');
          hangUp(request, reply);
          return;
        }
      }

      if (decision.drop) {
        hangUp(request, reply);
        return;
      }
      if (decision.error) {
        const e = decision.error;
        throw new InjectedFault(e.status, e.message ?? `Injected fault (rule ${decision.fired[0]})`, e.vendorError);
      }
      // Outcome and duration apply only to a request that creates (its resolved operation, not the route's).
      if (CREATE_OPS.has(operation)) request.simEffects = decision.effects;
    });

    // Create-only rules count (match, skip, fired, max) only when the create succeeded: settled when the status is
    // known (onSend runs before the journal's onResponse records the rules), else when the response ends.
    fastify.addHook('onSend', async (request, reply, payload) => {
      if (!pending.has(request)) return payload;
      const sim = request.routeOptions.config?.sim;
      const status = reply.statusCode;
      const ok = sim?.succeeded ? safe(() => sim.succeeded!(request, status, payload)) : status >= 200 && status < 300;
      settle(request, ok);
      return payload;
    });
    fastify.addHook('onResponse', async (request) => {
      settle(request, false);
    });
    fastify.addHook('onRequestAbort', async (request) => {
      settle(request, false);
    });
  },
  { name: 'restoresim-faults', dependencies: ['restoresim-journal'] },
);
