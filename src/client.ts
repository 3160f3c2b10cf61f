// The library client: every method talks HTTP to /_sim, so an in-process and a remote emulator behave the same.
// Each API adds its part (`sim.<api name>`) through its descriptor's `client`. Over https the client trusts the CA
// PEM it is given (`ca`: e.g. the certificate restoresim prints) besides the system's.
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { APIS, type ApiName } from './apis.js';
import type { Rule, RuleSpec } from './core/rules.js';
import type { JournalEntry, JournalFilter } from './plugins/journal.js';
import type { FixtureDocument } from './core/fixtures.js';

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
  /** Base URL of the emulator, e.g. `http://127.0.0.1:53211` (`https://…` with `tls`). */
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
  requests: ((filter?: JournalFilter) => Promise<JournalEntry[]>) & {
    page(filter?: JournalFilter): Promise<JournalPage>;
    clear(): Promise<number>;
  };
  /** Prometheus text of GET /_sim/metrics. */
  metrics(): Promise<string>;
  /** Whether GET /_sim/ready answers 200; throws RestoreSimError 401 `unauthorized` for a missing or wrong admin
   * token. */
  ready(): Promise<boolean>;
  /** Stops an in-process emulator; a no-op for a remote one. */
  close(): Promise<void>;
}

export type RestoreSimClient = BaseClient & ApiClients;

export interface ConnectOptions {
  /** Sent as X-Sim-Admin-Token when the emulator runs with --admin-token. */
  adminToken?: string;
  /** How long to wait for GET /_sim/ready (ms, default 10 000; 0 = do not wait). */
  waitMs?: number;
  /**
   * PEM of a certificate to trust for an `https://` URL besides the system's CAs: restoresim's own (its file is
   * printed at start with `--tls`; `sim.tls.cert` in-process) or the CA of one given by `--tls-cert`.
   */
  ca?: string;
  /** fetch to use (defaults to the global one, or one trusting `ca`). */
  fetch?: typeof fetch;
}

/**
 * A fetch, enough of one for this client, that trusts `ca` (and the system's CAs) for https URLs; other URLs go to
 * the global fetch. (The global fetch takes no CA without the undici package; node:https does.)
 */
export function fetchTrusting(ca: string): typeof fetch {
  // Its own agent: connections are kept alive (idle ones do not hold the process) and trust the CA given.
  const agent = new https.Agent({ keepAlive: true, ca: [...rootCertificates, ca] });
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.protocol !== 'https:') return fetch(input, init);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            for (const v of [value ?? []].flat()) out.append(name, v);
          const status = res.statusCode ?? 502;
          const body = [204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, statusText: res.statusMessage, headers: out }));
        });
      });
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
  }) as typeof fetch;
}

/** A client for the emulator at `baseUrl`; `close` is what `client.close()` does. */
export function makeClient(baseUrl: string, opts: ConnectOptions, close: () => Promise<void>): RestoreSimClient {
  const url = baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? (opts.ca ? fetchTrusting(opts.ca) : fetch);

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
    async (filter?: JournalFilter) =>
      (await call<JournalPage>('GET', '/requests', undefined, filter as Record<string, unknown>)).requests,
    {
      page: (filter?: JournalFilter) =>
        call<JournalPage>('GET', '/requests', undefined, filter as Record<string, unknown>),
      clear: async () => (await call<{ deleted: number }>('DELETE', '/requests')).deleted,
    },
  );

  const apis = Object.fromEntries(APIS.map((a) => [a.name, a.client({ url, call, fetch: doFetch })])) as ApiClients;
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
        res = await doFetch(`${url}/_sim/ready`, {
          headers: opts.adminToken ? { 'x-sim-admin-token': opts.adminToken } : {},
        });
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
