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
import { InjectedFault, RuleEngine, type CreateEffects, type Tentative } from '../core/rules.js';
import { operationOf, recordRequest } from './journal.js';

export { operationOf };

/** The operations a route's sim config declares: its string operation, or the list a function resolves to. */
function declaredOperations(sim: RouteSimConfig): readonly string[] {
  if (typeof sim.operation === 'string') return [sim.operation];
  if (!sim.operations || sim.operations.length === 0)
    throw new Error('sim: a function `operation` needs `operations` (what it may resolve to)');
  return sim.operations;
}

export interface RouteSimConfig {
  /** The API's name (its descriptor's). */
  api: string;
  /**
   * Operation id, one its API's descriptor declares (e.g. `restores.create`); or a function evaluated per request
   * (after the body is parsed) for a route serving several operations (e.g. a JSON-RPC endpoint). Rule matching,
   * create effects, the journal and metrics use the resolved operation. A function must return one of `operations`;
   * when it throws or returns anything else, the request gets `operations[0]` (the route's catch-all).
   */
  operation: string | ((request: FastifyRequest) => string);
  /**
   * With a function `operation`: every operation it may resolve to, catch-all first (required then). The operations
   * catalogue (what rules may name), `emulatedRoutes` (one entry per operation) and the drift checks use this list.
   * Ignored for a string `operation`.
   */
  operations?: readonly string[];
  /**
   * The request's subject (what its API's descriptor calls it: a restore name, a backup location), for rules'
   * `match.subject` regex. Called only when a rule that could fire has `match.subject`.
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
  api: string;
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
     * Ends the requests waiting out a rule's latency (all, or those of one api or project), without an answer, as a
     * reset does. (Closing the app instead cuts their waits short and lets them finish.) Returns how many.
     */
    simInterrupt(scope?: { api?: string; project?: string }): number;
  }
}

/** The emulated routes of an app, by its HTTP server (the app plugin's decorators are encapsulated). */
const registry = new WeakMap<object, SimRoute[]>();

/** The emulated routes an app registered (method, pattern, api, operation), e.g. for docs and drift checks. */
export function emulatedRoutes(app: FastifyInstance): SimRoute[] {
  return [...(registry.get(app.server) ?? [])];
}

interface Waiting {
  api: string;
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

export default fp(
  async (fastify) => {
    const emulator = fastify.emulator;
    fastify.decorate(
      'rules',
      new RuleEngine(
        emulator.config.seed,
        emulator.apis.map((a) => a.descriptor),
      ),
    );
    const catalog = fastify.rules.catalog;
    /** The request's project: its API's project path parameter (APIs with projects). */
    const projectOf = (request: FastifyRequest, api: string): string | undefined => {
      const param = catalog.api(api)?.project?.param;
      return param ? (request.params as Record<string, string | undefined> | undefined)?.[param] : undefined;
    };
    fastify.decorate('simRoutes', [] as SimRoute[]);
    fastify.decorateRequest('simEffects', null as unknown as CreateEffects);
    registry.set(fastify.server, fastify.simRoutes);

    fastify.addHook('onRoute', (route) => {
      const sim = route.config?.sim;
      if (!sim) return;
      const ops = declaredOperations(sim);
      // The descriptor is the one list of an API's operations: a route naming another is a mistake, found at start.
      if (!catalog.api(sim.api)) throw new Error(`route ${route.url}: no API "${sim.api}"`);
      for (const op of ops) {
        if (catalog.apiOf(op) !== sim.api)
          throw new Error(`route ${route.url}: "${op}" is not an operation of ${sim.api}`);
      }
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
    const interrupt = (scope: { api?: string; project?: string }, why: Waiting['why']): number => {
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
    fastify.decorate('simInterrupt', (scope: { api?: string; project?: string } = {}): number =>
      interrupt(scope, 'reset'),
    );
    // Closing cuts the waits short and lets the requests finish (a graceful shutdown answers what is in flight).
    const interruptAll = async () => {
      interrupt({}, 'close');
    };
    fastify.addHook('preClose', interruptAll);
    fastify.addHook('onClose', interruptAll);

    /** Tentative matches of create-only rules, settled once the response status is known. */
    const pending = new WeakMap<FastifyRequest, Tentative[]>();
    const confirm = (request: FastifyRequest, succeeded: boolean) => {
      const tentative = pending.get(request);
      if (!tentative) return;
      pending.delete(request);
      const stands = new Set(fastify.rules.confirm(tentative, succeeded));
      const given = new Set(tentative.filter((t) => t.fired && !stands.has(t.id)).map((t) => t.id));
      for (const id of stands) fastify.metrics.ruleFired(id);
      if (given.size) request.simRuleIds = (request.simRuleIds ?? []).filter((id) => !given.has(id));
    };
    /** Ends a request without an answer: a real client sees the socket close; `inject` rejects. */
    const hangUp = (request: FastifyRequest, reply: FastifyReply) => {
      confirm(request, false);
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
        project: projectOf(request, sim.api),
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
        const w: Waiting = {
          api: sim.api,
          project: projectOf(request, sim.api),
          abort: new AbortController(),
          why: undefined,
        };
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
      if (catalog.operation(operation)?.creates) request.simEffects = decision.effects;
    });

    // Create-only rules count (match, skip, fired, max) only when the create succeeded: confirmed when the status is
    // known (onSend runs before the journal's onResponse records the rules), else when the response ends.
    fastify.addHook('onSend', async (request, reply, payload) => {
      if (!pending.has(request)) return payload;
      const sim = request.routeOptions.config?.sim;
      const status = reply.statusCode;
      const ok = sim?.succeeded ? safe(() => sim.succeeded!(request, status, payload)) : status >= 200 && status < 300;
      confirm(request, ok);
      return payload;
    });
    fastify.addHook('onResponse', async (request) => {
      confirm(request, false);
    });
    fastify.addHook('onRequestAbort', async (request) => {
      confirm(request, false);
    });
  },
  { name: 'restoresim-faults', dependencies: ['restoresim-journal'] },
);
