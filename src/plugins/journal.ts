// Request journal (a capped ring, `--journal-size` entries, newest kept), recorded with the request metrics. Hooks at
// the root (fastify-plugin), so every emulated route is seen; the control plane itself (/_sim/*) and the docs are
// counted in metrics but kept out of the journal, as WireMock keeps its admin API out.
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Emulator } from '../emulator.js';
import type { Metrics } from './metrics.js';

/** Paths whose requests stay out of the log and the journal. */
export const QUIET_PATHS = new Set(['/_sim/health', '/_sim/ready']);

export interface JournalEntry {
  /** Increasing sequence number (never reused while the process lives). */
  seq: number;
  /** The request id (`req-<uuid>`, as in X-Compute-Request-Id and the log). */
  id: string;
  /** Wall time the request arrived (ISO-8601). */
  time: string;
  /** Simulation clock time when it arrived (ISO-8601). */
  clock: string;
  /** The API's name, or `other` for a path no API owns. */
  api: string;
  /** Operation id of the emulated route, absent for unmatched requests. */
  operation?: string;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Full URL as sent (path and query). */
  url: string;
  /** Route pattern, absent for unmatched requests. */
  route?: string;
  headers: Record<string, string>;
  /** Parsed request body (JSON), or the raw text for other types; bodies over 16 KiB are replaced by a note. */
  body?: unknown;
  /** Response status; 0 when a rule dropped the connection. */
  status: number;
  durationMs: number;
  /** Ids of the fault rules that fired for this request. */
  rules: string[];
  dropped?: boolean;
}

export interface JournalFilter {
  api?: string;
  method?: string;
  /** Entries whose path starts with this. */
  path?: string;
  /** An exact status (`404`) or a class (`4xx`). */
  status?: string;
  /** Entries whose wall time is at or after this ISO-8601 instant. */
  since?: string;
  /** Entries with a sequence number above this. */
  after?: number;
  limit?: number;
}

export class Journal {
  /** A circular buffer: `start` is the oldest entry, `count` how many are held. */
  private ring: (JournalEntry | undefined)[] = [];
  private start = 0;
  private count = 0;
  private seq = 0;
  constructor(public readonly capacity: number) {}

  record(e: Omit<JournalEntry, 'seq'>): void {
    if (this.capacity <= 0) return;
    const entry = { seq: ++this.seq, ...e };
    if (this.count < this.capacity) {
      this.ring[(this.start + this.count) % this.capacity] = entry;
      this.count++;
    } else {
      this.ring[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  get size(): number {
    return this.count;
  }

  /** Newest first. */
  query(f: JournalFilter = {}): JournalEntry[] {
    const since = f.since !== undefined ? Date.parse(f.since) : undefined;
    const status = f.status;
    const cls = status && /^[1-5]xx$/i.test(status) ? Number(status[0]) : undefined;
    const method = f.method?.toUpperCase();
    const out: JournalEntry[] = [];
    for (let i = this.count - 1; i >= 0; i--) {
      const e = this.ring[(this.start + i) % this.capacity]!;
      if (f.after !== undefined && e.seq <= f.after) break; // older entries have smaller seq
      if (f.api !== undefined && e.api !== f.api) continue;
      if (method !== undefined && e.method !== method) continue;
      if (f.path !== undefined && !e.path.startsWith(f.path)) continue;
      if (
        status !== undefined &&
        (cls !== undefined ? Math.floor(e.status / 100) !== cls : String(e.status) !== status)
      )
        continue;
      if (since !== undefined && Date.parse(e.time) < since) continue;
      out.push(e);
      if (f.limit !== undefined && out.length >= f.limit) break;
    }
    return out;
  }

  clear(): number {
    const n = this.count;
    this.ring = [];
    this.start = 0;
    this.count = 0;
    return n;
  }
}

const BODY_LIMIT = 16 * 1024;

function journalBody(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body.length > BODY_LIMIT ? `(${body.length} characters, not kept)` : body;
  if (Buffer.isBuffer(body)) return `(${body.length} bytes, not kept)`;
  try {
    const text = JSON.stringify(body);
    return text.length > BODY_LIMIT ? `(${text.length} characters of JSON, not kept)` : body;
  } catch {
    return undefined;
  }
}

function headersOf(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** The api a request belongs to: its route's, else the API whose path prefixes it starts with, else `other`. */
export function apiOf(emulator: Emulator, request: FastifyRequest): string {
  const sim = request.routeOptions?.config?.sim;
  if (sim) return sim.api;
  const p = request.url;
  const path = p.split('?')[0]!;
  const owns = (x: string) => p.startsWith(x) || (x.endsWith('/') && path === x.slice(0, -1));
  return emulator.apis.find((a) => a.descriptor.prefixes.some(owns))?.descriptor.name ?? 'other';
}

declare module 'fastify' {
  interface FastifyInstance {
    journal: Journal;
  }
  interface FastifyRequest {
    /** Wall time (ms) and clock time (ms) the request arrived. */
    simArrival: { wall: number; clock: number };
    /** Ids of the fault rules that fired for this request (set by the faults plugin). */
    simRuleIds: string[];
  }
}

const resolved = new WeakMap<FastifyRequest, string>();

/**
 * The operation a request of an emulated route performs: the route's fixed operation, or its function's answer for
 * this request (evaluated once, cached; a throw or an answer outside `operations` gives `operations[0]`). Undefined for
 * routes that are not emulated.
 */
export function operationOf(request: FastifyRequest): string | undefined {
  const sim = request.routeOptions?.config?.sim;
  if (!sim) return undefined;
  if (typeof sim.operation === 'string') return sim.operation;
  const cached = resolved.get(request);
  if (cached !== undefined) return cached;
  const ops = sim.operations ?? [];
  let op: unknown;
  try {
    op = sim.operation(request);
  } catch {
    op = undefined;
  }
  const out = typeof op === 'string' && ops.includes(op) ? op : ops[0];
  if (out === undefined) return undefined;
  // Only cache once the body is parsed (the answer may depend on it).
  if (request.body !== undefined) resolved.set(request, out);
  return out;
}

const recorded = new WeakSet<FastifyRequest>();

/** Records one request in the journal and the metrics (also used by the faults plugin for dropped connections). */
export function recordRequest(
  fastify: { journal: Journal; metrics: Metrics; emulator: Emulator },
  request: FastifyRequest,
  status: number,
  durationMs: number,
  dropped = false,
): void {
  if (recorded.has(request)) return;
  recorded.add(request);
  const path = request.url.split('?')[0]!;
  const api = apiOf(fastify.emulator, request);
  const route = request.routeOptions?.url;
  fastify.metrics.request(
    path.startsWith('/_sim') ? 'control' : api,
    route ?? '(unmatched)',
    request.method,
    dropped ? 'dropped' : String(status),
  );
  if (path === '/_sim' || path.startsWith('/_sim/') || path.startsWith('/docs') || path.startsWith('/openapi')) return;
  const arrival = request.simArrival ?? { wall: Date.now(), clock: Date.now() };
  const operation = operationOf(request);
  const body = journalBody(request.body);
  fastify.journal.record({
    id: String(request.id),
    time: new Date(arrival.wall).toISOString(),
    clock: new Date(arrival.clock).toISOString(),
    api,
    ...(operation !== undefined ? { operation } : {}),
    method: request.method,
    path,
    url: request.url,
    ...(route ? { route } : {}),
    headers: headersOf(request),
    ...(body !== undefined ? { body } : {}),
    status,
    durationMs: Math.round(durationMs * 100) / 100,
    rules: request.simRuleIds ?? [],
    ...(dropped ? { dropped: true } : {}),
  });
}

export default fp(
  async (fastify) => {
    const emulator = fastify.emulator;
    fastify.decorate('journal', new Journal(emulator.config.journalSize));
    fastify.decorateRequest('simArrival', null as unknown as { wall: number; clock: number });
    fastify.decorateRequest('simRuleIds', null as unknown as string[]);

    fastify.addHook('onRequest', async (request) => {
      request.simArrival = { wall: Date.now(), clock: emulator.now() };
      request.simRuleIds = [];
    });
    fastify.addHook('onResponse', async (request, reply) => {
      if (QUIET_PATHS.has(request.url.split('?')[0]!)) return;
      recordRequest(fastify, request, reply.statusCode, reply.elapsedTime);
    });
  },
  { name: 'restoresim-journal', dependencies: ['restoresim-metrics'] },
);
