// Applies fault rules to emulated-API routes (routes whose config has `sim`). Stub: filled in by the control-plane work.
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { ApiName, CreateEffects } from '../sim/rules.js';

export interface RouteSimConfig {
  api: ApiName;
  /** Operation id, e.g. `restores.create` (Trilio) or `job.create` (vCenter). */
  operation: string;
  /** The restore name or backup location the request concerns, for rules' `match` regex. */
  subject?: (request: FastifyRequest) => string | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    sim?: RouteSimConfig;
  }
  interface FastifyRequest {
    /** Effects of the rules that fired for this request, for the handler creating a restore or job. */
    simEffects: CreateEffects;
  }
}

export default fp(
  async (fastify) => {
    fastify.decorateRequest('simEffects', null as unknown as CreateEffects);
    fastify.addHook('onRequest', async (request) => {
      request.simEffects = {};
    });
  },
  { name: 'restoresim-faults' },
);
