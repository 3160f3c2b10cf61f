// Library entry: start restoresim in-process (port 0, in-memory DB, virtual clock by default) for tests.
// Extended into the full typed client by the control-plane work.
import type { FastifyInstance } from 'fastify';
import { validateConfig, type Config } from './config.js';
import { buildApp } from './app.js';

export { SETTINGS, DEFAULT_CONFIG, type Config } from './config.js';
export { buildApp } from './app.js';

export interface StartOptions extends Partial<Config> {
  /** Fastify logger options; off by default in-process. */
  logger?: boolean | object;
}

export interface RestoreSim {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startRestoreSim(options: StartOptions = {}): Promise<RestoreSim> {
  const { logger, ...rest } = options;
  const config = validateConfig({ port: 0, db: ':memory:', clock: 'virtual', logLevel: 'silent', ...rest });
  const app = await buildApp(config, { logger: logger ?? false });
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  return { url: `http://127.0.0.1:${port}`, app, close: () => app.close() };
}
