// OpenStack Identity (Keystone) v3, as much as clients need to log in and find the other APIs: version discovery,
// tokens (password and token methods; project, domain or no scope; validate, check, revoke), the catalog (every
// API's catalog service, and Keystone itself), projects, users and domains to read. Its tokens are the other APIs'
// identity (ApiInstance.identity). Its descriptor. See docs/keystone.md.
import { type ClientContext, defineApi } from '../core/api.js';
import { setting } from '../core/settings.js';
import { KeystoneSection, mergeSections, validateSection } from './fixtures.js';
import { KeystoneRepository } from './repository.js';
import { keystonePlugin } from './routes/index.js';
import { KeystoneService } from './service.js';

declare module '../config.js' {
  interface Config {
    /** Keystone tokens expire this many seconds of clock time after they are issued. */
    tokenTtl: number;
  }
}

export const keystone = defineApi({
  name: 'keystone',
  prefixes: ['/v3'],
  docs: {
    title: 'OpenStack Identity (Keystone) v3 (restoresim)',
    label: 'Keystone v3',
    description:
      'The part of OpenStack Identity v3 that clients use to log in and find the TrilioVault endpoint, as emulated ' +
      'by restoresim: version discovery, tokens (password and token methods, project, domain or no scope), the ' +
      'catalog, projects, users and domains. Every response here is what the emulator answers. GET / (the ' +
      'unversioned document, 300 Multiple Choices) is served too.',
    securitySchemes: {
      keystoneToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'Keystone token.' },
    },
  },
  operations: [
    { id: 'versions.list' },
    { id: 'versions.get' },
    { id: 'tokens.create', subject: true },
    { id: 'tokens.validate' },
    { id: 'tokens.check' },
    { id: 'tokens.revoke' },
    { id: 'catalog.get' },
    { id: 'auth.projects' },
    { id: 'projects.list' },
    { id: 'projects.get' },
    { id: 'users.projects' },
    { id: 'users.get' },
    { id: 'domains.get' },
  ],
  subject: 'user name',
  outcomes: [],
  fixtures: { schema: KeystoneSection, validate: validateSection, merge: mergeSections },
  gauge: { name: 'restoresim_keystone_tokens', help: 'Keystone tokens by state.' },
  settings: [
    setting({
      key: 'tokenTtl',
      flag: 'token-ttl',
      kind: 'int',
      min: 1,
      max: 31_536_000,
      default: 3600,
      description: 'Keystone tokens expire this many seconds of clock time after they are issued.',
    }),
  ],
  client: ({ url, fetch }: ClientContext) => ({
    /** The Keystone v3 URL clients log in at (`--os-auth-url`), e.g. `http://127.0.0.1:53211/v3`. */
    authUrl: `${url}/v3`,
    /**
     * Logs in with a password (user and project by name in `domain`, default `Default`; no project: the user's
     * default project) and returns the token (X-Subject-Token). A refusal throws with Keystone's status and message.
     */
    token: async (user: string, password: string, project?: string, domain = 'Default'): Promise<string> => {
      const auth = {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: domain }, password } } },
        ...(project !== undefined ? { scope: { project: { name: project, domain: { name: domain } } } } : {}),
      };
      const res = await fetch(`${url}/v3/auth/tokens?nocatalog`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth }),
      });
      const token = res.headers.get('x-subject-token');
      if (res.status !== 201 || !token) {
        const text = await res.text();
        throw new Error(`keystone: POST /v3/auth/tokens answered ${res.status}: ${text}`);
      }
      return token;
    },
  }),
  create: ({ clock, store, config, services }) => {
    const repo = new KeystoneRepository(store);
    const service = new KeystoneService(store, repo, () => config.tokenTtl);
    return {
      plugin: keystonePlugin({ config, service, services }),
      load: (section, opts) => service.load(section, opts.mode, clock.now()),
      settle: () => {},
      counts: () => service.counts(clock.now()),
      identity: {
        resolve: (token, now) => service.resolve(token, now),
        authUri: (base) => base,
      },
    };
  },
});
