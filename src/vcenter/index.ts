// The vCenter appliance file-based restore API module: one appliance, one restore job slot, sessions; served
// over the legacy /rest generation (JSON and 6.5-style XML), the /api generation, and vAPI JSON-RPC at POST /api.
// See docs/vcenter.md.
import type { ApiModuleFactory } from '../module.js';
import { VcenterEngine } from './engine.js';
import { mergeSections, validateSection } from './model.js';
import { vcenterPlugin } from './routes.js';

export const createVcenter: ApiModuleFactory = (sim, config) => {
  const engine = new VcenterEngine(sim, config);
  return {
    name: 'vcenter',
    plugin: vcenterPlugin(engine, config),
    validateFixtures: (section) => validateSection(section),
    mergeFixtures: (base, extra) => mergeSections(base, extra),
    load: (section, opts) => engine.load(section, opts.mode),
    settle: (now) => engine.settle(now),
    stateCounts: () => engine.stateCounts(),
    forceState: (target) => engine.forceState(target),
  };
};
