// Tokens (/v3/auth/…): issue (POST), validate (GET), check (HEAD) and revoke (DELETE) a token, and what the token
// itself gives: its catalog and the projects its user may scope to.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden, KeystoneError, MSG } from '../errors.js';
import { CatalogEnvelope, ErrorBody, NoBody, NoCatalog, ProjectList, TokenEnvelope, TokenRequest } from '../schemas.js';
import type { AuthBody, LiveToken } from '../service.js';
import { catalog, catalogBody, projectList, tokenBody } from '../views.js';
import { baseOf, caller, type Deps, isAdmin, route, selfOf, send, simNow, subjectToken } from './context.js';

/** The user a token request names (fault rules' `match.subject`): the password method's user name, else its id. */
const userOf = (request: FastifyRequest) => {
  const user = (request.body as { auth?: AuthBody } | undefined)?.auth?.identity?.password?.user;
  return user?.name ?? user?.id;
};

const wantsCatalog = (request: FastifyRequest) => !('nocatalog' in (request.query as object));

const SUBJECT_ERRORS = {
  403: ErrorBody(403, "Another user's token, without the admin role"),
  404: ErrorBody(404, 'X-Subject-Token unknown, expired or revoked'),
};

export function tokenRoutes(v3: FastifyInstance, deps: Deps): void {
  const { service, config, services } = deps;

  /** The token body, with the catalog of its scope unless unscoped or `?nocatalog`. */
  const body = (request: FastifyRequest, t: LiveToken) => {
    const scoped = t.row.project_id !== null || t.row.domain_id !== null;
    const region = service.directory().region;
    const c =
      scoped && wantsCatalog(request)
        ? catalog(baseOf(request, config), region, services, t.row.project_id)
        : undefined;
    return tokenBody(t.row, { ...t.facts, catalog: c });
  };

  /** The subject token, valid, and the caller allowed to see it (admin, or its own user's): Keystone's order. */
  const subject = (request: FastifyRequest, action: string): LiveToken => {
    const me = caller(request, deps);
    const id = subjectToken(request);
    if (id === undefined) throw new KeystoneError(404, 'No token in the request');
    const t = service.live(id, simNow(request));
    if (!t) throw new KeystoneError(404, MSG.tokenNotFound(id));
    if (!isAdmin(me) && me.row.user_id !== t.row.user_id) throw forbidden(action);
    return t;
  };

  v3.post(
    '/auth/tokens',
    route(
      'tokens.create',
      'Issue a token (password or token method; project, domain or no scope)',
      {
        querystring: NoCatalog,
        body: TokenRequest,
        response: {
          201: TokenEnvelope,
          400: ErrorBody(400, 'Malformed JSON, a body Keystone refuses, a user or project by name without a domain'),
          401: ErrorBody(401, 'Wrong user or password, an unsupported method, a scope the user has no role on'),
          404: ErrorBody(404, 'The token method with a token unknown, expired or revoked'),
        },
      },
      { auth: false, subject: userOf },
    ),
    async (request, reply) => {
      const t = service.issue((request.body as { auth: AuthBody }).auth, simNow(request));
      reply.header('x-subject-token', t.row.id);
      return send(reply, 201, body(request, t));
    },
  );

  v3.get(
    '/auth/tokens',
    {
      ...route('tokens.validate', 'Validate a token (X-Subject-Token)', {
        querystring: NoCatalog,
        response: { 200: TokenEnvelope, ...SUBJECT_ERRORS },
      }),
      exposeHeadRoute: false,
    },
    async (request, reply) => {
      const t = subject(request, 'identity:validate_token');
      reply.header('x-subject-token', t.row.id);
      return send(reply, 200, body(request, t));
    },
  );

  v3.head(
    '/auth/tokens',
    route('tokens.check', 'Check a token (X-Subject-Token)', {
      response: { 200: NoBody('Valid'), ...SUBJECT_ERRORS },
    }),
    async (request, reply) => {
      const t = subject(request, 'identity:check_token');
      reply.header('x-subject-token', t.row.id);
      return send(reply, 200, null);
    },
  );

  v3.delete(
    '/auth/tokens',
    route('tokens.revoke', 'Revoke a token (X-Subject-Token)', {
      response: { 204: NoBody('Revoked'), ...SUBJECT_ERRORS },
    }),
    async (request, reply) => {
      const t = subject(request, 'identity:revoke_token');
      service.revoke(t.row.id, simNow(request));
      return send(reply, 204, null);
    },
  );

  v3.get(
    '/auth/catalog',
    route('catalog.get', "The token's catalog", {
      response: { 200: CatalogEnvelope, 403: ErrorBody(403, 'A token not scoped to a project') },
    }),
    async (request, reply) => {
      const me = caller(request, deps);
      if (me.row.project_id === null) throw new KeystoneError(403, MSG.catalogNeedsProject);
      const region = service.directory().region;
      const c = catalog(baseOf(request, config), region, services, me.row.project_id);
      return send(reply, 200, catalogBody(c, selfOf(request, config)));
    },
  );

  v3.get(
    '/auth/projects',
    route('auth.projects', "The projects the token's user has a role on", { response: { 200: ProjectList } }),
    async (request, reply) => {
      const me = caller(request, deps);
      const projects = service.projectsOf(me.facts.user);
      return send(reply, 200, projectList(baseOf(request, config), selfOf(request, config), projects));
    },
  );
}
