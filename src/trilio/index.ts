// The TrilioVault for OpenStack (workloadmgr) restore API under /v1: its descriptor.
import { type ClientContext, defineApi } from '../core/api.js';
import { setting } from '../core/settings.js';
import { mergeSections, TrilioSection, validateSection } from './fixtures.js';
import { TrilioRepository } from './repository.js';
import { v1Routes } from './routes/index.js';
import { TrilioService } from './service.js';

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
      'The TrilioVault for OpenStack (workloadmgr) restore API as emulated by restoresim: snapshots, restores and ' +
      'their ' +
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
  service: {
    type: 'workloads',
    name: 'TrilioVaultWLM',
    description: 'Trilio Vault Workload Manager Service',
    path: '/v1/{project_id}',
    version: { id: 'v1.0', status: 'CURRENT', updated: '2012-01-04T11:33:21Z', path: '/v1/' },
  },
  subject: 'restore name',
  outcomes: ['available', 'error', 'cancelled'],
  project: { param: 'project_id' },
  fixtures: { schema: TrilioSection, validate: validateSection, merge: mergeSections },
  gauge: { name: 'restoresim_trilio_restores', help: 'Trilio restores by state.' },
  force: {
    url: '/trilio/restores/:id/state',
    summary:
      'Move one Trilio restore to a state its lifecycle allows (workload and snapshot follow); ' +
      'impossible moves are refused',
  },
  settings: [
    setting({
      key: 'trilioErrors',
      flag: 'trilio-errors',
      kind: 'enum',
      choices: ['legacy', 'modern'],
      default: 'legacy',
      description:
        'Status codes for failed Trilio restore creation: legacy = 500 "Error" as the documented server; ' +
        'modern = 400/404.',
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
  create: ({ store, config, clock, identity }) => {
    const repo = new TrilioRepository(store);
    const service = new TrilioService(store, repo, config.restoreRate);
    return {
      plugin: async (fastify) => {
        await fastify.register(v1Routes({ config, clock, identity, repo, service }), { prefix: '/v1' });
      },
      load: (section, opts) => service.load((section ?? {}) as TrilioSection, opts),
      settle: (now) => service.settle(now),
      counts: () => repo.countsByStatus(),
      force: (target, now) => service.force(target, now),
    };
  },
});
