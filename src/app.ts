// The restoresim app as a Fastify plugin (no listen): the runtime as a decorator, the shared JSON parser, request
// logging, then the control plane and the two emulated APIs, each an encapsulated plugin with its own error dialect.
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import { Runtime } from './runtime.js';
import type { ApiModuleFactory } from './module.js';
import { createTrilio } from './trilio/index.js';
import { createVcenter } from './vcenter/index.js';
import controlPlane from './control/index.js';
import faults from './plugins/faults.js';
import journal from './plugins/journal.js';
import docs from './plugins/docs.js';

declare module 'fastify' {
  interface FastifyInstance {
    runtime: Runtime;
  }
  interface FastifyRequest {
    /**
     * The clock instant the request's state was settled at (root preHandler, after any injected latency): handlers
     * read status, progress and timestamps at this one instant. Null before the preHandler ran (e.g. on a 404).
     */
    simNow: number | null;
  }
}

export const API_FACTORIES: ApiModuleFactory[] = [createTrilio, createVcenter];

export interface AppOptions {
  runtime: Runtime;
}

/** Paths whose requests stay out of the log and the journal. */
export const QUIET_PATHS = new Set(['/_sim/health', '/_sim/ready']);

/** The app plugin. Register it on a Fastify instance made with `fastifyOptions(config)`. */
export const app: FastifyPluginAsync<AppOptions> = async (fastify, { runtime }) => {
  fastify.decorate('runtime', runtime);

  // Real clients send `Content-Type: application/json` with an empty body on GET, DELETE and on POST login or
  // cancel: an empty JSON body is no body, not an error. Malformed JSON becomes a 400 each API renders itself.
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const e = new Error(`Malformed JSON in request body: ${(err as Error).message}`) as Error & { statusCode: number; code: string };
      e.statusCode = 400;
      e.code = 'RESTORESIM_BAD_JSON';
      done(e, undefined);
    }
  });

  fastify.addHook('onResponse', async (request, reply) => {
    if (QUIET_PATHS.has(request.url.split('?')[0]!)) return;
    request.log.info(
      { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  // Graceful shutdown: Node closes only the keep-alive connections that are idle when closing starts. A reply that
  // finishes afterwards says `Connection: close`, so its client lets go and the server can finish closing.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  runtime.sim.on('transition', (e) => {
    fastify.log.info({ api: e.api, kind: e.kind, id: e.id, from: e.from, to: e.to, clock: new Date(e.at).toISOString() }, 'transition');
  });

  fastify.decorateRequest('simNow', null);

  await fastify.register(journal);
  await fastify.register(faults);
  // Every handler sees committed state: transitions due by now are written before it reads. A root preHandler added
  // after the faults plugin's, so it runs after an injected latency (a restore may finish during the sleep); routes
  // that never reach a handler (404s, auth failures) need no settle. The instant is kept for the handler.
  fastify.addHook('preHandler', async (request) => {
    request.simNow = runtime.ready ? runtime.sim.settle() : runtime.sim.now();
  });
  await fastify.register(docs);
  await fastify.register(controlPlane, { prefix: '/_sim' });
  for (const m of runtime.modules) await fastify.register(m.plugin);
};

/** Fastify server options for a config (logger, body limit, vendor-style request ids). */
export function fastifyOptions(config: Config, logger?: FastifyServerOptions['logger']): FastifyServerOptions {
  return {
    logger: logger ?? { level: config.logLevel },
    // One line per request is written by our onResponse hook (health calls excluded), not Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    bodyLimit: config.bodyLimit,
    genReqId: () => `req-${randomUUID()}`,
    forceCloseConnections: false,
    routerOptions: { ignoreTrailingSlash: true },
  };
}

/** Builds a ready (not listening) app: runtime, migrations, fixtures, routes. Closing the app closes the DB. */
export async function buildApp(
  config: Config,
  opts: { logger?: FastifyServerOptions['logger']; start?: number } = {},
): Promise<FastifyInstance> {
  const runtime = new Runtime(config, API_FACTORIES, { start: opts.start });
  const fastify = Fastify(fastifyOptions(config, opts.logger));
  fastify.addHook('onClose', async () => runtime.close());
  try {
    runtime.init();
    await fastify.register(app, { runtime });
    await fastify.ready();
  } catch (err) {
    await fastify.close().catch(() => undefined);
    runtime.close();
    throw err;
  }
  return fastify;
}
