// The Keystone HTTP surface: GET / (the unversioned document) and everything under /v3, in Keystone's dialect. Request
// bodies are JSON (the app's parser; any other type with a body is 400, as Keystone's json_body check), validated by
// the route schemas with Keystone's jsonschema-style messages, thrown after the fault rules ran; every answer carries
// `x-openstack-request-id` and `Vary: X-Auth-Token`; every error is Keystone's envelope (401s with
// `WWW-Authenticate: Keystone uri="…"`); an unknown path under /v3 is 404, a method the path does not have 405.
import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import type { FastifyInstance, FastifyPluginAsync, FastifySchemaCompiler } from 'fastify';
import { isObj } from '../../core/fixtures.js';
import { badRequest, errorBody, KeystoneError, keystoneAnswer, MSG, pyRepr, schemaMessage } from '../errors.js';
import { baseOf, type Deps, send } from './context.js';
import { projectRoutes } from './projects.js';
import { tokenRoutes } from './tokens.js';
import { rootRoute, versionRoutes } from './versions.js';

const TYPES: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.Object]: "'object'",
  [ValueErrorType.String]: "'string'",
  [ValueErrorType.Array]: "'array'",
  [ValueErrorType.Boolean]: "'boolean'",
  [ValueErrorType.Union]: "'object', 'string'",
};

/** jsonschema's words for a TypeBox error, at jsonschema's path (a missing property is reported on its parent). */
function keystoneMessage(e: ValueError): string {
  if (e.type === ValueErrorType.ObjectRequiredProperty) {
    const at = e.path.lastIndexOf('/');
    return schemaMessage(e.path.slice(0, at), `'${e.path.slice(at + 1)}' is a required property`);
  }
  const type = TYPES[e.type];
  return schemaMessage(e.path, type ? `${pyRepr(e.value)} is not of type ${type}` : e.message);
}

/** The last value of each query parameter (a parameter given twice counts once). */
const lastValues = (query: unknown) =>
  Object.fromEntries(Object.entries(query as object).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]));

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * The validator of a route schema. A body (POST /v3/auth/tokens only) must be a JSON object; its `auth` is checked
 * as Keystone checks `body.get('auth', {})`, so a missing one is "'identity' is a required property".
 */
const compileRequestSchema: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = compiled.get(schema) ?? TypeCompiler.Compile(schema);
  compiled.set(schema, check);
  const fail = (instancePath: string, message: string) => ({
    error: [{ keyword: 'keystone', instancePath, schemaPath: '', params: {}, message }],
  });
  return (data: unknown) => {
    let value = httpPart === 'querystring' ? lastValues(data) : data;
    if (httpPart === 'body') {
      if (value !== undefined && !isObj(value)) return fail('', MSG.expecting('valid JSON', 'request body'));
      value = { ...(value as object | undefined), auth: (value as { auth?: unknown } | undefined)?.auth ?? {} };
    }
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First()!;
    return fail(first.path, keystoneMessage(first));
  };
};

const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;

/** 405 for the methods a path served here does not have. */
function methodNotAllowed(f: FastifyInstance, url: string, served: readonly string[]): void {
  const others = METHODS.filter((m) => !served.includes(m));
  f.route({
    method: others,
    url,
    schema: { hide: true },
    handler: async () => {
      throw new KeystoneError(405, MSG.methodNotAllowed);
    },
  });
}

/** The plugin: the root document and the /v3 routes (registered at the root). */
export function keystonePlugin(deps: Deps): FastifyPluginAsync {
  return async (f) => {
    f.addHook('onRequest', async (request, reply) => {
      reply.header('x-openstack-request-id', request.id).header('vary', 'X-Auth-Token');
    });
    f.removeContentTypeParser('text/plain');
    f.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
      if ((body as Buffer).length === 0) return done(null, undefined);
      done(badRequest(MSG.expecting('application/json', 'Content-Type header')), undefined);
    });
    f.setValidatorCompiler(compileRequestSchema);
    // Answers are Buffers (send()): Fastify never serializes them, so no serializer is built for the schemas.
    f.setSerializerCompiler(() => (data) => JSON.stringify(data));
    f.addHook('preHandler', async (request) => {
      if (request.validationError) throw request.validationError;
    });
    f.setErrorHandler((error, request, reply) => {
      const a = keystoneAnswer(error);
      if (a.unexpected) request.log.error({ err: error }, 'keystone: unexpected error');
      if (a.status === 401) reply.header('www-authenticate', `Keystone uri="${baseOf(request, deps.config)}"`);
      return send(reply, a.status, errorBody(a.status, a.message, a.extra));
    });

    rootRoute(f, deps);
    await f.register(
      async (v3) => {
        v3.setNotFoundHandler(async () => {
          throw new KeystoneError(404, MSG.notFound);
        });
        versionRoutes(v3, deps);
        tokenRoutes(v3, deps);
        projectRoutes(v3, deps);
        const reads = ['GET', 'HEAD'];
        methodNotAllowed(v3, '/', reads);
        methodNotAllowed(v3, '/auth/tokens', ['GET', 'HEAD', 'POST', 'DELETE']);
        for (const url of ['/auth/catalog', '/auth/projects', '/projects', '/projects/:project_id'])
          methodNotAllowed(v3, url, reads);
        for (const url of ['/users/:user_id', '/users/:user_id/projects', '/domains/:domain_id'])
          methodNotAllowed(v3, url, reads);
      },
      { prefix: '/v3' },
    );
  };
}
