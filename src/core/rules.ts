// The fault rule engine. Rules live in memory (like WireMock's stub mappings): they do not survive a restart, and a
// full `POST /_sim/reset` clears them. Each rule draws from its own seeded random stream (seed × rule id), so a rule
// with a given id, under a given --seed, fires on the same sequence of its matches every run, whatever else happens.
import type { ApiDescriptor } from './api.js';
import { Random } from './random.js';
import { RuleCatalog, validateRule } from './rule-check.js';
import {
  MAX_LATENCY_MS,
  RuleError,
  type Decision,
  type LatencySpec,
  type MatchContext,
  type Rule,
  type RuleSpec,
  type Tentative,
} from './rule-types.js';

export * from './rule-types.js';
export { RuleCatalog, validateRule };

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
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
  /** Operations rules may name, from the APIs' descriptors. */
  readonly catalog: RuleCatalog;

  constructor(
    private readonly seed: number,
    apis: readonly ApiDescriptor[],
  ) {
    this.catalog = new RuleCatalog(apis);
  }

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
      ops:
        match.operation === undefined
          ? undefined
          : Array.isArray(match.operation)
            ? match.operation
            : [match.operation],
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
  clear(scope: { api?: string; project?: string } = {}): number {
    const before = this.entries.length;
    if (!scope.api && !scope.project) {
      this.entries = [];
      this.nextId = 1;
      return before;
    }
    this.entries = this.entries.filter((x) => {
      const m = x.rule.match;
      if (scope.project !== undefined) return m.project !== scope.project;
      const apis = new Set<string | undefined>([m.api, ...(x.ops ?? []).map((op) => this.catalog.apiOf(op))]);
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
   * caller confirms them once it knows whether the create succeeded.
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
      if (fx.durationSeconds !== undefined && d.effects.durationSeconds === undefined)
        d.effects.durationSeconds = fx.durationSeconds;
      if (fx.error && !d.error) d.error = { ...fx.error };
      if (fx.latency) d.latencyMs += this.latency(e, fx.latency);
      if (fx.drop) d.drop = true;
    }
    d.latencyMs = Math.min(d.latencyMs, MAX_LATENCY_MS);
    return d;
  }

  /**
   * Confirms tentative matches: when the create succeeded they stand; otherwise each gives back its match (towards
   * `skip`) and its firing (towards `max`). A rule replaced or removed meanwhile is left alone. The probability draw
   * of a given-back match is not given back. Returns the ids of the rules whose firing stands.
   */
  confirm(tentative: readonly Tentative[], succeeded: boolean): string[] {
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
