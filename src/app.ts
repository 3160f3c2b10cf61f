// The restoresim app as a Fastify plugin (no listen): the emulator as a decorator, the shared JSON parser, request
// logging, then the control plane and the emulated APIs (src/apis.ts), each an encapsulated plugin with its own
// error dialect.
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyServerOptions,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Config } from './config.js';
import { resolveTls, type TlsMaterial } from './tls.js';
import { Emulator } from './emulator.js';
import type { ApiDescriptor } from './core/api.js';
import { APIS } from './apis.js';
import controlPlane from './control/index.js';
import faults from './plugins/faults.js';
import journal, { QUIET_PATHS } from './plugins/journal.js';
import metrics from './plugins/metrics.js';
import docs from './plugins/docs.js';

declare module 'fastify' {
  interface FastifyInstance {
    emulator: Emulator;
  }
  interface FastifyRequest {
    /**
     * The clock instant the request's state was settled at (root preHandler, after any injected latency): handlers
     * read status, progress and timestamps at this one instant. Null before the preHandler ran (e.g. on a 404).
     */
    simNow: number | null;
  }
}

export { APIS };

export interface AppOptions {
  emulator: Emulator;
}

/** The app plugin. Register it on a Fastify instance made with `fastifyOptions(config)`. */
export const app: FastifyPluginAsync<AppOptions> = async (fastify, { emulator }) => {
  fastify.decorate('emulator', emulator);

  // Fastify's own JSON parser (prototype poisoning refused), except that real clients send
  // `Content-Type: application/json` with an empty body on GET, DELETE and on POST login or cancel: an empty JSON
  // body is no body, not an error. Malformed JSON is a 400 (code RESTORESIM_BAD_JSON) each API renders itself.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    parseJson(req, text, (err, value) => {
      if (!err) return done(null, value);
      const e = new Error(`Malformed JSON in request body: ${err.message}`) as Error & {
        statusCode: number;
        code: string;
      };
      e.statusCode = 400;
      e.code = 'RESTORESIM_BAD_JSON';
      done(e, undefined);
    });
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

  const off = emulator.onTransition((e) => {
    const { api, kind, id, from, to } = e;
    fastify.log.info({ api, kind, id, from, to, clock: new Date(e.at).toISOString() }, 'transition');
  });
  fastify.addHook('onClose', async () => off());

  fastify.decorateRequest('simNow', null);

  await fastify.register(metrics);
  await fastify.register(journal);
  await fastify.register(faults);
  // Every handler sees committed state: transitions due by now are written before it reads. A root preHandler added
  // after the faults plugin's, so it runs after an injected latency (a restore may finish during the sleep); routes
  // that never reach a handler (404s, auth failures) need no settle. The instant is kept for the handler.
  fastify.addHook('preHandler', async (request) => {
    request.simNow = emulator.ready ? emulator.settle() : emulator.now();
  });
  await fastify.register(docs);
  // A path no API owns: a plain JSON 404 (each API answers its own paths' in its dialect), logged and journaled.
  const owned = emulator.apis.flatMap((a) => a.descriptor.prefixes).join(', ');
  fastify.setNotFoundHandler((request, reply) => {
    const text = `No route ${request.method} ${request.url.split('?')[0]}; the emulated APIs are under ${owned}`;
    reply.code(404).send({ error: 'not_found', message: `${text} (control plane /_sim, docs /docs)` });
  });
  await fastify.register(controlPlane, { prefix: '/_sim' });
  for (const a of emulator.apis) await fastify.register(a.instance.plugin);
};

/**
 * Fastify server options for a config (logger, body limit, vendor-style request ids, the APIs' rewrites); with
 * `tls` and `config.tls`, the server is HTTPS.
 */
export function fastifyOptions(
  config: Config,
  logger?: FastifyServerOptions['logger'],
  apis: readonly ApiDescriptor[] = APIS,
  tls?: TlsMaterial,
): FastifyServerOptions & { https?: https.ServerOptions } {
  const rewrites = apis.flatMap((a) => (a.rewrite ? [a.rewrite] : []));
  return {
    ...(rewrites.length
      ? {
          rewriteUrl: (req) => {
            let url = req.url ?? '/';
            for (const rewrite of rewrites) url = rewrite(req) ?? url;
            return url;
          },
        }
      : {}),
    ...(config.tls && tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    logger: logger ?? { level: config.logLevel },
    // One line per request is written by our onResponse hook (health calls excluded), not Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    bodyLimit: config.bodyLimit,
    genReqId: () => `req-${randomUUID()}`,
    forceCloseConnections: false,
    routerOptions: { ignoreTrailingSlash: true },
  };
}

type AppOpts = {
  logger?: FastifyServerOptions['logger'];
  start?: number;
  apis?: readonly ApiDescriptor[];
  /** The certificate (src/tls.ts resolveTls); made from the config when it asks for TLS and none is given. */
  tls?: TlsMaterial;
};

/** Builds a ready (not listening) app: runtime, migrations, fixtures, routes. Closing the app closes the DB. */
export async function buildApp(config: Config, opts: AppOpts = {}): Promise<FastifyInstance> {
  const { app: fastify } = await composeApp(config, opts);
  try {
    await fastify.ready();
  } catch (err) {
    await fastify.close().catch(() => undefined);
    throw err;
  }
  return fastify;
}

/** The HTTPS server beside an app's plain HTTP one (`tlsPort`), made by composeApp, listened on by listenApp. */
const BESIDE = new WeakMap<FastifyInstance, https.Server>();

/**
 * The app on a new Fastify instance, not ready yet (register more, or call ready/listen): the emulator (migrated,
 * fixtures loaded) and the app plugin. `apis` (default: APIS) and `before` (root hooks added before the app plugin)
 * are for tests. Closing the app closes the database, and the HTTPS listener beside it (`tlsPort`).
 */
export async function composeApp(
  config: Config,
  opts: AppOpts & { before?: (app: FastifyInstance) => void } = {},
): Promise<{ app: FastifyInstance; emulator: Emulator; tls: TlsMaterial | undefined }> {
  const tls = opts.tls ?? (await resolveTls(config));
  let emulator: Emulator;
  try {
    emulator = new Emulator(config, opts.apis ?? APIS, { start: opts.start });
  } catch (err) {
    tls?.dispose();
    throw err;
  }
  const fastify: FastifyInstance = Fastify(fastifyOptions(config, opts.logger, opts.apis ?? APIS, tls));
  fastify.addHook('onClose', async () => {
    emulator.close();
    tls?.dispose();
  });
  if (tls && config.tlsPort !== undefined) besideListener(fastify, tls);
  try {
    opts.before?.(fastify);
    emulator.init();
    await fastify.register(app, { emulator });
  } catch (err) {
    await fastify.close().catch(() => undefined);
    emulator.close();
    throw err;
  }
  return { app: fastify, emulator, tls };
}

/**
 * An HTTPS server that hands its requests to the app's router (same routes, hooks and state; `request.protocol`
 * is `https`). Graceful shutdown as for the app's own server: preClose stops it accepting connections and closes its
 * idle keep-alive ones; requests in flight finish (answering `Connection: close`), and an onClose hook, which runs
 * before the one closing the database (hooks run last-added first), waits until they have.
 */
function besideListener(fastify: FastifyInstance, tls: TlsMaterial): void {
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => fastify.routing(req, res));
  BESIDE.set(fastify, server);
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
    }));
  fastify.addHook('preClose', async () => {
    void close();
  });
  fastify.addHook('onClose', async () => close());
}

/** Where a listening app answers: `url` on its port; `httpsUrl` when it serves HTTPS (`url` itself, or `tlsPort`). */
export interface Listening {
  url: string;
  httpsUrl?: string;
}

/**
 * Listens on `config.port` (HTTPS with `config.tls`) and, with `config.tlsPort`, HTTPS beside it. A failure is an
 * Error saying `cannot listen on <host>:<port>: …` (its `code` kept, e.g. EADDRINUSE); close the app then.
 */
export async function listenApp(app: FastifyInstance, config: Config): Promise<Listening> {
  const failed = (port: number | undefined) => (err: NodeJS.ErrnoException) => {
    const e = new Error(`cannot listen on ${config.host}:${port}: ${err.message}`, { cause: err });
    throw Object.assign(e, { code: err.code });
  };
  await app.listen({ port: config.port, host: config.host }).catch(failed(config.port));
  const url = listenUrl(app, config.host);
  const beside = BESIDE.get(app);
  if (!beside) return config.tls ? { url, httpsUrl: url } : { url };
  await new Promise<void>((resolve, reject) => {
    beside.once('error', reject);
    beside.listen(config.tlsPort, config.host, () => {
      beside.off('error', reject);
      resolve();
    });
  }).catch(failed(config.tlsPort));
  const httpsUrl = serverUrl(beside, config.host);
  app.log.info(`Server listening at ${httpsUrl}`);
  return { url, httpsUrl };
}

/**
 * The URL a listening app answers on: its scheme, its bound port, and a wildcard host shown as 127.0.0.1 (IPv6 in
 * brackets).
 */
export function listenUrl(app: FastifyInstance, host: string): string {
  return serverUrl(app.server, host);
}

function serverUrl(server: { address(): AddressInfo | string | null }, host: string): string {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${server instanceof TlsServer ? 'https' : 'http'}://${shown}:${port}`;
}
