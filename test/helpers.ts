// Shared test helpers: an in-process app on an in-memory DB with the virtual clock.
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type RouteOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { API_FACTORIES, app as appPlugin, buildApp, fastifyOptions } from '../src/app.js';
import { Runtime } from '../src/runtime.js';
import { validateConfig, type Config } from '../src/config.js';
import { connectRestoreSim, type RestoreSimClient } from '../src/index.js';
import type { ApiModule, ApiModuleFactory } from '../src/module.js';
import type { ApiName } from '../src/sim/rules.js';

/** A fixed virtual start time so timestamps in tests are stable. */
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

export async function testApp(overrides: Partial<Config> = {}, start = T0): Promise<FastifyInstance> {
  const config = validateConfig({ db: ':memory:', clock: 'virtual', logLevel: 'silent', port: 0, ...overrides });
  return buildApp(config, { logger: false, start });
}

/**
 * The app plugin on a fresh Fastify instance, as buildApp assembles it, but with the API modules given (test-only
 * stubs, say) and a chance to add root hooks before the app plugin (`before`). Not ready yet: register more, or call
 * ready/listen.
 */
export async function composeApp(
  overrides: Partial<Config> = {},
  factories: ApiModuleFactory[] = API_FACTORIES,
  before?: (app: FastifyInstance) => void,
): Promise<{ app: FastifyInstance; runtime: Runtime }> {
  const config = validateConfig({ db: ':memory:', clock: 'virtual', logLevel: 'silent', port: 0, ...overrides });
  const runtime = new Runtime(config, factories, { start: T0 });
  const app = Fastify(fastifyOptions(config, false));
  app.addHook('onClose', async () => runtime.close());
  before?.(app);
  runtime.init();
  await app.register(appPlugin, { runtime });
  return { app, runtime };
}

/** The real app with every route's options (as Fastify registered them) passed to `onRoute`. Used by the schema tests. */
export async function appRecordingRoutes(
  onRoute: (route: RouteOptions) => void,
  overrides: Partial<Config> = {},
  before?: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const { app } = await composeApp(overrides, API_FACTORIES, (a) => {
    a.addHook('onRoute', onRoute);
    before?.(a);
  });
  await app.ready();
  return app;
}

/** An API module that loads, settles and counts nothing: a stand-in for a real API in control-plane tests. */
export const stubModule = (name: ApiName, plugin: FastifyPluginAsync = async () => {}): ApiModule => ({
  name,
  plugin,
  validateFixtures: () => [],
  mergeFixtures: (_b, e) => e,
  load: () => {},
  settle: () => {},
  stateCounts: () => ({}),
  forceState: () => ({ ok: false, statusCode: 404, reason: 'probe' }),
});

export interface Harness {
  app: FastifyInstance;
  runtime: Runtime;
  sim: RestoreSimClient;
  url: string;
}

/** An app with the given API modules listening on a loopback port, and the library client connected to it. */
export async function listeningHarness(factories: ApiModuleFactory[], overrides: Partial<Config> = {}): Promise<Harness> {
  const { app, runtime } = await composeApp(overrides, factories);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const sim = await connectRestoreSim(url, { adminToken: overrides.adminToken });
  return { app, runtime, sim, url };
}

/** A checker of values against schemas whose `$ref`s point among `shared`: one readable line per problem. */
export function schemaChecker(shared: TSchema[]): (schema: TSchema, value: unknown) => string[] {
  const compiled = new Map<TSchema, TypeCheck<TSchema>>();
  return (schema, value) => {
    let c = compiled.get(schema);
    if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema, shared)));
    return [...c.Errors(value)].map((e) => `${e.path || '/'}: ${e.message} (got ${JSON.stringify(e.value)})`);
  };
}
