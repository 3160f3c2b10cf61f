// The shapes of Keystone's answers, pure (no SQL): version documents, the token body, the catalog, and projects,
// users and domains with their list envelopes. `base` is the emulator's base URL with an explicit port.
import { createHash } from 'node:crypto';
import type { CatalogService } from '../core/api.js';
import type { DomainFx, ProjectFx, RoleFx, UserFx } from './fixtures.js';
import { keystoneTime, type TokenRow } from './lifecycle.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** The Identity v3 version entry (GET /v3, and first in GET /). */
export const identityVersion = (base: string) => ({
  id: 'v3.14',
  status: 'stable',
  updated: '2020-04-07T00:00:00Z',
  links: [{ rel: 'self', href: `${base}/v3/` }],
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
});

/** Keystone's unversioned document, with the version entry of every catalog service beside Identity's. */
export const rootVersions = (base: string, services: readonly CatalogService[]) => ({
  versions: {
    values: [
      identityVersion(base),
      ...services.map(({ version: v }) => ({
        id: v.id,
        status: v.status,
        updated: v.updated,
        links: [{ rel: 'self', href: `${base}${v.path}` }],
      })),
    ],
  },
});

/** Keystone itself in its catalog. */
const IDENTITY: Pick<CatalogService, 'type' | 'name' | 'path'> = { type: 'identity', name: 'keystone', path: '/v3' };
const INTERFACES = ['public', 'internal', 'admin'] as const;
const PROJECT_PLACEHOLDER = /\{(project_id|tenant_id)\}/g;

/**
 * The catalog: Identity, then every service, each with a public, internal and admin endpoint in the region. A
 * service whose path needs a project is left out of a catalog without one (a domain-scoped token's), as Keystone
 * leaves out the endpoints it cannot format. Ids are fixed: the MD5 of the type (and interface).
 */
export function catalog(base: string, region: string, services: readonly CatalogService[], project: string | null) {
  const all = [IDENTITY, ...services].filter((s) => project !== null || !s.path.match(PROJECT_PLACEHOLDER));
  return all.map((s) => {
    const url = `${base}${s.path.replace(PROJECT_PLACEHOLDER, () => project ?? '')}`;
    return {
      endpoints: INTERFACES.map((i) => ({ id: md5(`${s.type}:${i}`), interface: i, region_id: region, url, region })),
      id: md5(s.type),
      type: s.type,
      name: s.name,
    };
  });
}

type Catalog = ReturnType<typeof catalog>;
const ref = (x: { id: string; name: string }) => ({ id: x.id, name: x.name });

/** What a token body says beside its own row: who, scoped to what, with which roles, and the catalog if any. */
export interface TokenFacts {
  user: UserFx & { domain_id: string };
  userDomain: DomainFx;
  project?: { project: ProjectFx; domain: DomainFx };
  domain?: DomainFx;
  roles: RoleFx[];
  catalog?: Catalog;
}

export function tokenBody(row: TokenRow, f: TokenFacts) {
  const scoped = f.project ? true : !!f.domain;
  return {
    token: {
      methods: row.methods,
      user: { domain: ref(f.userDomain), id: f.user.id, name: f.user.name, password_expires_at: null },
      audit_ids: row.audit_ids,
      expires_at: keystoneTime(row.expires_ms),
      issued_at: keystoneTime(row.issued_ms),
      ...(f.project ? { project: { domain: ref(f.project.domain), ...ref(f.project.project) } } : {}),
      ...(f.domain ? { domain: ref(f.domain) } : {}),
      ...(f.project ? { is_domain: false } : {}),
      ...(scoped ? { roles: f.roles.map(ref) } : {}),
      ...(f.catalog ? { catalog: f.catalog } : {}),
    },
  };
}

/** The links of a list: itself, and no pages. */
const listLinks = (self: string) => ({ self, previous: null, next: null });

export const catalogBody = (c: Catalog, self: string) => ({ catalog: c, links: listLinks(self) });

export const projectView = (base: string, p: ProjectFx & { domain_id: string }) => ({
  id: p.id,
  name: p.name,
  domain_id: p.domain_id,
  description: p.description ?? '',
  enabled: true,
  parent_id: p.domain_id,
  is_domain: false,
  tags: p.tags ?? [],
  options: {},
  links: { self: `${base}/v3/projects/${p.id}` },
});

export const projectList = (base: string, self: string, projects: (ProjectFx & { domain_id: string })[]) => ({
  projects: projects.map((p) => projectView(base, p)),
  links: listLinks(self),
});

export const userView = (base: string, u: UserFx & { domain_id: string }) => ({
  user: {
    id: u.id,
    name: u.name,
    domain_id: u.domain_id,
    enabled: true,
    password_expires_at: null,
    options: {},
    ...(u.default_project_id ? { default_project_id: u.default_project_id } : {}),
    ...(u.email !== undefined ? { email: u.email } : {}),
    links: { self: `${base}/v3/users/${u.id}` },
  },
});

export const domainView = (base: string, d: DomainFx) => ({
  domain: {
    id: d.id,
    name: d.name,
    description: d.description ?? '',
    enabled: true,
    tags: [],
    options: {},
    links: { self: `${base}/v3/domains/${d.id}` },
  },
});
