// Vcenter API module (stub until the API work lands).
import type { ApiModuleFactory } from '../module.js';

export const createVcenter: ApiModuleFactory = () => ({
  name: 'vcenter',
  plugin: async () => {},
  validateFixtures: () => [],
  mergeFixtures: (_base, extra) => extra,
  load: () => {},
  settle: () => {},
  stateCounts: () => ({}),
  forceState: () => ({ ok: false, statusCode: 404, reason: 'not implemented' }),
});
