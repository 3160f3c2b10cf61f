// Fault rules (types shared by the API folders; the engine lives in this file too).
// A rule matches requests by api, operation, method, project and a regex over the restore's name or the backup
// location; when it fires, its effects apply: an outcome and/or duration for the restore or job being created,
// an immediate vendor-dialect HTTP error, added latency, or a dropped connection.
import { Random } from './random.js';

export type ApiName = 'trilio' | 'vcenter';

/** What a route tells the rule engine about the request it is serving. */
export interface MatchContext {
  api: ApiName;
  /** Operation id from the route's config, e.g. `restores.create`, `job.create`. */
  operation: string;
  method: string;
  /** Route pattern as Fastify registered it, e.g. `/v1/:project_id/restores/:restore_id`. */
  route: string;
  project?: string;
  /**
   * Restore name (Trilio create) or backup location (vCenter create/validate); or a function giving it, called at
   * most once and only when a rule that could fire has `match.subject`.
   */
  subject?: string | (() => string | undefined);
}

export interface OutcomeEffect {
  /** Trilio: available | error | cancelled; vCenter: SUCCEEDED | FAILED. */
  state: string;
  message?: string;
}

/** Effects the creating handler applies to the restore or job it creates. */
export interface CreateEffects {
  outcome?: OutcomeEffect;
  /** Total duration in seconds of clock time. */
  durationSeconds?: number;
}

/**
 * An HTTP error injected by a fault rule. Thrown from a hook before the handler runs; each API's error handler
 * renders it in that vendor's dialect (Trilio fault envelope, vAPI error) and representation (JSON or XML).
 */
export class InjectedFault extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** vCenter only: the vAPI error type in snake case (e.g. `service_unavailable`); derived from the status when absent. */
    readonly vendorError?: string,
  ) {
    super(message);
    this.name = 'InjectedFault';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The rule engine. Rules live in memory (like WireMock's stub mappings): they do not survive a restart, and a full
// `POST /_sim/reset` clears them. Each rule draws from its own seeded random stream (seed × rule id), so a rule
// with a given id, under a given --seed, fires on the same sequence of its matches every run, whatever else happens.
// ---------------------------------------------------------------------------------------------------------------
/** Every operation id the emulated routes declare, by API. */
export const OPERATIONS: Record<ApiName, readonly string[]> = {
  trilio: [
    'restores.list',
    'restores.detail',
    'restores.get',
    'restores.delete',
    'restores.cancel',
    'restores.create',
    'snapshots.list',
    'snapshots.get',
    'workloads.list',
    'workloads.get',
  ],
  vcenter: [
    'session.create',
    'session.get',
    'session.delete',
    'restore.validate',
    'job.create',
    'job.get',
    'job.cancel',
    /** The vAPI JSON-RPC endpoint (/api and /rest): any operation; its subject is the backup location when given. */
    'jsonrpc.invoke',
  ],
};

/** Operations that create a restore or a job: the only ones an `outcome` or `durationSeconds` can apply to. */
export const CREATE_OPERATIONS: Record<ApiName, string> = { trilio: 'restores.create', vcenter: 'job.create' };

/** Operations whose requests carry a subject (restore name; backup location) for `match.subject`. */
export const SUBJECT_OPERATIONS: readonly string[] = [
  'restores.create',
  'restores.get',
  'restores.delete',
  'restores.cancel',
  'job.create',
  'restore.validate',
  'jsonrpc.invoke',
];

/**
 * The operations rules can name: the static tables above, plus whatever the registered routes declare (the faults
 * plugin adds each route's operation, and marks it as carrying a subject when the route has a subject function).
 */
export class OperationCatalog {
  private readonly api = new Map<string, ApiName>();
  private readonly subject = new Set<string>(SUBJECT_OPERATIONS);
  constructor() {
    for (const a of Object.keys(OPERATIONS) as ApiName[]) for (const op of OPERATIONS[a]) this.api.set(op, a);
  }
  declare(api: ApiName, operation: string, hasSubject: boolean): void {
    if (!this.api.has(operation)) this.api.set(operation, api);
    if (hasSubject) this.subject.add(operation);
  }
  apiOf(operation: string): ApiName | undefined {
    return this.api.get(operation);
  }
  hasSubject(operation: string): boolean {
    return this.subject.has(operation);
  }
  all(): string[] {
    return [...this.api.keys()];
  }
  subjects(): string[] {
    return [...this.subject];
  }
}

/** Terminal states an outcome may name, by API. */
export const OUTCOME_STATES: Record<ApiName, readonly string[]> = {
  trilio: ['available', 'error', 'cancelled'],
  vcenter: ['SUCCEEDED', 'FAILED'],
};

export type LatencySpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Log-normal around a median: ms = medianMs × e^(sigma × N(0,1)), capped at maxMs (default 60 000). */
  | { kind: 'lognormal'; medianMs: number; sigma: number; maxMs?: number };

export interface RuleMatch {
  api?: ApiName;
  /** One operation id or several (any of them). */
  operation?: string | string[];
  /** Exact route pattern, e.g. `/v1/:project_id/restores/:restore_id`. */
  route?: string;
  /** Regular expression over the request path (no query string). */
  path?: string;
  /** HTTP method (any case). */
  method?: string;
  /** Trilio project id from the URL. */
  project?: string;
  /** Regular expression over the restore's name (Trilio create) or the backup location (vCenter create, validate). */
  subject?: string;
}

export interface ErrorEffect {
  status: number;
  message?: string;
  /** vCenter only: vAPI error type in snake case, e.g. `service_unavailable`. */
  vendorError?: string;
}

export interface RuleEffects {
  outcome?: OutcomeEffect;
  durationSeconds?: number;
  error?: ErrorEffect;
  latency?: LatencySpec;
  /** Destroy the connection without an answer. */
  drop?: boolean;
}

/** A rule as a client writes it. */
export interface RuleSpec {
  id?: string;
  description?: string;
  match?: RuleMatch;
  effects: RuleEffects;
  /** Chance (0–1) that a counted match fires; default 1. */
  probability?: number;
  /** Matches to let pass before the rule may fire; default 0. */
  skip?: number;
  /** Fires at most this many times; absent or null = no limit. */
  max?: number | null;
  /** Disabled rules neither count matches nor fire; default true. */
  enabled?: boolean;
}

/** A stored rule with its counters. */
export interface Rule {
  id: string;
  description?: string;
  match: RuleMatch;
  effects: RuleEffects;
  probability: number;
  skip: number;
  max: number | null;
  enabled: boolean;
  /** Requests it matched while enabled. */
  matched: number;
  /** Times it fired. */
  fired: number;
}

/**
 * A match of a rule whose effects are only create effects (outcome, durationSeconds), counted tentatively: it stands
 * when the create succeeds and is given back (`RuleEngine.settle`) when it does not.
 */
export interface Tentative {
  readonly id: string;
  /** Whether it fired (else the match only counted towards `skip`, or came after `max`). */
  readonly fired: boolean;
  /** @internal the stored rule (a rule replaced meanwhile is not touched). */
  readonly rule: Rule;
}

/** What the rules that fired for one request do to it. */
export interface Decision {
  /** Ids of the rules that fired, in order (tentative ones included). */
  fired: string[];
  effects: CreateEffects;
  error?: ErrorEffect;
  /** Total added latency in ms (sum over firing rules, at most MAX_LATENCY_MS). */
  latencyMs: number;
  drop: boolean;
  /** Matches of create-only rules, to settle once the request's outcome is known. */
  tentative: Tentative[];
}

export class RuleError extends Error {
  constructor(readonly problems: string[], readonly statusCode = 400) {
    super(problems.join('; '));
    this.name = 'RuleError';
  }
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The most latency rules may add to one request (one rule's bound, and the cap on their sum). */
export const MAX_LATENCY_MS = 600_000;

/**
 * The ranges of a rule's numbers. validateRule is the one place they are checked (the control plane's TypeBox
 * schema checks only shapes and types, and quotes these in its descriptions).
 */
export const RULE_LIMITS = {
  latencyMs: { min: 0, max: MAX_LATENCY_MS },
  sigma: { min: 0, max: 5 },
  durationSeconds: { min: 0, max: 31_536_000 },
  errorStatus: { min: 400, max: 599 },
  probability: { min: 0, max: 1 },
  skip: { min: 0 },
  max: { min: 1 },
} as const;

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function regexProblem(where: string, source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return `${where}: not a valid regular expression (${(err as Error).message})`;
  }
}

const isInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);
const isNum = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/**
 * Checks that a rule can apply to what it matches; returns one line per problem (empty when valid). Refuses, with
 * the reason: an unknown api or operation, an operation of the other api, an outcome or duration on anything but a
 * create, an outcome state the api does not have, a subject regex where no subject exists, a project on vCenter, a
 * bad regex, an error with a drop, an outcome with an error or a drop, and out-of-range numbers.
 */
export function validateRule(spec: RuleSpec, catalog: OperationCatalog = new OperationCatalog()): string[] {
  const p: string[] = [];
  if (!spec || typeof spec !== 'object') return ['rule: must be an object'];
  const m = spec.match ?? {};
  const e = spec.effects;
  if (spec.id !== undefined && !ID_RE.test(spec.id)) p.push('id: 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  if (m.api !== undefined && !(m.api in OPERATIONS)) p.push(`match.api: must be "trilio" or "vcenter", not ${JSON.stringify(m.api)}`);
  const ops = m.operation === undefined ? [] : Array.isArray(m.operation) ? m.operation : [m.operation];
  if (Array.isArray(m.operation) && ops.length === 0) p.push('match.operation: an empty list matches nothing');
  const opApis = new Set<ApiName>();
  for (const op of ops) {
    const api = catalog.apiOf(op);
    if (!api) {
      p.push(`match.operation: unknown operation "${op}" (known: ${catalog.all().join(', ')})`);
      continue;
    }
    opApis.add(api);
    if (m.api && api !== m.api) p.push(`match.operation: "${op}" is a ${api} operation but match.api is "${m.api}"`);
  }
  const api: ApiName | undefined = m.api ?? (opApis.size === 1 ? [...opApis][0] : undefined);
  if (m.method !== undefined && !/^[A-Za-z]+$/.test(m.method)) p.push(`match.method: not an HTTP method: ${JSON.stringify(m.method)}`);
  for (const key of ['path', 'subject'] as const) {
    const r = regexProblem(`match.${key}`, m[key]);
    if (r) p.push(r);
  }
  if (m.route !== undefined && !m.route.startsWith('/')) p.push('match.route: a route pattern starts with "/", e.g. /v1/:project_id/restores');
  if (m.project !== undefined) {
    if (api === 'vcenter' || (opApis.size > 0 && !opApis.has('trilio'))) p.push('match.project: vCenter requests have no project; project applies to trilio only');
  }
  if (m.subject !== undefined) {
    if (ops.length === 0) p.push(`match.subject: set match.operation to one of ${catalog.subjects().join(', ')} (only they carry a restore name or backup location)`);
    for (const op of ops) {
      if (catalog.apiOf(op) && !catalog.hasSubject(op)) {
        p.push(`match.subject: "${op}" requests carry no restore name or backup location (only ${catalog.subjects().join(', ')} do)`);
      }
    }
  }

  if (!e || typeof e !== 'object') {
    p.push('effects: required (outcome, durationSeconds, error, latency or drop)');
    return p;
  }
  const kinds = (['outcome', 'durationSeconds', 'error', 'latency', 'drop'] as const).filter((k) => e[k] !== undefined && e[k] !== false);
  if (kinds.length === 0) p.push('effects: give at least one of outcome, durationSeconds, error, latency, drop');
  if (e.outcome !== undefined || e.durationSeconds !== undefined) {
    const what = e.outcome !== undefined ? 'effects.outcome' : 'effects.durationSeconds';
    const creates = ops.filter((op) => op === CREATE_OPERATIONS.trilio || op === CREATE_OPERATIONS.vcenter);
    if (ops.length === 0) {
      p.push(`${what}: applies only to creating a restore or job; set match.operation to "${CREATE_OPERATIONS.trilio}" or "${CREATE_OPERATIONS.vcenter}"`);
    } else if (creates.length !== ops.length) {
      const bad = ops.filter((op) => !creates.includes(op) && catalog.apiOf(op));
      if (bad.length) p.push(`${what}: "${bad.join('", "')}" creates nothing; only ${CREATE_OPERATIONS.trilio} and ${CREATE_OPERATIONS.vcenter} take an outcome or duration`);
    }
    if (e.outcome !== undefined) {
      const outcomeApis = api ? [api] : [...opApis];
      for (const a of outcomeApis) {
        if (!OUTCOME_STATES[a].includes(e.outcome.state)) {
          p.push(`effects.outcome.state: "${e.outcome.state}" is not a ${a} outcome (one of ${OUTCOME_STATES[a].join(', ')})`);
        }
      }
      if (outcomeApis.length > 1) p.push('effects.outcome: the states of trilio and vcenter differ; match one api per outcome rule');
    }
    const d = RULE_LIMITS.durationSeconds;
    if (e.durationSeconds !== undefined && !(isNum(e.durationSeconds) && e.durationSeconds >= d.min && e.durationSeconds <= d.max)) {
      p.push(`effects.durationSeconds: a number of seconds from ${d.min} to ${d.max}`);
    }
  }
  if (e.error !== undefined) {
    const st = RULE_LIMITS.errorStatus;
    if (!isInt(e.error.status) || e.error.status < st.min || e.error.status > st.max) p.push(`effects.error.status: an HTTP error status from ${st.min} to ${st.max}`);
    if (e.error.vendorError !== undefined) {
      if (api === 'trilio' || (opApis.size > 0 && !opApis.has('vcenter'))) p.push('effects.error.vendorError: a vAPI error type applies to vcenter only');
      else if (!/^[a-z][a-z_]*$/.test(e.error.vendorError)) p.push('effects.error.vendorError: a vAPI error type in snake case, e.g. service_unavailable');
    }
    if (e.drop) p.push('effects: error and drop exclude each other (a dropped connection sends no status)');
    if (e.outcome !== undefined || e.durationSeconds !== undefined) p.push('effects: an error answers before anything is created, so outcome/durationSeconds would never apply');
  }
  if (e.drop && (e.outcome !== undefined || e.durationSeconds !== undefined)) {
    p.push('effects: a dropped connection creates nothing, so outcome/durationSeconds would never apply');
  }
  if (e.latency !== undefined) {
    const l = e.latency;
    const { min, max } = RULE_LIMITS.latencyMs;
    const ms = (n: unknown) => isNum(n) && n >= min && n <= max;
    if (l.kind === 'fixed') {
      if (!ms(l.ms)) p.push(`effects.latency.ms: ${min} to ${max}`);
    } else if (l.kind === 'uniform') {
      if (!ms(l.minMs) || !ms(l.maxMs)) p.push(`effects.latency: minMs and maxMs from ${min} to ${max}`);
      else if (l.minMs > l.maxMs) p.push('effects.latency: minMs must not exceed maxMs');
    } else if (l.kind === 'lognormal') {
      if (!ms(l.medianMs) || l.medianMs <= min) p.push(`effects.latency.medianMs: above ${min}, at most ${max}`);
      const sg = RULE_LIMITS.sigma;
      if (!isNum(l.sigma) || l.sigma < sg.min || l.sigma > sg.max) p.push(`effects.latency.sigma: ${sg.min} to ${sg.max}`);
      if (l.maxMs !== undefined && !ms(l.maxMs)) p.push(`effects.latency.maxMs: ${min} to ${max}`);
    } else {
      p.push('effects.latency.kind: fixed, uniform or lognormal');
    }
  }
  const pr = RULE_LIMITS.probability;
  if (spec.probability !== undefined && !(isNum(spec.probability) && spec.probability >= pr.min && spec.probability <= pr.max)) p.push(`probability: ${pr.min} to ${pr.max}`);
  if (spec.skip !== undefined && !(isInt(spec.skip) && spec.skip >= RULE_LIMITS.skip.min)) p.push(`skip: a whole number >= ${RULE_LIMITS.skip.min}`);
  if (spec.max !== undefined && spec.max !== null && !(isInt(spec.max) && spec.max >= RULE_LIMITS.max.min)) p.push(`max: a whole number >= ${RULE_LIMITS.max.min} (or null for no limit)`);
  return p;
}

interface Entry {
  rule: Rule;
  random: Random;
  ops: string[] | undefined;
  path: RegExp | undefined;
  subject: RegExp | undefined;
  method: string | undefined;
}

export class RuleEngine {
  private entries: Entry[] = [];
  private nextId = 1;
  /** Operations rules may name (extended by the registered routes). */
  readonly catalog = new OperationCatalog();

  constructor(private readonly seed: number) {}

  /** Validates and stores a rule; throws RuleError (400 invalid, 409 duplicate id). */
  add(spec: RuleSpec): Rule {
    const problems = validateRule(spec, this.catalog);
    if (problems.length) throw new RuleError(problems);
    let id = spec.id;
    if (id === undefined) {
      do id = `rule-${this.nextId++}`;
      while (this.entries.some((x) => x.rule.id === id));
    } else if (this.entries.some((x) => x.rule.id === id)) {
      throw new RuleError([`id: a rule "${id}" exists already (PUT /_sim/rules/${id} replaces it)`], 409);
    }
    const entry = this.entry(id, spec);
    this.entries.push(entry);
    return this.view(entry.rule);
  }

  /** Replaces a rule (its counters and random stream restart); creates it when absent. */
  put(id: string, spec: RuleSpec): { rule: Rule; created: boolean } {
    const problems = validateRule({ ...spec, id }, this.catalog);
    if (problems.length) throw new RuleError(problems);
    const entry = this.entry(id, spec);
    const i = this.entries.findIndex((x) => x.rule.id === id);
    if (i >= 0) this.entries[i] = entry;
    else this.entries.push(entry);
    return { rule: this.view(entry.rule), created: i < 0 };
  }

  private entry(id: string, spec: RuleSpec): Entry {
    const match = { ...(spec.match ?? {}) };
    const rule: Rule = {
      id,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      match,
      effects: structuredClone(spec.effects),
      probability: spec.probability ?? 1,
      skip: spec.skip ?? 0,
      max: spec.max ?? null,
      enabled: spec.enabled ?? true,
      matched: 0,
      fired: 0,
    };
    return {
      rule,
      random: new Random((this.seed ^ hash32(id)) >>> 0),
      ops: match.operation === undefined ? undefined : Array.isArray(match.operation) ? match.operation : [match.operation],
      path: match.path !== undefined ? new RegExp(match.path) : undefined,
      subject: match.subject !== undefined ? new RegExp(match.subject) : undefined,
      method: match.method?.toUpperCase(),
    };
  }

  list(): Rule[] {
    return this.entries.map((x) => this.view(x.rule));
  }

  get(id: string): Rule | undefined {
    const e = this.entries.find((x) => x.rule.id === id);
    return e && this.view(e.rule);
  }

  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((x) => x.rule.id !== id);
    return this.entries.length < before;
  }

  /** Removes every rule (and restarts generated ids), or only the rules of one api or one project. */
  clear(scope: { api?: ApiName; project?: string } = {}): number {
    const before = this.entries.length;
    if (!scope.api && !scope.project) {
      this.entries = [];
      this.nextId = 1;
      return before;
    }
    this.entries = this.entries.filter((x) => {
      const m = x.rule.match;
      if (scope.project !== undefined) return m.project !== scope.project;
      const apis = new Set<ApiName | undefined>([m.api, ...(x.ops ?? []).map((op) => this.catalog.apiOf(op))]);
      return !apis.has(scope.api);
    });
    return before - this.entries.length;
  }

  /** Whether a rule's match block selects a request (counters untouched). */
  private matches(e: Entry, ctx: MatchContext & { path?: string }, subject: () => string | undefined): boolean {
    const m = e.rule.match;
    if (m.api !== undefined && m.api !== ctx.api) return false;
    if (e.ops && !e.ops.includes(ctx.operation)) return false;
    if (m.route !== undefined && m.route !== ctx.route) return false;
    if (e.method !== undefined && e.method !== ctx.method.toUpperCase()) return false;
    if (m.project !== undefined && m.project !== ctx.project) return false;
    if (e.path && !e.path.test(ctx.path ?? '')) return false;
    if (e.subject) {
      const value = subject();
      if (value === undefined || !e.subject.test(value)) return false;
    }
    return true;
  }

  /**
   * Evaluates every rule, in the order they were added, against one request: counts matches, applies skip, max and
   * probability, and combines the effects of those that fire (latency adds up to at most MAX_LATENCY_MS; the first
   * outcome, duration and error win; any drop drops). Matches of create-only rules are listed in `tentative`: the
   * caller settles them once it knows whether the create succeeded.
   */
  evaluate(ctx: MatchContext & { path?: string }): Decision {
    const d: Decision = { fired: [], effects: {}, latencyMs: 0, drop: false, tentative: [] };
    let subjectDone = false;
    let subjectValue: string | undefined;
    const subject = (): string | undefined => {
      if (!subjectDone) {
        subjectDone = true;
        try {
          const s = typeof ctx.subject === 'function' ? ctx.subject() : ctx.subject;
          subjectValue = typeof s === 'string' ? s : undefined;
        } catch {
          subjectValue = undefined;
        }
      }
      return subjectValue;
    };
    for (const e of this.entries) {
      const r = e.rule;
      if (!r.enabled || !this.matches(e, ctx, subject)) continue;
      const fx = r.effects;
      const createOnly = fx.error === undefined && fx.latency === undefined && !fx.drop;
      r.matched++;
      let fires = r.matched > r.skip && (r.max === null || r.fired < r.max);
      if (fires && r.probability < 1 && !(e.random.next() < r.probability)) fires = false;
      if (createOnly) d.tentative.push({ id: r.id, fired: fires, rule: r });
      if (!fires) continue;
      r.fired++;
      d.fired.push(r.id);
      if (fx.outcome && !d.effects.outcome) d.effects.outcome = { ...fx.outcome };
      if (fx.durationSeconds !== undefined && d.effects.durationSeconds === undefined) d.effects.durationSeconds = fx.durationSeconds;
      if (fx.error && !d.error) d.error = { ...fx.error };
      if (fx.latency) d.latencyMs += this.latency(e, fx.latency);
      if (fx.drop) d.drop = true;
    }
    d.latencyMs = Math.min(d.latencyMs, MAX_LATENCY_MS);
    return d;
  }

  /**
   * Settles tentative matches: when the create succeeded they stand; otherwise each gives back its match (towards
   * `skip`) and its firing (towards `max`). A rule replaced or removed meanwhile is left alone. The probability draw
   * of a given-back match is not given back. Returns the ids of the rules whose firing stands.
   */
  settle(tentative: readonly Tentative[], succeeded: boolean): string[] {
    const stands: string[] = [];
    for (const t of tentative) {
      if (succeeded) {
        if (t.fired) stands.push(t.id);
        continue;
      }
      if (!this.entries.some((x) => x.rule === t.rule)) continue;
      t.rule.matched = Math.max(0, t.rule.matched - 1);
      if (t.fired) t.rule.fired = Math.max(0, t.rule.fired - 1);
    }
    return stands;
  }

  private latency(e: Entry, l: LatencySpec): number {
    switch (l.kind) {
      case 'fixed':
        return l.ms;
      case 'uniform':
        return Math.round(l.minMs + (l.maxMs - l.minMs) * e.random.next());
      case 'lognormal':
        return Math.round(Math.min(l.maxMs ?? 60_000, l.medianMs * Math.exp(l.sigma * e.random.normal())));
    }
  }

  private view(r: Rule): Rule {
    return structuredClone(r);
  }
}
