// Shared test helpers: an in-process app on an in-memory DB with the virtual clock.
import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { APIS, buildApp, composeApp as compose } from '../src/app.js';
import type { Emulator } from '../src/emulator.js';
import { validateConfig, type Config } from '../src/config.js';
import { connectRestoreSim, type RestoreSimClient } from '../src/index.js';
import type { ApiDescriptor } from '../src/core/api.js';

/** A fixed virtual start time so timestamps in tests are stable. */
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

export async function testApp(overrides: Partial<Config> = {}, start = T0): Promise<FastifyInstance> {
  const config = validateConfig({ db: ':memory:', clock: 'virtual', logLevel: 'silent', port: 0, ...overrides });
  return buildApp(config, { logger: false, start });
}

/**
 * The app on a fresh Fastify instance, as buildApp assembles it, but with the APIs given (test-only stubs, say) and a
 * chance to add root hooks before the app plugin (`before`). Not ready yet: register more, or call ready/listen.
 */
export async function composeApp(
  overrides: Partial<Config> = {},
  apis: readonly ApiDescriptor[] = APIS,
  before?: (app: FastifyInstance) => void,
): Promise<{ app: FastifyInstance; emulator: Emulator }> {
  const config = validateConfig({ db: ':memory:', clock: 'virtual', logLevel: 'silent', port: 0, ...overrides });
  return compose(config, { logger: false, start: T0, apis, before });
}

/** The real app with every route's options (as Fastify registered them) passed to `onRoute`. Used by the schema tests. */
export async function appRecordingRoutes(
  onRoute: (route: RouteOptions) => void,
  overrides: Partial<Config> = {},
  before?: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const { app } = await composeApp(overrides, APIS, (a) => {
    a.addHook('onRoute', onRoute);
    before?.(a);
  });
  await app.ready();
  return app;
}

/**
 * A real API's descriptor (its name, operations, outcomes, force route) whose instance loads, settles and counts
 * nothing and serves `plugin`: a stand-in for that API in control-plane tests.
 */
export const stubApi = (api: ApiDescriptor, plugin: FastifyPluginAsync = async () => {}): ApiDescriptor => ({
  ...api,
  create: () => ({
    plugin,
    load: () => {},
    settle: () => {},
    counts: () => ({}),
    force: () => ({ ok: false, statusCode: 404, reason: 'probe' }),
  }),
});

export interface Harness {
  app: FastifyInstance;
  emulator: Emulator;
  sim: RestoreSimClient;
  url: string;
}

/** An app with the given APIs listening on a loopback port, and the library client connected to it. */
export async function listeningHarness(
  apis: readonly ApiDescriptor[],
  overrides: Partial<Config> = {},
): Promise<Harness> {
  const { app, emulator } = await composeApp(overrides, apis);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const sim = await connectRestoreSim(url, { adminToken: overrides.adminToken });
  return { app, emulator, sim, url };
}

/** A checker of values against schemas whose `$ref`s point among `shared`: one readable line per problem. */
export function schemaChecker(shared: TSchema[]): (schema: TSchema, value: unknown) => string[] {
  const compiled = new Map<TSchema, TypeCheck<TSchema>>();
  return (schema, value) => {
    let c = compiled.get(schema);
    if (!c) {
      c = TypeCompiler.Compile(schema, shared);
      compiled.set(schema, c);
    }
    return [...c.Errors(value)].map((e) => `${e.path || '/'}: ${e.message} (got ${JSON.stringify(e.value)})`);
  };
}
