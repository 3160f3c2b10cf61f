// What every Keystone route uses: its dependencies, the base URL of its answers, the caller's token (X-Auth-Token,
// valid at the request's instant, else 401), the route options (fault-rule operation, schemas, validation attached
// for the plugin's preHandler to throw in Keystone's words) and the answer writer.
import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Config } from '../../config.js';
import type { CatalogService } from '../../core/api.js';
import { baseUrlWithPort, requestOrigin } from '../../core/urls.js';
import { unauthorized } from '../errors.js';
import { ErrorBody } from '../schemas.js';
import type { KeystoneService, LiveToken } from '../service.js';

export interface Deps {
  config: Config;
  service: KeystoneService;
  /** The catalog services of every API (their catalog entries and version entries). */
  services: readonly CatalogService[];
}

/** The instant the request's state was settled at (app.ts preHandler): every handler reads and writes at it. */
export const simNow = (request: FastifyRequest): number => request.simNow!;

/** The base URL of answers (links, catalog): `--public-url`, else the request's scheme and Host, with a port. */
export const baseOf = (request: FastifyRequest, config: Config): string =>
  baseUrlWithPort(requestOrigin(request), config.publicUrl);

/** The request's own URL under the base (a list's `links.self`). */
export const selfOf = (request: FastifyRequest, config: Config): string =>
  `${baseOf(request, config)}${request.url.replace(/\?$/, '')}`;

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s?.trim() || undefined;
};

/** The caller's token: X-Auth-Token, valid at the request's instant; 401 otherwise. */
export function caller(request: FastifyRequest, { service }: Deps): LiveToken {
  const token = header(request, 'x-auth-token');
  const live = token === undefined ? undefined : service.live(token, simNow(request));
  if (!live) throw unauthorized();
  return live;
}

/** The token the request is about (X-Subject-Token). */
export const subjectToken = (request: FastifyRequest) => header(request, 'x-subject-token');

/** Holds the admin role on its scope (Keystone's `admin_required`). */
export const isAdmin = (t: LiveToken) => t.facts.roles.some((r) => r.name === 'admin');

interface RouteSchema {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  response: Record<string, TSchema>;
}

const TAGS: Record<string, string> = {
  versions: 'Keystone versions',
  tokens: 'Keystone tokens',
  catalog: 'Keystone tokens',
  auth: 'Keystone tokens',
  projects: 'Keystone projects',
  users: 'Keystone users and domains',
  domains: 'Keystone users and domains',
};

/** The errors every authenticated route may answer. */
const AUTH_ERRORS = {
  401: ErrorBody(401, 'No X-Auth-Token, or one unknown, expired or revoked'),
};

/**
 * The options of a route: its fault-rule operation (and subject), schemas and OpenAPI summary. Validation is
 * attached, not answered by Fastify: the plugin's preHandler throws it once the fault rules ran, in Keystone's words.
 */
export function route(
  operation: string,
  summary: string,
  schema: RouteSchema,
  opts: { auth?: boolean; subject?: (request: FastifyRequest) => string | undefined } = {},
): RouteShorthandOptions {
  const auth = opts.auth ?? true;
  return {
    attachValidation: true,
    config: { sim: { api: 'keystone', operation, subject: opts.subject } },
    schema: {
      tags: [TAGS[operation.slice(0, operation.indexOf('.'))]!],
      summary,
      ...(auth ? { security: [{ keystoneToken: [] }] } : {}),
      ...schema,
      response: { ...schema.response, ...(auth ? AUTH_ERRORS : {}) },
    },
  };
}

/**
 * Answers `body` as JSON (null: no body, as HEAD and 204 are). A Buffer keeps Keystone's exact Content-Type
 * (`application/json`, no charset) and the views' key order.
 */
export function send(reply: FastifyReply, status: number, body: object | null): FastifyReply {
  if (status === 204) return reply.code(204).send();
  reply.code(status).header('content-type', 'application/json');
  return reply.send(body === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body)));
}
