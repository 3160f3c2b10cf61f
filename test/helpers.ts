// Shared test helpers: an in-process app on an in-memory DB with the virtual clock.
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { API_FACTORIES, app as appPlugin, buildApp, fastifyOptions } from '../src/app.js';
import { Runtime } from '../src/runtime.js';
import { validateConfig, type Config } from '../src/config.js';

/** A fixed virtual start time so timestamps in tests are stable. */
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

export async function testApp(overrides: Partial<Config> = {}, start = T0): Promise<FastifyInstance> {
  const config = validateConfig({ db: ':memory:', clock: 'virtual', logLevel: 'silent', port: 0, ...overrides });
  return buildApp(config, { logger: false, start });
}

/**
 * The app exactly as buildApp makes it, but with every route's options (as Fastify registered them) passed to
 * `onRoute` first, and a chance to add root hooks before the app plugin (`before`). Used by the schema tests.
 */
export async function appRecordingRoutes(
  onRoute: (route: RouteOptions) => void,
  overrides: Partial<Config> = {},
  before?: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const config = validateConfig({ db: ':memory:', clock: 'virtual', logLevel: 'silent', port: 0, ...overrides });
  const runtime = new Runtime(config, API_FACTORIES, { start: T0 });
  const app = Fastify(fastifyOptions(config, false));
  app.addHook('onClose', async () => runtime.close());
  app.addHook('onRoute', onRoute);
  before?.(app);
  runtime.init();
  await app.register(appPlugin, { runtime });
  await app.ready();
  return app;
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
