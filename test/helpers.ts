// Shared test helpers: an in-process app on an in-memory DB with the virtual clock.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { validateConfig, type Config } from '../src/config.js';

/** A fixed virtual start time so timestamps in tests are stable. */
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

export async function testApp(overrides: Partial<Config> = {}, start = T0): Promise<FastifyInstance> {
  const config = validateConfig({ db: ':memory:', clock: 'virtual', logLevel: 'silent', port: 0, ...overrides });
  return buildApp(config, { logger: false, start });
}
