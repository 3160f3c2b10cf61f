// The TrilioVault for OpenStack (workloadmgr) restore API under /v1: its descriptor.
import { defineApi, type ClientContext } from '../core/api.js';
import { setting } from '../core/settings.js';
import { Type } from '@sinclair/typebox';
import { mergeSections, validateSection, type TrilioSection } from './model.js';
import { TrilioState } from './state.js';
import { registerRoutes } from './http.js';

declare module '../config.js' {
  interface Config {
    /** Status codes for failed restore creation: legacy = 500 "Error" as the documented server; modern = 400/404. */
    trilioErrors: 'legacy' | 'modern';
  }
}

export const trilio = defineApi({
  name: 'trilio',
  prefixes: ['/v1/'],
  docs: {
    title: 'TrilioVault for OpenStack restore API (restoresim)',
    label: 'TrilioVault for OpenStack',
    description:
      'The TrilioVault for OpenStack (workloadmgr) restore API as emulated by restoresim: snapshots, restores and their ' +
      'state machine. Every response here is what the emulator answers.',
    securitySchemes: {
      keystoneToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'Keystone token.' },
    },
  },
  operations: [
    { id: 'restores.list' },
    { id: 'restores.detail' },
    { id: 'restores.get', subject: true },
    { id: 'restores.delete', subject: true },
    { id: 'restores.cancel', subject: true },
    { id: 'restores.create', creates: true, subject: true },
    { id: 'snapshots.list' },
    { id: 'snapshots.get' },
    { id: 'workloads.list' },
    { id: 'workloads.get' },
  ],
  subject: 'restore name',
  outcomes: ['available', 'error', 'cancelled'],
  project: { param: 'project_id' },
  fixtures: { schema: Type.Unknown(), validate: validateSection, merge: mergeSections },
  gauge: { name: 'restoresim_trilio_restores', help: 'Trilio restores by state.' },
  force: {
    url: '/trilio/restores/:id/state',
    summary: 'Move one Trilio restore to a state its lifecycle allows (workload and snapshot follow); impossible moves are refused',
  },
  settings: [
    setting({
      key: 'trilioErrors',
      flag: 'trilio-errors',
      kind: 'enum',
      choices: ['legacy', 'modern'],
      default: 'legacy',
      description: 'Status codes for failed Trilio restore creation: legacy = 500 "Error" as the documented server; modern = 400/404.',
    }),
  ],
  client: ({ url, call }: ClientContext) => ({
    /** The Trilio endpoint of a project, e.g. `http://127.0.0.1:53211/v1/<projectId>`. */
    endpoint: (projectId: string) => `${url}/v1/${encodeURIComponent(projectId)}`,
    /** Moves one restore to a state (`available`, `error`, `cancelled`, a running state…); refused moves throw. */
    forceState: (restoreId: string, state: string, message?: string) =>
      call<{ id?: string; state: string }>('PUT', `/trilio/restores/${encodeURIComponent(restoreId)}/state`, {
        state,
        ...(message !== undefined ? { message } : {}),
      }),
  }),
  create: ({ clock, store, config }) => {
    const state = new TrilioState(store, clock, config.restoreRate);
    return {
      plugin: async (fastify) => {
        await fastify.register(async (v1) => registerRoutes(v1, { sim: clock, config, state }), { prefix: '/v1' });
      },
      load: (section, opts) => state.load((section ?? {}) as TrilioSection, opts),
      settle: (now) => state.settle(now),
      counts: () => state.stateCounts(),
      force: (target, now) => state.forceState(target, now),
    };
  },
});
