// The Trilio HTTP surface under /v1: content parsers (JSON, the app's; an empty body of any type is no body), auth
// and negotiation in the vendor's order (token, Accept, the URL's project), validation by the route schemas answered
// as the vendor's faults, the error and not-found handlers (every error in the fault envelope), then the routes.
import { createHash } from 'node:crypto';
import fastifyAccepts from '@fastify/accepts';
import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
import type { FastifyPluginAsync, FastifySchemaCompiler } from 'fastify';
import {
  CHECK,
  type CheckName,
  type Failure,
  faultBody,
  MSG,
  TokenRejected,
  TrilioFault,
  tokenRejectedBody,
  vendorAnswer,
} from '../errors.js';
import { SHARED_SCHEMAS } from '../schemas.js';
import { authUri, type Caller, type RouteDeps, send } from './context.js';
import { createRoutes } from './create.js';
import { restoreRoutes } from './restores.js';
import { snapshotRoutes } from './snapshots.js';
import { workloadRoutes } from './workloads.js';

/** The project of a `/v1/{project_id}/…` URL. */
function projectFromUrl(url: string): string | undefined {
  const segments = url.split('?')[0]!.split('/');
  return segments[1] === 'v1' && segments[2] ? decodeURIComponent(segments[2]) : undefined;
}

/** The last value of each query parameter: one given twice counts once, with its last value (webob's MultiDict). */
const lastValues = (query: unknown) =>
  Object.fromEntries(Object.entries(query as object).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]));

/** Compiled checks by schema: the schemas are constants, so every app (and every route sharing one) reuses them. */
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * The validator of a route schema (params, querystring, body): TypeBox, every failed constraint reported with the
 * vendor check it makes (summaries of an allOf left out), for errors.ts to answer the first one's fault.
 */
const compileRequestSchema: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = compiled.get(schema) ?? TypeCompiler.Compile(schema, SHARED_SCHEMAS);
  compiled.set(schema, check);
  return (data: unknown) => {
    const value = httpPart === 'querystring' ? lastValues(data) : data;
    if (check.Check(value)) return { value };
    const failures: Failure[] = [...check.Errors(value)]
      .filter((e) => e.type !== ValueErrorType.Intersect)
      .map((e) => {
        const made = (e.schema as { [CHECK]?: CheckName })[CHECK];
        const params = { check: made, value: e.value };
        return { keyword: made ?? 'schema', instancePath: e.path, schemaPath: '', params, message: e.message };
      });
    return { error: failures };
  };
};

/**
 * Who a token is (the auth hook, at the request's arrival): a fixture token's principal; else an identity API's
 * (a token issued by it, valid now); else, with `--auth permissive`, anyone, for the URL's project. `rejected` is
 * keystonemiddleware's 401; `unscoped` (a valid token without a project) the API's own 401. A known token's project
 * must be the URL's (400 Malformed request url, the vendor's check).
 */
function callerOf(token: string, deps: RouteDeps, urlProject: string): Caller | 'rejected' | 'unscoped' {
  const fixture = deps.repo.token(token);
  let caller: Caller;
  if (fixture) {
    caller = { project: fixture.project_id, user: fixture.user_id, admin: fixture.admin === true };
  } else {
    const p = deps.identity.resolve(token, deps.clock.now());
    if (p) {
      if (p.project === null) return 'unscoped';
      caller = { project: p.project, user: p.user, admin: p.admin };
    } else if (deps.config.auth === 'strict') {
      return 'rejected';
    } else {
      // Permissive: any other token works, for the URL's project; its user is derived from the token.
      return { project: urlProject, user: createHash('md5').update(token).digest('hex'), admin: false };
    }
  }
  if (urlProject !== '' && urlProject !== caller.project) throw new TrilioFault(400, MSG.malformedUrl);
  return caller;
}

/** The plugin of the routes under /v1 (register it with that prefix). */
export const v1Routes =
  (deps: RouteDeps): FastifyPluginAsync =>
  async (v1) => {
    const { config } = deps;
    await v1.register(fastifyAccepts);

    // Request bodies are JSON (the app's parser): any other type is 415, unless the body is empty.
    v1.removeContentTypeParser('text/plain');
    v1.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
      if ((body as Buffer).length === 0) return done(null, undefined);
      done(new TrilioFault(415, MSG.badMediaType), undefined);
    });

    v1.decorateRequest('trilio', null);
    v1.addHook('onRequest', async (request, reply) => {
      reply.header('x-compute-request-id', request.id);
      const token = request.headers['x-auth-token'];
      if (typeof token !== 'string' || token.trim() === '') throw new TokenRejected();
      const caller = callerOf(token, deps, projectFromUrl(request.url) ?? '');
      if (caller === 'rejected') throw new TokenRejected();
      if (caller === 'unscoped') throw new TrilioFault(401, MSG.unauthorized);
      request.trilio = caller;
    });

    // Route schemas validate with TypeBox; a failure is attached to the request rather than answered, and thrown
    // here, once the fault rules and the settle (root preHandlers) have run, as the vendor's fault (errors.ts).
    v1.setValidatorCompiler(compileRequestSchema);
    for (const schema of SHARED_SCHEMAS) v1.addSchema(schema);
    // Answers are Buffers written by send() (the views' key order, the vendor's exact Content-Type): Fastify never
    // serializes them, but its own serializer compiler would build a fast-json-stringify function for every response
    // schema at start (about 0.3 s per app). This one builds nothing.
    v1.setSerializerCompiler(() => (data) => JSON.stringify(data));
    v1.addHook('preHandler', async (request) => {
      if (request.validationError) throw request.validationError;
    });

    v1.setErrorHandler((error, request, reply) => {
      if (error instanceof TokenRejected) {
        reply.header('www-authenticate', `Keystone uri="${authUri(request, deps)}"`);
        reply.code(401).header('content-type', 'application/json; charset=UTF-8');
        return reply.send(Buffer.from(JSON.stringify(tokenRejectedBody())));
      }
      const answer = vendorAnswer(error, config.trilioErrors);
      if (answer.unexpected) request.log.error({ err: error }, 'trilio: unexpected error');
      return send(request, reply, answer.status, faultBody(answer.status, answer.message));
    });
    v1.setNotFoundHandler(async () => {
      throw new TrilioFault(404, MSG.notFound);
    });

    restoreRoutes(v1, deps);
    createRoutes(v1, deps);
    snapshotRoutes(v1, deps);
    workloadRoutes(v1, deps);
  };
