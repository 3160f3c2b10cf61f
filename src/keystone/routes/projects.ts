// Projects, users and domains as the `openstack` CLI reads them: every project (admin role), a user's projects
// (python-openstackclient's fallback when listing every project is forbidden), one project, one user, one domain.
// Policies as Keystone's defaults: admin, or the caller's own user, project or domain.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden, KeystoneError, MSG } from '../errors.js';
import {
  DomainEnvelope,
  DomainParams,
  ErrorBody,
  ProjectEnvelope,
  ProjectFilters,
  ProjectList,
  ProjectParams,
  UserEnvelope,
  UserParams,
} from '../schemas.js';
import { domainView, projectList, projectView, userView } from '../views.js';
import { baseOf, caller, type Deps, isAdmin, route, selfOf, send } from './context.js';

const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name]!;
const forbiddenBody = (what: string) => ErrorBody(403, what);
const notFoundBody = (what: string) => ErrorBody(404, what);

export function projectRoutes(v3: FastifyInstance, deps: Deps): void {
  const { service, config } = deps;

  v3.get(
    '/projects',
    route('projects.list', 'Every project (admin role), by name or domain', {
      querystring: ProjectFilters,
      response: { 200: ProjectList, 403: forbiddenBody('A token without the admin role') },
    }),
    async (request, reply) => {
      const me = caller(request, deps);
      if (!isAdmin(me)) throw forbidden('identity:list_projects');
      const q = request.query as { name?: string; domain_id?: string };
      const projects = service
        .directory()
        .projects.filter(
          (p) =>
            (q.name === undefined || p.name === q.name) && (q.domain_id === undefined || p.domain_id === q.domain_id),
        );
      return send(reply, 200, projectList(baseOf(request, config), selfOf(request, config), projects));
    },
  );

  v3.get(
    '/projects/:project_id',
    route('projects.get', 'One project (a member of it, or admin)', {
      params: ProjectParams,
      response: {
        200: ProjectEnvelope,
        403: forbiddenBody('A project the user has no role on, without the admin role'),
        404: notFoundBody('An unknown project'),
      },
    }),
    async (request, reply) => {
      const me = caller(request, deps);
      const id = param(request, 'project_id');
      const project = service.project(id);
      if (!project) throw new KeystoneError(404, MSG.projectNotFound(id));
      const member = service.projectsOf(me.facts.user).some((p) => p.id === id);
      if (!member && !isAdmin(me)) throw forbidden('identity:get_project');
      return send(reply, 200, { project: projectView(baseOf(request, config), project) });
    },
  );

  v3.get(
    '/users/:user_id/projects',
    route('users.projects', "The projects a user has a role on (the caller's own, or admin)", {
      params: UserParams,
      response: {
        200: ProjectList,
        403: forbiddenBody('Another user, without the admin role'),
        404: notFoundBody('An unknown user'),
      },
    }),
    async (request, reply) => {
      const me = caller(request, deps);
      const id = param(request, 'user_id');
      if (id !== me.row.user_id && !isAdmin(me)) throw forbidden('identity:list_user_projects');
      const user = service.user(id);
      if (!user) throw new KeystoneError(404, MSG.userNotFound(id));
      const projects = service.projectsOf(user);
      return send(reply, 200, projectList(baseOf(request, config), selfOf(request, config), projects));
    },
  );

  v3.get(
    '/users/:user_id',
    route('users.get', "One user (the caller's own, or admin)", {
      params: UserParams,
      response: {
        200: UserEnvelope,
        403: forbiddenBody('Another user, without the admin role'),
        404: notFoundBody('An unknown user'),
      },
    }),
    async (request, reply) => {
      const me = caller(request, deps);
      const id = param(request, 'user_id');
      const user = service.user(id);
      if (!user) throw new KeystoneError(404, MSG.userNotFound(id));
      if (id !== me.row.user_id && !isAdmin(me)) throw forbidden('identity:get_user');
      return send(reply, 200, userView(baseOf(request, config), user));
    },
  );

  v3.get(
    '/domains/:domain_id',
    route('domains.get', "One domain (the token's domain or its project's, or admin)", {
      params: DomainParams,
      response: {
        200: DomainEnvelope,
        403: forbiddenBody("Not the token's domain nor its project's, without the admin role"),
        404: notFoundBody('An unknown domain'),
      },
    }),
    async (request, reply) => {
      const me = caller(request, deps);
      const id = param(request, 'domain_id');
      const domain = service.domain({ id });
      if (!domain) throw new KeystoneError(404, MSG.domainNotFound(id));
      const own = me.row.domain_id === id || me.facts.project?.domain.id === id;
      if (!own && !isAdmin(me)) throw forbidden('identity:get_domain');
      return send(reply, 200, domainView(baseOf(request, config), domain));
    },
  );
}
