// Fault rules: what a client writes (RuleSpec), what is stored (Rule), what a request is matched against
// (MatchContext) and what the rules that fire do to it (Decision). The engine is rules.ts; the checks rule-check.ts.
// A rule matches requests by api, operation, method, project and a regex over the request's subject; when it fires,
// its effects apply: an outcome and/or duration for the restore or job being created, an immediate vendor-dialect
// HTTP error, added latency, or a dropped connection.

export interface MatchContext {
  /** The API's name. */
  api: string;
  /** Operation id from the route's config, e.g. `restores.create`, `job.create`. */
  operation: string;
  method: string;
  /** Route pattern as Fastify registered it, e.g. `/v1/:project_id/restores/:restore_id`. */
  route: string;
  project?: string;
  /**
   * The request's subject (a restore name, a backup location), or a function giving it, called at most once and only
   * when a rule that could fire has `match.subject`.
   */
  subject?: string | (() => string | undefined);
}

export interface OutcomeEffect {
  /** A terminal state of the API (its descriptor's `outcomes`). */
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
 * renders it in that vendor's dialect and representation (JSON or XML).
 */
export class InjectedFault extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** The vendor's error type (APIs with `vendorError`); the API derives one from the status when absent. */
    readonly vendorError?: string,
  ) {
    super(message);
    this.name = 'InjectedFault';
  }
}

export type LatencySpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Log-normal around a median: ms = medianMs × e^(sigma × N(0,1)), capped at maxMs (default 60 000). */
  | { kind: 'lognormal'; medianMs: number; sigma: number; maxMs?: number };

export interface RuleMatch {
  api?: string;
  /** One operation id or several (any of them). */
  operation?: string | string[];
  /** Exact route pattern, e.g. `/v1/:project_id/restores/:restore_id`. */
  route?: string;
  /** Regular expression over the request path (no query string). */
  path?: string;
  /** HTTP method (any case). */
  method?: string;
  /** The project of the request's URL (APIs with projects). */
  project?: string;
  /** Regular expression over the request's subject (its API's descriptor says what: a restore name, a location). */
  subject?: string;
}

export interface ErrorEffect {
  status: number;
  message?: string;
  /** The vendor's error type, for APIs that name one (descriptor `vendorError`), e.g. `service_unavailable`. */
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
  constructor(
    readonly problems: string[],
    readonly statusCode = 400,
  ) {
    super(problems.join('; '));
    this.name = 'RuleError';
  }
}

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
