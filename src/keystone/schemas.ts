// TypeBox schemas of the Keystone routes: the token request body as Keystone's own schema (keystone/auth/schema.py:
// what it checks, the validator answers its failures in Keystone's words), path parameters and query strings, and one
// response per status. They are the OpenAPI document (openapi/keystone.json).
import { type TSchema, Type } from '@sinclair/typebox';

const Text = (description?: string) => Type.String(description ? { description } : {});
const Obj = <P extends Record<string, TSchema>>(props: P, description?: string) =>
  Type.Object(props, description ? { description } : {});

// ---- the token request (POST /v3/auth/tokens) ---------------------------------------------------------------------

const IdOrName = Obj({ id: Type.Optional(Text()), name: Type.Optional(Text()) }, 'By id, or by name');
const PasswordMethod = Obj({
  user: Type.Optional(
    Obj(
      {
        id: Type.Optional(Text()),
        name: Type.Optional(Text()),
        password: Type.Optional(Text()),
        domain: Type.Optional(IdOrName),
      },
      'The user by id, or by name and domain; the password',
    ),
  ),
});
const TokenMethod = Type.Object({ id: Text('A valid token: the new one keeps its user and expiry') }, {});
const Identity = Type.Object(
  {
    methods: Type.Array(Type.String(), { description: 'password, token' }),
    password: Type.Optional(PasswordMethod),
    token: Type.Optional(TokenMethod),
  },
  { description: 'How the user authenticates' },
);
const Scope = Type.Union(
  [
    Obj({
      project: Type.Optional(
        Obj({ id: Type.Optional(Text()), name: Type.Optional(Text()), domain: Type.Optional(IdOrName) }),
      ),
      domain: Type.Optional(IdOrName),
    }),
    Type.String({ description: '"unscoped": no project even when the user has a default project' }),
  ],
  {
    description:
      'A project (by id, or by name and domain), a domain, or "unscoped". Absent: the default project of the user ' +
      'when the user has a role on it, else unscoped',
  },
);
export const Auth = Type.Object({ identity: Identity, scope: Type.Optional(Scope) });
export const TokenRequest = Type.Object({ auth: Type.Optional(Auth) });
export const NoCatalog = Type.Object({
  nocatalog: Type.Optional(Type.String({ description: 'Present: the token is answered without its catalog' })),
});

// ---- answers ----------------------------------------------------------------------------------------------------

const Link = Obj({ rel: Text(), href: Text() });
const Ref = Obj({ id: Text(), name: Text() });
const Version = Obj({
  id: Text('e.g. v3.14'),
  status: Text(),
  updated: Text(),
  links: Type.Array(Link),
  'media-types': Type.Optional(Type.Array(Obj({ base: Text(), type: Text() }))),
});
export const VersionEnvelope = Obj({ version: Version }, 'The Identity v3 version document');
export const Versions = Obj(
  { versions: Obj({ values: Type.Array(Version) }) },
  'Identity v3, and the version of each service of the catalog (keystoneauth reads the identity entries only)',
);
const Endpoint = Obj({
  id: Text(),
  interface: Text('public, internal or admin'),
  region_id: Text(),
  url: Text(),
  region: Text(),
});
const Service = Obj({ endpoints: Type.Array(Endpoint), id: Text(), type: Text(), name: Text() });
const Token = Obj({
  methods: Type.Array(Type.String()),
  user: Obj({ domain: Ref, id: Text(), name: Text(), password_expires_at: Type.Null() }),
  audit_ids: Type.Array(Type.String()),
  expires_at: Text('2026-12-06T19:32:17.000000Z'),
  issued_at: Text(),
  project: Type.Optional(Obj({ domain: Ref, id: Text(), name: Text() })),
  domain: Type.Optional(Ref),
  is_domain: Type.Optional(Type.Boolean()),
  roles: Type.Optional(Type.Array(Ref)),
  catalog: Type.Optional(Type.Array(Service)),
});
export const TokenEnvelope = Obj({ token: Token }, 'The token (its id is the X-Subject-Token header)');
const ListLinks = Obj({ self: Text(), previous: Type.Null(), next: Type.Null() });
export const CatalogEnvelope = Obj({ catalog: Type.Array(Service), links: ListLinks });
const Project = Obj({
  id: Text(),
  name: Text(),
  domain_id: Text(),
  description: Text(),
  enabled: Type.Boolean(),
  parent_id: Text(),
  is_domain: Type.Boolean(),
  tags: Type.Array(Type.String()),
  options: Type.Object({}),
  links: Obj({ self: Text() }),
});
export const ProjectList = Obj({ projects: Type.Array(Project), links: ListLinks });
export const ProjectEnvelope = Obj({ project: Project });
export const UserEnvelope = Obj({
  user: Obj({
    id: Text(),
    name: Text(),
    domain_id: Text(),
    enabled: Type.Boolean(),
    password_expires_at: Type.Null(),
    options: Type.Object({}),
    default_project_id: Type.Optional(Text()),
    email: Type.Optional(Text()),
    links: Obj({ self: Text() }),
  }),
});
export const DomainEnvelope = Obj({
  domain: Obj({
    id: Text(),
    name: Text(),
    description: Text(),
    enabled: Type.Boolean(),
    tags: Type.Array(Type.String()),
    options: Type.Object({}),
    links: Obj({ self: Text() }),
  }),
});
export const NoBody = (description: string) => Type.Null({ description });

/** Keystone's error envelope, for a status and what causes it. */
export const ErrorBody = (status: number, description: string) =>
  Obj(
    {
      error: Obj({
        code: Type.Literal(status),
        title: Text(),
        message: Text(),
        identity: Type.Optional(Obj({ methods: Type.Array(Type.String()) })),
      }),
    },
    description,
  );

// ---- parameters ---------------------------------------------------------------------------------------------------

export const ProjectParams = Type.Object({ project_id: Text('Project id') });
export const UserParams = Type.Object({ user_id: Text('User id') });
export const DomainParams = Type.Object({ domain_id: Text('Domain id') });
export const ProjectFilters = Type.Object({
  name: Type.Optional(Text('Only the project of this name')),
  domain_id: Type.Optional(Text('Only the projects of this domain')),
});
