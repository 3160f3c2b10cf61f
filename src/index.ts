// Library entry: restoresim as a test fixture.
//   startRestoreSim(options)      — in-process, port 0, in-memory DB, virtual clock (by default); `tls: true` serves
//                                   HTTPS with a fresh self-signed certificate, exposed as `sim.tls` to trust
//   connectRestoreSim(url, opts)  — the same client for an emulator running elsewhere (docker, npm start)
//   restoreSimFromEnv(options)    — connectRestoreSim(RESTORESIM_URL) when that variable is set, else startRestoreSim
// Every client method talks HTTP to /_sim, so the in-process and the remote client behave the same.
import type { FastifyInstance } from 'fastify';
import { validateConfig, type Config } from './config.js';
import { buildApp, listenApp, type Listening } from './app.js';
import { resolveTls } from './tls.js';
import { APIS, type ApiName } from './apis.js';
import { RuleCatalog, validateRule as checkRule } from './core/rules.js';
import type { RuleSpec, Rule, RuleMatch, RuleEffects, LatencySpec, OutcomeEffect, ErrorEffect } from './core/rules.js';
import type { JournalEntry, JournalFilter } from './plugins/journal.js';
import type { FixtureDocument } from './core/fixtures.js';
import { fetchTrusting, makeClient, RestoreSimError, type ConnectOptions, type RestoreSimClient } from './client.js';

export type {
  ApiClients,
  BaseClient,
  ClockInfo,
  ConnectOptions,
  JournalPage,
  ResetResult,
  RestoreSimClient,
} from './client.js';
export { RestoreSimError, fetchTrusting };
export { SETTINGS, DEFAULT_CONFIG, ConfigError, type Config } from './config.js';
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

/** The certificate an in-process emulator serves over HTTPS. */
export interface TlsInfo {
  /**
   * PEM of the certificate, the one to trust: `https.request(url, { ca: sim.tls.cert })`, `fetchTrusting(cert)` (a
   * fetch that trusts it), an undici `Agent({ connect: { ca } })`, `connectRestoreSim(url, { ca })`; or give other
   * languages' clients the file (`path`).
   */
  cert: string;
  /** Its SHA-256 fingerprint, upper-case hex pairs: `AB:CD:…` (as `openssl x509 -fingerprint -sha256` shows it). */
  fingerprint: string;
  /**
   * Its PEM file: `<db dir>/restoresim-tls/cert.pem` beside a file database (kept for the next start), a temporary
   * file removed on close with an in-memory one, or the `tlsCert` given.
   */
  path: string;
}

export interface RestoreSim extends RestoreSimClient {
  /** The in-process Fastify app (e.g. for `app.inject`). */
  app: FastifyInstance;
  /**
   * With `tls` or `tlsPort`: the certificate served. The client methods already trust it; trust `tls.cert` in
   * the clients under test.
   */
  tls?: TlsInfo;
  /**
   * The HTTPS base URL: `url` itself with `tls: true` (`https://127.0.0.1:<port>`), the listener beside the plain
   * HTTP `url` with `tlsPort` (`https://127.0.0.1:<tlsPort>`); undefined without either.
   */
  httpsUrl?: string;
}

export interface StartOptions extends Partial<Config> {
  /** Fastify logger options; off by default in-process. */
  logger?: boolean | object;
  /** Virtual clock start (ms since the epoch); defaults to the wall clock. */
  start?: number;
}

/**
 * Starts restoresim in-process: port 0, in-memory DB, virtual clock, silent logs, unless options say otherwise.
 * `tls: true` serves HTTPS (`url` is `https://127.0.0.1:<port>`), `tlsPort: 0` adds HTTPS beside HTTP (`httpsUrl`);
 * either way `tls` holds the certificate. Settings that do not fit together throw ConfigError.
 */
export async function startRestoreSim(options: StartOptions = {}): Promise<RestoreSim> {
  const { logger, start, ...rest } = options;
  const config = validateConfig({ port: 0, db: ':memory:', clock: 'virtual', logLevel: 'silent', ...rest });
  const tls = await resolveTls(config);
  const app = await buildApp(config, { logger: logger ?? false, start, tls });
  let listening: Listening;
  try {
    listening = await listenApp(app, config);
  } catch (err) {
    await app.close();
    throw err;
  }
  let closed = false;
  const client = makeClient(listening.url, { adminToken: config.adminToken, ca: tls?.cert }, async () => {
    if (closed) return;
    closed = true;
    await app.close();
  });
  if (!tls) return { ...client, app };
  const { cert, fingerprint, path } = tls;
  return { ...client, app, tls: { cert, fingerprint, path }, httpsUrl: listening.httpsUrl };
}

/**
 * The same client for an emulator already running (docker, `npm start`); waits until it is ready. For an https URL
 * with restoresim's self-signed certificate, pass its PEM as `ca` (the file printed at start).
 */
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
