// What every Trilio route uses: its dependencies, the caller (set by the auth hook), the route options (schemas,
// fault-rule config, validation attached for the vendor's own faults), the view context and the answer writer.
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import type { Identity } from '../../core/api.js';
import type { Clock } from '../../core/clock.js';
import { baseUrl, baseUrlWithPort, requestOrigin } from '../../core/urls.js';
import { negotiate } from '../errors.js';
import type { TrilioRepository } from '../repository.js';
import type { TrilioService } from '../service.js';
import type { ViewContext } from '../views.js';
import { toXml } from '../xml.js';

/** Who calls: a known token's project, user and admin flag, or an unknown token's (the URL's project). */
export interface Caller {
  project: string;
  user: string;
  admin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The Trilio caller (auth hook); null before it ran. */
    trilio: Caller | null;
  }
}

export interface RouteDeps {
  config: Config;
  clock: Clock;
  /** Tokens issued by the identity API (strict and permissive auth both honour them). */
  identity: Identity;
  repo: TrilioRepository;
  service: TrilioService;
}

export const caller = (request: FastifyRequest): Caller => request.trilio!;

/** The instant the request's state was settled at (app.ts preHandler): every handler reads and writes at it. */
export const simNow = (request: FastifyRequest): number => request.simNow!;

/** Newest first by `created_at` (the vendor's list order for snapshots and workloads). */
export const newestFirst = <T extends { created_at: string }>(rows: T[]): T[] =>
  rows.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));

/** An admin's `?all=` or `?all_workloads=`: true, 1 or yes. */
export const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes'].includes(v.toLowerCase());

export function viewContext(request: FastifyRequest, deps: RouteDeps): ViewContext {
  const base = baseUrl(requestOrigin(request), deps.config.publicUrl);
  return { base, now: simNow(request), appliance: deps.repo.config() };
}

/** The `uri` of keystonemiddleware's `WWW-Authenticate: Keystone uri="…"`: the identity API's, else the base URL. */
export const authUri = (request: FastifyRequest, deps: RouteDeps): string => {
  const base = baseUrlWithPort(requestOrigin(request), deps.config.publicUrl);
  return deps.identity.authUri(base) ?? base;
};

interface RouteSchema {
  params: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  response: Record<string, TSchema>;
}

/**
 * The options of a route: its fault-rule operation (and subject), its schemas and OpenAPI summary. Validation is
 * attached, not answered by Fastify: the plugin's preHandler throws it after the fault rules ran, as the vendor's
 * fault (errors.ts).
 */
export function route(
  operation: string,
  summary: string,
  schema: RouteSchema,
  subject?: (request: FastifyRequest) => string | undefined,
): RouteShorthandOptions {
  const family = operation.slice(0, operation.indexOf('.'));
  const tag = `Trilio ${family[0]!.toUpperCase()}${family.slice(1)}`;
  return {
    attachValidation: true,
    config: { sim: { api: 'trilio', operation, subject } },
    schema: { tags: [tag], summary, security: [{ keystoneToken: [] }], ...schema },
  };
}

/**
 * Answers `body` (null: an empty body) as JSON or XML, as negotiated. Buffers keep the Content-Type exactly as the
 * vendor sends it (Fastify would append a charset to strings) and the views' key order.
 */
export function send(request: FastifyRequest, reply: FastifyReply, status: number, body: object | null): FastifyReply {
  reply.code(status).header('x-compute-request-id', request.id);
  if (body === null) return reply.header('content-type', 'application/json').send(Buffer.alloc(0));
  const { rep, type } = negotiate(request);
  if (rep === 'xml') {
    return reply.header('content-type', type).send(Buffer.from(toXml(body as Record<string, unknown>)));
  }
  return reply.header('content-type', type).send(Buffer.from(JSON.stringify(body)));
}
