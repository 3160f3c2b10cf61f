// What a fault rule may say, checked in one place against the APIs' descriptors: their operations (which create,
// which carry a subject), outcome states, projects and vendor error types. A rule that could never apply is refused
// with the reason, one line per problem.
import type { ApiDescriptor, Operation } from './api.js';
import { RULE_LIMITS, type RuleSpec } from './rule-types.js';

/** The operations rules may name, by API, from the descriptors. */
export class RuleCatalog {
  private readonly ops = new Map<string, { api: ApiDescriptor; op: Operation }>();
  constructor(readonly apis: readonly ApiDescriptor[]) {
    for (const api of apis) for (const op of api.operations) if (!this.ops.has(op.id)) this.ops.set(op.id, { api, op });
  }
  api(name: string): ApiDescriptor | undefined {
    return this.apis.find((a) => a.name === name);
  }
  /** The API an operation id belongs to. */
  apiOf(operation: string): string | undefined {
    return this.ops.get(operation)?.api.name;
  }
  operation(operation: string): Operation | undefined {
    return this.ops.get(operation)?.op;
  }
  all(): string[] {
    return [...this.ops.keys()];
  }
  subjects(): string[] {
    return this.all().filter((id) => this.ops.get(id)!.op.subject);
  }
  creates(): string[] {
    return this.all().filter((id) => this.ops.get(id)!.op.creates);
  }
  /** What subjects are, in words (`restore name or backup location`). */
  subjectWords(): string {
    return this.apis.map((a) => a.subject).join(' or ');
  }
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

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
const names = (apis: readonly ApiDescriptor[], sep: string) => apis.map((a) => a.name).join(sep);

/** The match block: api, operations, method, regexes, route, project, subject. Returns the APIs it can reach. */
function checkMatch(
  spec: RuleSpec,
  catalog: RuleCatalog,
  p: string[],
): { api?: string; opApis: Set<string>; ops: string[] } {
  const m = spec.match ?? {};
  if (m.api !== undefined && !catalog.api(m.api)) {
    p.push(`match.api: must be ${catalog.apis.map((a) => `"${a.name}"`).join(' or ')}, not ${JSON.stringify(m.api)}`);
  }
  const ops = m.operation === undefined ? [] : Array.isArray(m.operation) ? m.operation : [m.operation];
  if (Array.isArray(m.operation) && ops.length === 0) p.push('match.operation: an empty list matches nothing');
  const opApis = new Set<string>();
  for (const op of ops) {
    const api = catalog.apiOf(op);
    if (!api) {
      p.push(`match.operation: unknown operation "${op}" (known: ${catalog.all().join(', ')})`);
      continue;
    }
    opApis.add(api);
    if (m.api && api !== m.api) p.push(`match.operation: "${op}" is a ${api} operation but match.api is "${m.api}"`);
  }
  const api = m.api ?? (opApis.size === 1 ? [...opApis][0] : undefined);
  if (m.method !== undefined && !/^[A-Za-z]+$/.test(m.method)) {
    p.push(`match.method: not an HTTP method: ${JSON.stringify(m.method)}`);
  }
  for (const key of ['path', 'subject'] as const) {
    const r = regexProblem(`match.${key}`, m[key]);
    if (r) p.push(r);
  }
  if (m.route !== undefined && !m.route.startsWith('/')) {
    p.push('match.route: a route pattern starts with "/", as the route was registered (e.g. /v1/:project_id/restores)');
  }
  if (m.project !== undefined) {
    const withProjects = catalog.apis.filter((a) => a.project);
    const reach = api ? [api] : [...opApis];
    const without = reach.filter((a) => !catalog.api(a)?.project);
    if (reach.length > 0 && without.length === reach.length) {
      p.push(
        `match.project: ${without.join(' and ')} requests have no project; ` +
          `project applies to ${names(withProjects, ' and ')} only`,
      );
    }
  }
  if (m.subject !== undefined) {
    const subjects = catalog.subjects().join(', ');
    const words = catalog.subjectWords();
    if (ops.length === 0)
      p.push(`match.subject: set match.operation to one of ${subjects} (only they carry a ${words})`);
    for (const op of ops) {
      if (catalog.apiOf(op) && !catalog.operation(op)?.subject) {
        p.push(`match.subject: "${op}" requests carry no ${words} (only ${subjects} do)`);
      }
    }
  }
  return { api, opApis, ops };
}

function checkLatency(spec: RuleSpec, p: string[]): void {
  const l = spec.effects.latency;
  if (l === undefined) return;
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
    if (!isNum(l.sigma) || l.sigma < sg.min || l.sigma > sg.max)
      p.push(`effects.latency.sigma: ${sg.min} to ${sg.max}`);
    if (l.maxMs !== undefined && !ms(l.maxMs)) p.push(`effects.latency.maxMs: ${min} to ${max}`);
  } else {
    p.push('effects.latency.kind: fixed, uniform or lognormal');
  }
}

/**
 * Checks that a rule can apply to what it matches; returns one line per problem (empty when valid). Refuses, with
 * the reason: an unknown api or operation, an operation of another api, an outcome or duration on anything but a
 * create, an outcome state the api does not have, a subject regex where no subject exists, a project where requests
 * have none, a vendor error type where the API has none, a bad regex, an error with a drop, an outcome with an error
 * or a drop, and out-of-range numbers.
 */
export function validateRule(spec: RuleSpec, catalog: RuleCatalog): string[] {
  const p: string[] = [];
  if (!spec || typeof spec !== 'object') return ['rule: must be an object'];
  if (spec.id !== undefined && !ID_RE.test(spec.id)) {
    p.push('id: 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  const { api, opApis, ops } = checkMatch(spec, catalog, p);
  const e = spec.effects;
  if (!e || typeof e !== 'object') {
    p.push('effects: required (outcome, durationSeconds, error, latency or drop)');
    return p;
  }
  const kinds = (['outcome', 'durationSeconds', 'error', 'latency', 'drop'] as const).filter(
    (k) => e[k] !== undefined && e[k] !== false,
  );
  if (kinds.length === 0) p.push('effects: give at least one of outcome, durationSeconds, error, latency, drop');
  if (e.outcome !== undefined || e.durationSeconds !== undefined) {
    const what = e.outcome !== undefined ? 'effects.outcome' : 'effects.durationSeconds';
    const allCreates = catalog.creates();
    const creates = ops.filter((op) => allCreates.includes(op));
    if (ops.length === 0) {
      const list = allCreates.map((op) => `"${op}"`).join(' or ');
      p.push(`${what}: applies only to creating a restore or job; set match.operation to ${list}`);
    } else if (creates.length !== ops.length) {
      const bad = ops.filter((op) => !creates.includes(op) && catalog.apiOf(op));
      if (bad.length) {
        p.push(
          `${what}: "${bad.join('", "')}" creates nothing; ` +
            `only ${allCreates.join(' and ')} take an outcome or duration`,
        );
      }
    }
    if (e.outcome !== undefined) {
      const outcomeApis = api ? [api] : [...opApis];
      for (const a of outcomeApis) {
        const states = catalog.api(a)?.outcomes ?? [];
        if (!states.includes(e.outcome.state)) {
          p.push(`effects.outcome.state: "${e.outcome.state}" is not a ${a} outcome (one of ${states.join(', ')})`);
        }
      }
      if (outcomeApis.length > 1) {
        p.push(`effects.outcome: the states of ${outcomeApis.join(' and ')} differ; match one api per outcome rule`);
      }
    }
    const d = RULE_LIMITS.durationSeconds;
    if (
      e.durationSeconds !== undefined &&
      !(isNum(e.durationSeconds) && e.durationSeconds >= d.min && e.durationSeconds <= d.max)
    ) {
      p.push(`effects.durationSeconds: a number of seconds from ${d.min} to ${d.max}`);
    }
  }
  if (e.error !== undefined) {
    const st = RULE_LIMITS.errorStatus;
    if (!isInt(e.error.status) || e.error.status < st.min || e.error.status > st.max) {
      p.push(`effects.error.status: an HTTP error status from ${st.min} to ${st.max}`);
    }
    if (e.error.vendorError !== undefined) {
      const withTypes = catalog.apis.filter((a) => a.vendorError);
      const reach = (api ? [api] : [...opApis]).map((a) => catalog.api(a)).filter((a) => a !== undefined);
      const typed = reach.length ? reach.filter((a) => a.vendorError) : withTypes;
      if (typed.length === 0) {
        p.push(`effects.error.vendorError: a vendor error type applies to ${names(withTypes, ' and ')} only`);
      } else {
        for (const a of typed) {
          if (!a.vendorError!.pattern.test(e.error.vendorError))
            p.push(`effects.error.vendorError: ${a.vendorError!.hint}`);
        }
      }
    }
    if (e.drop) p.push('effects: error and drop exclude each other (a dropped connection sends no status)');
    if (e.outcome !== undefined || e.durationSeconds !== undefined) {
      p.push('effects: an error answers before anything is created, so outcome/durationSeconds would never apply');
    }
  }
  if (e.drop && (e.outcome !== undefined || e.durationSeconds !== undefined)) {
    p.push('effects: a dropped connection creates nothing, so outcome/durationSeconds would never apply');
  }
  checkLatency(spec, p);
  const pr = RULE_LIMITS.probability;
  if (
    spec.probability !== undefined &&
    !(isNum(spec.probability) && spec.probability >= pr.min && spec.probability <= pr.max)
  ) {
    p.push(`probability: ${pr.min} to ${pr.max}`);
  }
  if (spec.skip !== undefined && !(isInt(spec.skip) && spec.skip >= RULE_LIMITS.skip.min)) {
    p.push(`skip: a whole number >= ${RULE_LIMITS.skip.min}`);
  }
  if (spec.max !== undefined && spec.max !== null && !(isInt(spec.max) && spec.max >= RULE_LIMITS.max.min)) {
    p.push(`max: a whole number >= ${RULE_LIMITS.max.min} (or null for no limit)`);
  }
  return p;
}
