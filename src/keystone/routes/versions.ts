// Version discovery (keystoneauth's first call): GET /v3, Identity v3's version document, and GET /, Keystone's
// unversioned document (300 Multiple Choices) listing Identity v3 and the version of every catalog service.
import type { FastifyInstance } from 'fastify';
import { Versions, VersionEnvelope } from '../schemas.js';
import { identityVersion, rootVersions } from '../views.js';
import { baseOf, type Deps, route, send } from './context.js';

/** GET / (registered at the root: the unversioned document is not under /v3). Hidden from the OpenAPI documents,
 * whose paths are split by prefix. */
export function rootRoute(f: FastifyInstance, deps: Deps): void {
  const opts = route('versions.list', 'Keystone versions', { response: { 300: Versions } }, { auth: false });
  f.get('/', { ...opts, schema: { ...opts.schema, hide: true } }, async (request, reply) =>
    send(reply, 300, rootVersions(baseOf(request, deps.config), deps.services)),
  );
}

/** GET /v3 (and /v3/): the Identity v3 version document. */
export function versionRoutes(v3: FastifyInstance, deps: Deps): void {
  v3.get(
    '/',
    route('versions.get', 'The Identity v3 version document', { response: { 200: VersionEnvelope } }, { auth: false }),
    async (request, reply) => send(reply, 200, { version: identityVersion(baseOf(request, deps.config)) }),
  );
}
