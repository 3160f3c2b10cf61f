// What every vCenter route shares: the request's context (its representation, who it is), rendering an answer, the
// credentials a request carries and the auth hooks, and each route's options (fault-rule operation, action
// constraint, schema from ROUTES, validation attached for the preHandler to throw).
import type { FastifyReply, FastifyRequest, FastifySchema, RouteShorthandOptions } from 'fastify';
import type { Config } from '../../config.js';
import type { Clock } from '../../core/clock.js';
import { unauthenticated, vapiError, type Generation, type Rep } from '../errors.js';
import type { Credential, AuthMode, Principal, VcenterService } from '../service.js';
import { rejectInvalid } from '../input.js';
import { toXml } from '../xml.js';
import { ROUTES, type RouteDoc } from './schemas.js';

export interface Deps {
  service: VcenterService;
  /** Read once per request by the auth hooks, which run before the request's state is settled. */
  clock: Clock;
  config: Config;
}

interface Ctx {
  rep?: Rep;
  principal?: Principal;
}
const ctxs = new WeakMap<FastifyRequest, Ctx>();
export const ctx = (req: FastifyRequest): Ctx => {
  const known = ctxs.get(req);
  if (known) return known;
  const c: Ctx = {};
  ctxs.set(req, c);
  return c;
};

/** Who the request is (routes with auth: set by their onRequest hook). */
export const principal = (req: FastifyRequest): Principal => ctx(req).principal!;

export const SESSION_HEADER = 'vmware-api-session-id';

export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The session id from a raw Cookie header (tolerates attributes such as `;Path=/rest;Secure;HttpOnly`). */
function cookieSession(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k?.trim().toLowerCase() === SESSION_HEADER)
      return (
        v
          .join('=')
          .trim()
          .replace(/^"(.*)"$/, '$1') || undefined
      );
  }
  return undefined;
}

function parseBasic(auth: string | undefined): { username: string; password: string } | undefined {
  const m = /^\s*basic\s+(\S+)\s*$/i.exec(auth ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return undefined;
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

/** The credentials of a REST request: the session id (header, else cookie) and Basic credentials. */
const credentialOf = (req: FastifyRequest): Credential => ({
  sessionId: header(req, SESSION_HEADER)?.trim() || cookieSession(header(req, 'cookie')),
  basic: parseBasic(header(req, 'authorization')),
});

/**
 * An auth hook (onRequest): authentication comes before the body is read and before fault rules, as the vendor
 * checks it, at the instant the request arrives (its state is settled later, by the root preHandler).
 */
const authHook =
  ({ service, clock }: Deps, mode: AuthMode) =>
  async (req: FastifyRequest) => {
    const p = service.authenticate(credentialOf(req), mode, clock.now());
    if (!p) throw unauthenticated();
    ctx(req).principal = p;
  };

/** Logs in with the request's Basic credentials at its settled instant: the new session id. */
export function login({ service }: Deps, req: FastifyRequest): string {
  const id = service.login(credentialOf(req).basic, req.simNow!);
  if (!id) throw unauthenticated();
  return id;
}

/** `?~action=` of the /rest generic vAPI mapping. */
const restAction = (req: FastifyRequest) => (req.query as Record<string, string | undefined>)['~action'];

/** Refuses a /rest request whose `~action` the service does not have (operation_not_found). */
export const noRestAction = (service: string) => (req: FastifyRequest) => {
  const a = restAction(req);
  if (a === undefined || a === '') return;
  throw vapiError(
    'operation_not_found',
    'com.vmware.vapi.rest.operationNotFound',
    `Operation '${a}' not found in service '${service}'`,
    [a, service],
  );
};

/** Renders an answer: XML when the request negotiated it and the answer has an XML form, else compact JSON. */
export function send(
  reply: FastifyReply,
  req: FastifyRequest,
  status: number,
  body: unknown,
  xml?: { root: string; ns: string },
) {
  reply.code(status);
  if (ctx(req).rep === 'xml' && xml)
    return reply.type('application/xml').send(toXml(xml.root, xml.ns, body as Record<string, unknown>));
  return reply.type('application/json').send(JSON.stringify(body));
}

/** The fault rules' subject: the backup location of a RestoreRequest (/rest `piece`, or the /api body). */
export const subject = (req: FastifyRequest): string | undefined => {
  const b = req.body as { piece?: { location?: unknown }; location?: unknown } | undefined;
  const loc = b?.piece?.location ?? b?.location;
  return typeof loc === 'string' ? loc : undefined;
};

const TAG = 'vCenter appliance restore';
/** The router constraint on the action query parameter (routes/index.ts). */
export const ACTION = 'vcenterAction';

export interface RouteSpec {
  gen: Generation;
  /** Fault-rule operation id (default schema key). */
  operation: string;
  summary: string;
  auth?: AuthMode | 'none';
  /** The `action` / `~action` the route answers. */
  action?: string;
  /** Schema key in ROUTES when not the operation id. */
  doc?: string;
  /** Documented under its path with this query (`…/job?action=cancel`). */
  docQuery?: string;
  /** Refuses the request before its input is checked (an action the operation does not have). */
  refuse?: (req: FastifyRequest) => void;
}

/**
 * A route's options: the fault-rule operation, the action constraint, the schema (ROUTES, by generation and `doc`
 * key), the auth hook. An operation told apart from another on the same method and path by its action is documented
 * under the path with its query, as VMware's own specs do, since one OpenAPI path holds one operation per method.
 */
export function routeOptions(deps: Deps, spec: RouteSpec): RouteShorthandOptions {
  const doc = (ROUTES[spec.gen] as Record<string, RouteDoc>)[spec.doc ?? spec.operation];
  if (!doc) throw new Error(`vcenter: no schema for ${spec.gen} ${spec.doc ?? spec.operation}`);
  const docQuery = spec.docQuery;
  return {
    config: {
      sim: { api: 'vcenter', operation: spec.operation, subject },
      ...(docQuery
        ? {
            swaggerTransform: ({ schema, url }: { schema: FastifySchema; url: string }) => ({
              schema,
              url: `${url}?${docQuery}`,
            }),
          }
        : {}),
    },
    ...(spec.action ? { constraints: { [ACTION]: spec.action } } : {}),
    schema: {
      tags: [TAG],
      summary: `${spec.summary} (${spec.gen === 'rest' ? 'legacy /rest' : '/api'})`,
      security: spec.auth === 'none' ? [{ basicAuth: [] }] : [{ vmwareSession: [] }, { basicAuth: [] }],
      ...(doc.querystring ? { querystring: doc.querystring } : {}),
      ...(doc.body ? { body: doc.body } : {}),
      response: doc.response,
    },
    // Checked by Fastify (input.ts validatorCompiler); what failed is thrown once the fault rules (root preHandlers)
    // ran, after the route's own refusal.
    attachValidation: true,
    onRequest: spec.auth === 'none' ? [] : [authHook(deps, spec.auth ?? 'any')],
    preHandler: [async (req) => spec.refuse?.(req), rejectInvalid],
  };
}
