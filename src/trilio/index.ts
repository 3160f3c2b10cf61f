// Trilio API module: TrilioVault for OpenStack (workloadmgr) restore API under /v1.
import type { ApiModuleFactory } from '../module.js';
import { mergeSections, validateSection, type TrilioSection } from './model.js';
import { TrilioState } from './state.js';
import { registerRoutes } from './http.js';

export const createTrilio: ApiModuleFactory = (sim, config) => {
  const state = new TrilioState(sim, config.restoreRate);
  return {
    name: 'trilio',
    plugin: async (fastify) => {
      await fastify.register(async (v1) => registerRoutes(v1, { sim, config, state }), { prefix: '/v1' });
    },
    validateFixtures: (section) => validateSection(section),
    mergeFixtures: (base, extra) => mergeSections(base, extra),
    load: (section, opts) => state.load((section ?? {}) as TrilioSection, opts),
    settle: (now) => state.settle(now),
    stateCounts: () => state.stateCounts(),
    forceState: (target) => state.forceState(target),
  };
};
