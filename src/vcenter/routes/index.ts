// HTTP for the vCenter appliance restore API: the legacy `/rest` generation (bodies `{"piece": …}`, results
// `{"value": …}`, JSON or 6.5-style XML) and the `/api` generation (bare bodies, JSON; and the vAPI JSON-RPC endpoint
// `POST /api`), each with its own parsers, negotiation, validation, error handler and not-found handler, so that
// every answer under those paths is in that generation's vAPI dialect. Routes: session.ts, restore.ts, generic.ts.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fastifyAccepts from '@fastify/accepts';
import {
  apiErrorBody,
  isAnswer,
  negotiate,
  restErrorBody,
  toVapiError,
  vapiError,
  type Generation,
} from '../errors.js';
import { readXmlBody, validatorCompiler } from '../input.js';
import { jsonRpcRoute } from '../jsonrpc.js';
import { NS } from '../schemas.js';
import { parseXml, toXml } from '../xml.js';
import { ACTION, ctx, header, type Deps } from './common.js';
import { genericRoutes } from './generic.js';
import { restoreRoutes } from './restore.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { sessionRoutes } from './session.js';

/** `action` (or `~action`) from the query string of /api and /rest requests; undefined elsewhere. */
function actionOf(url: string | undefined): string | undefined {
  if (!url || !(url.startsWith('/api') || url.startsWith('/rest'))) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const params = new URLSearchParams(url.slice(q + 1));
  return params.get('action') ?? params.get('~action') ?? undefined;
}

/**
 * Operations told apart by `?action=` (/api) or `?~action=` (/rest generic mapping) are separate routes, so each has
 * its own operation id for fault rules: a router constraint on the action query parameter.
 */
const actionStrategy = {
  name: ACTION,
  storage() {
    const handlers = new Map<string, unknown>();
    return {
      get: (k: string) => (handlers.get(k) ?? null) as never,
      set: (k: string, v: unknown) => void handlers.set(k, v),
    };
  },
  deriveConstraint: (req: { url?: string }) => actionOf(req.url) as string,
  mustMatchWhenDerived: false,
  validate(value: unknown) {
    if (typeof value !== 'string') throw new Error('vcenterAction constraint must be a string');
  },
};

/** Every error under the generation's paths, in its dialect (XML on /rest when the request negotiated it). */
function renderError(gen: Generation, bodyLimit: number) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const v = toVapiError(err, bodyLimit);
    if (v.status >= 500 && !isAnswer(err)) req.log.error({ err }, 'vcenter: unexpected error');
    const c = ctx(req);
    c.rep ??= negotiate(req, gen) ?? 'json';
    reply.code(v.status);
    if (v.type === 'unauthenticated') reply.header('www-authenticate', 'Basic realm="VAPI endpoint"');
    if (gen === 'api') return reply.type('application/json').send(JSON.stringify(apiErrorBody(v)));
    if (c.rep === 'xml') return reply.type('application/xml').send(toXml('Error', NS.errors, restErrorBody(v)));
    return reply.type('application/json').send(JSON.stringify(restErrorBody(v)));
  };
}

/** What both generations set up alike: validation, errors, not found, negotiation, the parsers of other types. */
function dialect(f: FastifyInstance, gen: Generation, bodyLimit: number): void {
  f.setValidatorCompiler(validatorCompiler);
  f.setErrorHandler(renderError(gen, bodyLimit));
  f.setNotFoundHandler(async (req) => {
    const path = req.url.split('?')[0];
    const text = `No matching method available for the requested URL and HTTP method: ${req.method} ${path}`;
    throw vapiError('not_found', 'com.vmware.vapi.rest.httpNotFound', text, [req.method, path]);
  });
  // Representation first: a request whose Accept we cannot satisfy gets 406 before anything else.
  f.addHook('onRequest', async (req) => {
    const rep = negotiate(req, gen);
    ctx(req).rep = rep ?? 'json';
    if (rep) return;
    const accept = header(req, 'accept');
    const types = gen === 'rest' ? 'application/json or application/xml' : 'application/json';
    const text = `Cannot produce a representation acceptable to Accept: ${accept}; use ${types}`;
    throw vapiError('invalid_request', 'com.vmware.vapi.rest.notAcceptable', text, [accept ?? ''], 406);
  });
  // Any other content type (text/plain included): an empty body is no body; anything else is 415.
  f.removeContentTypeParser('text/plain');
  f.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    const types = gen === 'rest' ? 'application/json, application/xml or text/xml' : 'application/json';
    const text = `Unsupported Content-Type: use ${types}`;
    done(vapiError('invalid_request', 'com.vmware.vapi.rest.unsupportedMediaType', text, [], 415), undefined);
  });
}

export function vcenterPlugin(deps: Deps): FastifyPluginAsync {
  const bodyLimit = deps.config.bodyLimit;
  return async (fastify) => {
    await fastify.register(fastifyAccepts);
    if (!fastify.hasConstraintStrategy(ACTION)) fastify.addConstraintStrategy(actionStrategy);
    // The shared structures the route schemas `$ref` (one definition each; components of the OpenAPI document).
    for (const schema of SHARED_SCHEMAS) fastify.addSchema(schema);

    await fastify.register(
      async (f) => {
        dialect(f, 'rest', bodyLimit);
        // XML bodies (a DOCTYPE or ENTITY refused), as the XML structure the route declares (input.ts).
        f.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (req, body, done) => {
          const text = body as string;
          if (text.trim() === '') return done(null, undefined);
          try {
            done(null, readXmlBody(req, parseXml(text)));
          } catch (err) {
            done(err as Error, undefined);
          }
        });
        sessionRoutes(f, 'rest', deps);
        restoreRoutes(f, 'rest', deps);
        genericRoutes(f, deps);
      },
      { prefix: '/rest' },
    );

    await fastify.register(
      async (f) => {
        dialect(f, 'api', bodyLimit);
        sessionRoutes(f, 'api', deps);
        restoreRoutes(f, 'api', deps);
        jsonRpcRoute(f, deps);
      },
      { prefix: '/api' },
    );
  };
}
