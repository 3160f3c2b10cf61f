// Library entry: restoresim as a test fixture.
//   startRestoreSim(options)      — in-process, port 0, in-memory DB, virtual clock (by default)
//   connectRestoreSim(url, opts)  — the same client for an emulator running elsewhere (docker, npm start)
//   restoreSimFromEnv(options)    — connectRestoreSim(RESTORESIM_URL) when that variable is set, else startRestoreSim
// Every client method talks HTTP to /_sim, so the in-process and the remote client behave the same.
import type { FastifyInstance } from 'fastify';
import { validateConfig, type Config } from './config.js';
import { buildApp, listenUrl } from './app.js';
import { APIS, type ApiName } from './apis.js';
import { RuleCatalog, validateRule as checkRule } from './core/rules.js';
import type { RuleSpec, Rule, RuleMatch, RuleEffects, LatencySpec, OutcomeEffect, ErrorEffect } from './core/rules.js';
import type { JournalEntry, JournalFilter } from './plugins/journal.js';
import type { FixtureDocument } from './core/fixtures.js';
import { makeClient, RestoreSimError, type ConnectOptions, type RestoreSimClient } from './client.js';

export type {
  ApiClients,
  BaseClient,
  ClockInfo,
  ConnectOptions,
  JournalPage,
  ResetResult,
  RestoreSimClient,
} from './client.js';
export { RestoreSimError };
export { SETTINGS, DEFAULT_CONFIG, type Config } from './config.js';
export { buildApp } from './app.js';
export { InjectedFault } from './core/rules.js';
export type {
  RuleSpec,
  Rule,
  RuleMatch,
  RuleEffects,
  LatencySpec,
  OutcomeEffect,
  ErrorEffect,
  ApiName,
  JournalEntry,
  JournalFilter,
  FixtureDocument,
};

const byApi = <T>(f: (api: (typeof APIS)[number]) => T) =>
  Object.fromEntries(APIS.map((a) => [a.name, f(a)])) as Record<ApiName, T>;
/** Every operation id fault rules may name, by API. */
export const OPERATIONS = byApi((a) => a.operations.map((op) => op.id));
/** Terminal states a rule's outcome may name, by API. */
export const OUTCOME_STATES = byApi((a) => a.outcomes);
/** The operation that creates a restore or job, by API. */
export const CREATE_OPERATIONS = byApi((a) => a.operations.find((op) => op.creates)?.id);

const catalog = new RuleCatalog(APIS);
/** Checks a rule as POST /_sim/rules would: one line per problem, empty when valid. */
export const validateRule = (spec: RuleSpec): string[] => checkRule(spec, catalog);

export interface RestoreSim extends RestoreSimClient {
  /** The in-process Fastify app (e.g. for `app.inject`). */
  app: FastifyInstance;
}

export interface StartOptions extends Partial<Config> {
  /** Fastify logger options; off by default in-process. */
  logger?: boolean | object;
  /** Virtual clock start (ms since the epoch); defaults to the wall clock. */
  start?: number;
}

/** Starts restoresim in-process: port 0, in-memory DB, virtual clock, silent logs, unless options say otherwise. */
export async function startRestoreSim(options: StartOptions = {}): Promise<RestoreSim> {
  const { logger, start, ...rest } = options;
  const config = validateConfig({ port: 0, db: ':memory:', clock: 'virtual', logLevel: 'silent', ...rest });
  const app = await buildApp(config, { logger: logger ?? false, start });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    throw err;
  }
  let closed = false;
  const client = makeClient(listenUrl(app, config.host), { adminToken: config.adminToken }, async () => {
    if (closed) return;
    closed = true;
    await app.close();
  });
  return { ...client, app };
}

/** The same client for an emulator already running (docker, `npm start`); waits until it is ready. */
export async function connectRestoreSim(url: string, options: ConnectOptions = {}): Promise<RestoreSimClient> {
  const client = makeClient(url, options, async () => {});
  const waitMs = options.waitMs ?? 10_000;
  if (waitMs > 0) {
    const deadline = Date.now() + waitMs;
    while (!(await client.ready())) {
      if (Date.now() >= deadline)
        throw new RestoreSimError(503, 'not_ready', `restoresim at ${url} is not ready after ${waitMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return client;
}

/**
 * Picks by environment: with RESTORESIM_URL set, connects to that emulator (RESTORESIM_ADMIN_TOKEN as its admin
 * token); otherwise starts one in-process with `options`. Either way the result has the same client API.
 */
export async function restoreSimFromEnv(
  options: StartOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<RestoreSimClient & { app?: FastifyInstance }> {
  const url = env.RESTORESIM_URL;
  if (url) return connectRestoreSim(url, { adminToken: env.RESTORESIM_ADMIN_TOKEN ?? options.adminToken });
  return startRestoreSim(options);
}
