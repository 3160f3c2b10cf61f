// The vCenter appliance file-based restore API: one appliance, one restore job slot, sessions; served over the legacy
// /rest generation (JSON and 6.5-style XML), the /api generation, and vAPI JSON-RPC at POST /api. Its descriptor.
// See docs/vcenter.md.
import { defineApi, type ClientContext } from '../core/api.js';
import { setting } from '../core/settings.js';
import { VcenterSectionSchema, mergeSections, validateSection } from './fixtures.js';
import { vcenterPlugin } from './routes/index.js';
import { VcenterService } from './service.js';
import { tunnelledMethod } from './input.js';

declare module '../config.js' {
  interface Config {
    /** vCenter API sessions expire after this many idle seconds of clock time. */
    sessionIdle: number;
  }
}

export const vcenter = defineApi({
  name: 'vcenter',
  prefixes: ['/rest/', '/api/'],
  docs: {
    title: 'VMware vCenter appliance file-based restore API (restoresim)',
    label: 'vCenter appliance restore',
    description:
      'The vCenter Server appliance file-based restore API (appliance/recovery/restore) and the sessions it ' +
      'needs, as ' +
      'emulated by restoresim. Every response here is what the emulator answers.',
    securitySchemes: {
      vmwareSession: {
        type: 'apiKey',
        in: 'header',
        name: 'vmware-api-session-id',
        description: 'vCenter API session id.',
      },
      basicAuth: { type: 'http', scheme: 'basic', description: 'vCenter user name and password (session creation).' },
    },
  },
  operations: [
    { id: 'session.create' },
    { id: 'session.get' },
    { id: 'session.delete' },
    { id: 'restore.validate', subject: true },
    { id: 'job.create', creates: true, subject: true },
    { id: 'job.get' },
    { id: 'job.cancel' },
    /** The vAPI JSON-RPC endpoint (/api and /rest): any operation; its subject is the backup location when given. */
    { id: 'jsonrpc.invoke', subject: true },
  ],
  subject: 'backup location',
  outcomes: ['SUCCEEDED', 'FAILED'],
  vendorError: { pattern: /^[a-z][a-z_]*$/, hint: 'a vAPI error type in snake case, e.g. service_unavailable' },
  fixtures: { schema: VcenterSectionSchema, validate: validateSection, merge: mergeSections },
  gauge: { name: 'restoresim_vcenter_jobs', help: 'vCenter restore jobs by state.' },
  force: {
    url: '/vcenter/job/state',
    summary:
      'Move the vCenter restore job to a state its lifecycle allows (the appliance follows); ' +
      'impossible moves are refused',
  },
  rewrite: tunnelledMethod,
  settings: [
    setting({
      key: 'sessionIdle',
      flag: 'session-idle',
      kind: 'int',
      min: 1,
      max: 31_536_000,
      default: 1800,
      description: 'vCenter API sessions expire after this many idle seconds of clock time.',
    }),
  ],
  client: ({ url, call }: ClientContext) => ({
    /** Base URL of the appliance (`/rest/...` and `/api/...` live under it). */
    url,
    /** Moves the restore job to a state (`SUCCEEDED`, `FAILED`…); refused moves throw. */
    forceState: (state: string, message?: string) =>
      call<{ state: string }>('PUT', '/vcenter/job/state', { state, ...(message !== undefined ? { message } : {}) }),
  }),
  create: ({ clock, store, config }) => {
    const service = new VcenterService(store, config);
    return {
      plugin: vcenterPlugin({ service, clock, config }),
      load: (section, opts) => service.load(section, opts.mode),
      settle: (now) => service.settle(now),
      counts: () => service.counts(),
      force: (target, now) => service.force(target, now),
    };
  },
});
