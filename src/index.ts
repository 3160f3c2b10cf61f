// Library entry: restoresim as a test fixture.
//   startRestoreSim(options)      — in-process, port 0, in-memory DB, virtual clock (by default)
//   connectRestoreSim(url, opts)  — the same client for an emulator running elsewhere (docker, npm start)
//   restoreSimFromEnv(options)    — connectRestoreSim(RESTORESIM_URL) when that variable is set, else startRestoreSim
// Every client method talks HTTP to /_sim, so the in-process and the remote client behave the same.
import type { FastifyInstance } from 'fastify';
import { validateConfig, type Config } from './config.js';
import { buildApp } from './app.js';
import { APIS, type ApiName } from './apis.js';
import { RuleCatalog, validateRule as checkRule } from './core/rules.js';
import type { RuleSpec, Rule, RuleMatch, RuleEffects, LatencySpec, OutcomeEffect, ErrorEffect } from './core/rules.js';
import type { JournalEntry, JournalFilter } from './plugins/journal.js';
import type { FixtureDocument } from './core/fixtures.js';

export { SETTINGS, DEFAULT_CONFIG, type Config } from './config.js';
export { buildApp } from './app.js';
export { InjectedFault } from './core/rules.js';
export type { RuleSpec, Rule, RuleMatch, RuleEffects, LatencySpec, OutcomeEffect, ErrorEffect, ApiName, JournalEntry, JournalFilter, FixtureDocument };

const byApi = <T>(f: (api: (typeof APIS)[number]) => T) => Object.fromEntries(APIS.map((a) => [a.name, f(a)])) as Record<ApiName, T>;
/** Every operation id fault rules may name, by API. */
export const OPERATIONS = byApi((a) => a.operations.map((op) => op.id));
/** Terminal states a rule's outcome may name, by API. */
export const OUTCOME_STATES = byApi((a) => a.outcomes);
/** The operation that creates a restore or job, by API. */
export const CREATE_OPERATIONS = byApi((a) => a.operations.find((op) => op.creates)?.id);

const catalog = new RuleCatalog(APIS);
/** Checks a rule as POST /_sim/rules would: one line per problem, empty when valid. */
export const validateRule = (spec: RuleSpec): string[] => checkRule(spec, catalog);

export interface ClockInfo {
  mode: 'real' | 'virtual';
  /** Simulated time, ISO-8601. */
  now: string;
  /** Simulated time in ms since the epoch. */
  epochMs: number;
  speed: number;
}

export interface ResetResult {
  status: 'reset';
  api?: ApiName;
  project?: string;
  rulesRemoved: number;
  journalCleared: boolean;
}

export interface JournalPage {
  requests: JournalEntry[];
  total: number;
  capacity: number;
}

/** A control-plane call that failed: the HTTP status and the `{error, message, problems}` body. */
export class RestoreSimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'RestoreSimError';
  }
}

/** The library client's part of each API (`sim.<api name>`), from its descriptor's `client`. */
export type ApiClients = { [A in (typeof APIS)[number] as A['name']]: ReturnType<A['client']> };

export interface BaseClient {
  /** Base URL of the emulator, e.g. `http://127.0.0.1:53211`. */
  url: string;
  clock: {
    /** Current simulated time. */
    now(): Promise<Date>;
    get(): Promise<ClockInfo>;
    /** Moves simulated time forward; restores and jobs move exactly as waiting would have. */
    advance(seconds: number): Promise<ClockInfo>;
    /** Switches mode or speed, or jumps forward to an instant. */
    set(opts: { mode?: 'real' | 'virtual'; speed?: number; now?: Date | string }): Promise<ClockInfo>;
  };
  /** Back to the fixtures' state (all, one api, or one project). A full reset also clears rules and journal. */
  reset(opts?: { api?: ApiName; project?: string }): Promise<ResetResult>;
  fixtures: {
    get(): Promise<FixtureDocument>;
    /** Merges (default) or replaces the fixture set; invalid documents throw RestoreSimError with `problems`. */
    load(doc: FixtureDocument, opts?: { mode?: 'merge' | 'replace' }): Promise<FixtureDocument>;
  };
  rules: {
    /** Adds a fault rule; a rule that cannot apply throws RestoreSimError (400) with the reasons in `problems`. */
    add(rule: RuleSpec): Promise<Rule>;
    /** Creates or replaces the rule with this id (counters restart). */
    put(id: string, rule: Omit<RuleSpec, 'id'>): Promise<Rule>;
    list(): Promise<Rule[]>;
    get(id: string): Promise<Rule>;
    remove(id: string): Promise<void>;
    clear(): Promise<number>;
  };
  /** The request journal, newest first; `requests.clear()` empties it. */
  requests: ((filter?: JournalFilter) => Promise<JournalEntry[]>) & { page(filter?: JournalFilter): Promise<JournalPage>; clear(): Promise<number> };
  /** Prometheus text of GET /_sim/metrics. */
  metrics(): Promise<string>;
  /** Whether GET /_sim/ready answers 200; throws RestoreSimError 401 `unauthorized` for a missing or wrong admin token. */
  ready(): Promise<boolean>;
  /** Stops an in-process emulator; a no-op for a remote one. */
  close(): Promise<void>;
}

export type RestoreSimClient = BaseClient & ApiClients;

export interface RestoreSim extends RestoreSimClient {
  /** The in-process Fastify app (e.g. for `app.inject`). */
  app: FastifyInstance;
}

export interface ConnectOptions {
  /** Sent as X-Sim-Admin-Token when the emulator runs with --admin-token. */
  adminToken?: string;
  /** How long to wait for GET /_sim/ready (ms, default 10 000; 0 = do not wait). */
  waitMs?: number;
  /** fetch to use (defaults to the global one). */
  fetch?: typeof fetch;
}

export interface StartOptions extends Partial<Config> {
  /** Fastify logger options; off by default in-process. */
  logger?: boolean | object;
  /** Virtual clock start (ms since the epoch); defaults to the wall clock. */
  start?: number;
}

function makeClient(baseUrl: string, opts: ConnectOptions, close: () => Promise<void>): RestoreSimClient {
  const url = baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;

  async function call<T>(method: string, path: string, body?: unknown, query?: Record<string, unknown>): Promise<T> {
    const qs = query
      ? new URLSearchParams(
          Object.entries(query)
            .filter(([, v]) => v !== undefined && v !== null)
            .map(([k, v]): [string, string] => [k, String(v)]),
        ).toString()
      : '';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.adminToken) headers['x-sim-admin-token'] = opts.adminToken;
    const res = await doFetch(`${url}/_sim${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers,
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) {
      let parsed: { error?: string; message?: string; problems?: string[] } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      throw new RestoreSimError(
        res.status,
        parsed.error ?? 'error',
        `${method} /_sim${path}: ${res.status} ${parsed.message ?? text}`,
        parsed.problems ?? [],
      );
    }
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? JSON.parse(text) : text) as T;
  }

  const requests = Object.assign(
    async (filter?: JournalFilter) => (await call<JournalPage>('GET', '/requests', undefined, filter as Record<string, unknown>)).requests,
    {
      page: (filter?: JournalFilter) => call<JournalPage>('GET', '/requests', undefined, filter as Record<string, unknown>),
      clear: async () => (await call<{ deleted: number }>('DELETE', '/requests')).deleted,
    },
  );

  const apis = Object.fromEntries(APIS.map((a) => [a.name, a.client({ url, call })])) as ApiClients;
  return {
    ...apis,
    url,
    clock: {
      now: async () => new Date((await call<ClockInfo>('GET', '/clock')).epochMs),
      get: () => call<ClockInfo>('GET', '/clock'),
      advance: (seconds) => call<ClockInfo>('POST', '/clock/advance', { seconds }),
      set: ({ mode, speed, now }) =>
        call<ClockInfo>('PUT', '/clock', {
          ...(mode !== undefined ? { mode } : {}),
          ...(speed !== undefined ? { speed } : {}),
          ...(now !== undefined ? { now: now instanceof Date ? now.toISOString() : now } : {}),
        }),
    },
    reset: (o = {}) => call<ResetResult>('POST', '/reset', undefined, o),
    fixtures: {
      get: () => call<FixtureDocument>('GET', '/fixtures'),
      load: (doc, o = {}) => call<FixtureDocument>('POST', '/fixtures', doc, { mode: o.mode }),
    },
    rules: {
      add: (rule) => call<Rule>('POST', '/rules', rule),
      put: (id, rule) => call<Rule>('PUT', `/rules/${encodeURIComponent(id)}`, rule),
      list: async () => (await call<{ rules: Rule[] }>('GET', '/rules')).rules,
      get: (id) => call<Rule>('GET', `/rules/${encodeURIComponent(id)}`),
      remove: async (id) => {
        await call('DELETE', `/rules/${encodeURIComponent(id)}`);
      },
      clear: async () => (await call<{ deleted: number }>('DELETE', '/rules')).deleted,
    },
    requests,
    metrics: () => call<string>('GET', '/metrics'),
    ready: async () => {
      let res: Response;
      let text: string;
      try {
        res = await doFetch(`${url}/_sim/ready`, { headers: opts.adminToken ? { 'x-sim-admin-token': opts.adminToken } : {} });
        text = await res.text();
      } catch {
        return false;
      }
      // A missing or wrong admin token never becomes ready: say so at once rather than after the whole wait.
      if (res.status === 401) {
        let message = 'X-Sim-Admin-Token is missing or wrong';
        try {
          const body = JSON.parse(text) as { message?: unknown };
          if (typeof body.message === 'string') message = body.message;
        } catch {
          // Not JSON: keep the generic message.
        }
        throw new RestoreSimError(401, 'unauthorized', `restoresim at ${url}: ${message}`);
      }
      return res.ok;
    },
    close,
  };
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
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  let closed = false;
  const client = makeClient(`http://${host}:${port}`, { adminToken: config.adminToken }, async () => {
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
      if (Date.now() >= deadline) throw new RestoreSimError(503, 'not_ready', `restoresim at ${url} is not ready after ${waitMs} ms`);
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
