// The Keystone fixtures section: the region, domains, roles (with the roles they imply), projects, users (password,
// default project, role assignments on projects or domains) and tokens to pre-seed. Its TypeBox schema, its checks
// (one line per problem: the schema's, then duplicates and unknown references), the defaults of absent keys and the
// merge of two sections (lists matched by id, the later entry winning).
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { isObj, mergeBy, type Obj, schemaProblems } from '../core/fixtures.js';

const Text = () => Type.String({ minLength: 1, errorMessage: 'must be a non-empty string' });
const Words = () => Type.String({ errorMessage: 'must be a string' });
const Entry = <P extends Record<string, TSchema>>(props: P) =>
  Type.Object({ id: Text(), ...props }, { errorMessage: 'must be an object' });
const List = <T extends TSchema>(entry: T) => Type.Optional(Type.Array(entry, { errorMessage: 'must be an array' }));
const Names = () => Type.Array(Text(), { errorMessage: 'must be an array of role names' });

const Domain = Entry({ name: Text(), description: Type.Optional(Words()) });
const Role = Entry({ name: Text(), implies: Type.Optional(Names()) });
const Project = Entry({
  name: Text(),
  domain_id: Type.Optional(Text()),
  description: Type.Optional(Words()),
  tags: Type.Optional(Type.Array(Words(), { errorMessage: 'must be an array of strings' })),
});
/** A role assignment: a role (by name) on one project or one domain. */
const Assignment = Type.Object(
  { role: Text(), project_id: Type.Optional(Text()), domain_id: Type.Optional(Text()) },
  { additionalProperties: false, errorMessage: 'must be an object {"role", "project_id" or "domain_id"}' },
);
const User = Entry({
  name: Text(),
  password: Words(),
  domain_id: Type.Optional(Text()),
  default_project_id: Type.Optional(
    Type.Union([Text(), Type.Null()], { errorMessage: 'must be a project id or null' }),
  ),
  email: Type.Optional(Words()),
  roles: Type.Optional(Type.Array(Assignment, { errorMessage: 'must be an array of role assignments' })),
});
/** A token to pre-seed: scoped to a project (or a domain, or neither); it expires at `expires_at` (ISO 8601). */
const Token = Entry({
  user_id: Text(),
  project_id: Type.Optional(Text()),
  domain_id: Type.Optional(Text()),
  expires_at: Type.Optional(
    Type.String({
      pattern: '^\\d{4}-\\d\\d-\\d\\dT',
      errorMessage: 'must be an ISO 8601 time, e.g. 2026-12-06T19:32:17Z',
    }),
  ),
});

const LISTS = {
  domains: List(Domain),
  roles: List(Role),
  projects: List(Project),
  users: List(User),
  tokens: List(Token),
};
export const KeystoneSection = Type.Object(
  { region: Type.Optional(Text()), ...LISTS },
  { additionalProperties: false },
);
export type KeystoneSection = Static<typeof KeystoneSection>;
export type DomainFx = Static<typeof Domain>;
export type RoleFx = Static<typeof Role>;
export type ProjectFx = Static<typeof Project>;
export type UserFx = Static<typeof User>;
export type TokenFx = Static<typeof Token>;

type ListKey = keyof typeof LISTS;
const LIST_KEYS = Object.keys(LISTS) as ListKey[];

/** A section with every default filled in: what the service works with. */
export interface Directory {
  region: string;
  domains: DomainFx[];
  roles: RoleFx[];
  projects: (ProjectFx & { domain_id: string })[];
  users: (UserFx & { domain_id: string })[];
  tokens: TokenFx[];
}

/** The defaults of absent keys: region RegionOne, the Default domain, the roles admin → member → reader. */
const DEFAULTS = {
  region: 'RegionOne',
  domains: [{ id: 'default', name: 'Default', description: 'The default domain' }],
  roles: [
    { id: '420e1e933428cf27993e5feb2debfe26', name: 'admin', implies: ['member'] },
    { id: 'fb7b3d894df6f65a91ee85733ac21890', name: 'member', implies: ['reader'] },
    { id: '0daddd16fdb6735fa996f4c368b9d11e', name: 'reader' },
  ],
};

export function normalizeSection(raw: unknown): Directory {
  const s = (isObj(raw) ? raw : {}) as KeystoneSection;
  return {
    region: s.region ?? DEFAULTS.region,
    domains: s.domains ?? DEFAULTS.domains,
    roles: s.roles ?? DEFAULTS.roles,
    projects: (s.projects ?? []).map((p) => ({ ...p, domain_id: p.domain_id ?? 'default' })),
    users: (s.users ?? []).map((u) => ({ ...u, domain_id: u.domain_id ?? 'default' })),
    tokens: s.tokens ?? [],
  };
}

/** The objects of one list of a section (whatever else the list holds). */
function entries(section: Obj, key: string): Obj[] {
  const list = section[key];
  return Array.isArray(list) ? list.map((e) => (isObj(e) ? e : {})) : [];
}

/**
 * Checks a section on its own: the schema, duplicate ids (and names within a domain), then references (a user's
 * roles, projects and domains, a token's user and project), each checked only when the section holds the list
 * referenced, so that a merge may add users to projects loaded earlier.
 */
export function validateSection(section: unknown): string[] {
  if (!isObj(section)) return ['must be an object'];
  const problems = schemaProblems(KeystoneSection, section);
  const ids: Record<string, Set<string>> = {};
  for (const key of LIST_KEYS) {
    ids[key] = new Set();
    const names = new Set<string>();
    entries(section, key).forEach((e, i) => {
      if (typeof e.id === 'string' && e.id !== '') {
        if (ids[key]!.has(e.id)) problems.push(`.${key}[${i}].id: duplicate id "${e.id}"`);
        ids[key]!.add(e.id);
      }
      if (key === 'tokens' || typeof e.name !== 'string') return;
      const where = key === 'users' || key === 'projects' ? `${e.domain_id ?? 'default'}/` : '';
      if (names.has(where + e.name)) problems.push(`.${key}[${i}].name: duplicate name "${e.name}"`);
      names.add(where + e.name);
    });
  }
  const roleNames = new Set(entries(section, 'roles').map((r) => r.name));
  const known = (list: ListKey, id: unknown) =>
    typeof id !== 'string' || !Array.isArray(section[list]) || ids[list]!.has(id);
  const role = (name: unknown) => typeof name !== 'string' || !Array.isArray(section.roles) || roleNames.has(name);
  entries(section, 'roles').forEach((r, i) => {
    (Array.isArray(r.implies) ? r.implies : []).forEach((name, j) => {
      if (!role(name)) problems.push(`.roles[${i}].implies[${j}]: unknown role "${name}"`);
    });
  });
  entries(section, 'projects').forEach((p, i) => {
    if (!known('domains', p.domain_id)) problems.push(`.projects[${i}].domain_id: unknown domain "${p.domain_id}"`);
  });
  entries(section, 'users').forEach((u, i) => {
    if (!known('domains', u.domain_id)) problems.push(`.users[${i}].domain_id: unknown domain "${u.domain_id}"`);
    if (u.default_project_id !== null && !known('projects', u.default_project_id))
      problems.push(`.users[${i}].default_project_id: unknown project "${u.default_project_id}"`);
    (Array.isArray(u.roles) ? u.roles : []).forEach((a: Obj, j: number) => {
      const at = `.users[${i}].roles[${j}]`;
      if (!isObj(a)) return;
      if ((a.project_id === undefined) === (a.domain_id === undefined))
        problems.push(`${at}: must name either a project_id or a domain_id`);
      if (!role(a.role)) problems.push(`${at}.role: unknown role "${a.role}"`);
      if (!known('projects', a.project_id)) problems.push(`${at}.project_id: unknown project "${a.project_id}"`);
      if (!known('domains', a.domain_id)) problems.push(`${at}.domain_id: unknown domain "${a.domain_id}"`);
    });
  });
  entries(section, 'tokens').forEach((t, i) => {
    if (!known('users', t.user_id)) problems.push(`.tokens[${i}].user_id: unknown user "${t.user_id}"`);
    if (!known('projects', t.project_id)) problems.push(`.tokens[${i}].project_id: unknown project "${t.project_id}"`);
    if (t.project_id !== undefined && t.domain_id !== undefined)
      problems.push(`.tokens[${i}]: a token is scoped to a project or a domain, not both`);
    if (typeof t.expires_at === 'string' && Number.isNaN(Date.parse(t.expires_at)))
      problems.push(`.tokens[${i}].expires_at: not a valid time "${t.expires_at}"`);
  });
  return problems;
}

/** Merges two sections: the region from extra wins; list entries matched by id, extra's replacing base's. */
export function mergeSections(base: unknown, extra: unknown): KeystoneSection {
  const b = isObj(base) ? base : {};
  const out: Obj = { ...b };
  for (const [k, v] of Object.entries(isObj(extra) ? extra : {})) {
    const both = (LIST_KEYS as string[]).includes(k) && Array.isArray(v) && Array.isArray(b[k]);
    out[k] = both ? mergeBy('id', b[k] as Obj[], v as Obj[]) : v;
  }
  return out as KeystoneSection;
}
