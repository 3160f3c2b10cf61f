// TypeBox schemas of the control plane (request and response of every /_sim route; they feed the OpenAPI document).
// The ones that name APIs, their states or their projects are built from the descriptors (`apiSchemas`).
import { Type, type Static } from '@sinclair/typebox';
import type { ApiDescriptor } from '../core/api.js';
import { RULE_LIMITS } from '../core/rules.js';

export const ErrorBody = Type.Object(
  {
    error: Type.String({
      description:
        'Machine-readable code: bad_request, unauthorized, not_found, conflict, invalid_rule, invalid_fixtures, ' +
        'internal_error',
    }),
    message: Type.String(),
    problems: Type.Optional(Type.Array(Type.String(), { description: 'One line per problem (rules, fixtures)' })),
  },
  { title: 'SimError' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const Health = Type.Object({ status: Type.Literal('ok') });
export const Ready = Type.Object({ status: Type.Union([Type.Literal('ready'), Type.Literal('starting')]) });

export const FixturesQuery = Type.Object(
  { mode: Type.Optional(Type.Union([Type.Literal('merge'), Type.Literal('replace')], { default: 'merge' })) },
  { additionalProperties: false },
);

export const ClockState = Type.Object({
  mode: Type.Union([Type.Literal('real'), Type.Literal('virtual')]),
  now: Type.String({ format: 'date-time', description: 'Simulated time, ISO-8601' }),
  epochMs: Type.Integer({ description: 'Simulated time in ms since the epoch' }),
  speed: Type.Number(),
});
export type ClockState = Static<typeof ClockState>;
export const ClockAdvance = Type.Object(
  { seconds: Type.Number({ minimum: 0, maximum: 3_153_600_000 }) },
  { additionalProperties: false },
);
export const ClockPut = Type.Object(
  {
    mode: Type.Optional(Type.Union([Type.Literal('real'), Type.Literal('virtual')])),
    speed: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
    now: Type.Optional(Type.String({ description: 'Jump to this instant (ISO-8601); never backwards' })),
  },
  { additionalProperties: false },
);

// Rules: the schema checks shapes and types only; the ranges of the numbers are checked in one place, validateRule
// (src/core/rule-check.ts, RULE_LIMITS), whose problems name the field and its range (400 invalid_rule).
const L = RULE_LIMITS;
const range = (r: { min: number; max?: number }, unit = '') =>
  r.max === undefined ? `at least ${r.min}${unit}` : `${r.min} to ${r.max}${unit}`;
const ms = (what: string) => Type.Number({ description: `${what}, ${range(L.latencyMs, ' ms')}` });
const Latency = Type.Union([
  Type.Object({ kind: Type.Literal('fixed'), ms: ms('Delay') }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('uniform'), minMs: ms('Shortest delay'), maxMs: ms('Longest delay') },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('lognormal'),
      medianMs: Type.Number({ description: `Median delay, above ${L.latencyMs.min}, at most ${L.latencyMs.max} ms` }),
      sigma: Type.Number({ description: `Spread, ${range(L.sigma)}` }),
      maxMs: Type.Optional(ms('Cap (default 60000)')),
    },
    { additionalProperties: false },
  ),
]);

export const Deleted = Type.Object({ deleted: Type.Integer() });
export const IdParams = Type.Object({ id: Type.String() });

export const ForceResult = Type.Object({ id: Type.Optional(Type.String()), state: Type.String() });

export const JournalEntry = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  time: Type.String({ format: 'date-time' }),
  clock: Type.String({ format: 'date-time' }),
  api: Type.String(),
  operation: Type.Optional(Type.String()),
  method: Type.String(),
  path: Type.String(),
  url: Type.String(),
  route: Type.Optional(Type.String()),
  headers: Type.Record(Type.String(), Type.String()),
  body: Type.Optional(Type.Unknown()),
  status: Type.Integer(),
  durationMs: Type.Number(),
  rules: Type.Array(Type.String()),
  dropped: Type.Optional(Type.Boolean()),
});
export const JournalList = Type.Object({
  requests: Type.Array(JournalEntry),
  total: Type.Integer({ description: 'Entries held (before filters)' }),
  capacity: Type.Integer(),
});

export const Metrics = Type.String({ description: 'Prometheus text exposition format 0.0.4' });

/** The schemas that name the APIs (an enum of their names), their outcome states, projects and error types. */
export function apiSchemas(apis: readonly ApiDescriptor[]) {
  const Api = Type.Union(apis.map((a) => Type.Literal(a.name)));
  const sections = apis.map((a) => `"${a.name}": {...}`).join(', ');
  const outcomes = apis.map((a) => `${a.name}: ${a.outcomes.join(', ')}`).join('; ');
  const withProjects = apis
    .filter((a) => a.project)
    .map((a) => a.name)
    .join(', ');
  const vendorErrors = apis
    .filter((a) => a.vendorError)
    .map((a) => `${a.name}: ${a.vendorError!.hint}`)
    .join('; ');
  const ResetQuery = Type.Object(
    {
      api: Type.Optional(Api),
      project: Type.Optional(
        Type.String({ minLength: 1, description: 'Reset one project only (its rules too), in the APIs with projects' }),
      ),
    },
    { additionalProperties: false },
  );
  const ResetResult = Type.Object({
    status: Type.Literal('reset'),
    api: Type.Optional(Api),
    project: Type.Optional(Type.String()),
    rulesRemoved: Type.Integer(),
    journalCleared: Type.Boolean(),
  });

  const FixtureDocument = Type.Record(Type.String(), Type.Unknown(), {
    description: `A fixtures document: { ${sections} }, the format of the fixtures/ files`,
  });
  const RuleMatch = Type.Object(
    {
      api: Type.Optional(Api),
      operation: Type.Optional(
        Type.Union([Type.String(), Type.Array(Type.String())], {
          description: 'Operation id(s), e.g. restores.create, job.create',
        }),
      ),
      route: Type.Optional(
        Type.String({ description: 'Exact route pattern, e.g. /v1/:project_id/restores/:restore_id' }),
      ),
      path: Type.Optional(Type.String({ description: 'Regular expression over the request path' })),
      method: Type.Optional(Type.String()),
      project: Type.Optional(Type.String({ description: `Project id (${withProjects})` })),
      subject: Type.Optional(
        Type.String({ description: "Regular expression over the restore's name or the backup location" }),
      ),
    },
    { additionalProperties: false },
  );

  const RuleEffects = Type.Object(
    {
      outcome: Type.Optional(
        Type.Object(
          {
            state: Type.String({ description: outcomes }),
            message: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      ),
      durationSeconds: Type.Optional(
        Type.Number({
          description: `Total clock time of the created restore or job, ${range(L.durationSeconds, ' s')}`,
        }),
      ),
      error: Type.Optional(
        Type.Object(
          {
            status: Type.Integer({ description: `HTTP error status, ${range(L.errorStatus)}` }),
            message: Type.Optional(Type.String()),
            vendorError: Type.Optional(Type.String({ description: vendorErrors })),
          },
          { additionalProperties: false },
        ),
      ),
      latency: Type.Optional(Latency),
      drop: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  );

  const ruleFields = {
    description: Type.Optional(Type.String()),
    match: Type.Optional(RuleMatch),
    effects: RuleEffects,
    probability: Type.Optional(
      Type.Number({ description: `Chance that a counted match fires, ${range(L.probability)} (default 1)` }),
    ),
    skip: Type.Optional(Type.Integer({ description: `Matches to let pass first, ${range(L.skip)} (default 0)` })),
    max: Type.Optional(Type.Union([Type.Integer({ description: `Most firings, ${range(L.max)}` }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  };

  const RuleInput = Type.Object(
    {
      id: Type.Optional(
        Type.String({ description: '1–64 letters, digits, ".", "_" or "-", starting with a letter or digit' }),
      ),
      ...ruleFields,
    },
    { additionalProperties: false },
  );
  const RulePut = Type.Object(ruleFields, { additionalProperties: false });

  const RuleView = Type.Object({
    id: Type.String(),
    description: Type.Optional(Type.String()),
    match: RuleMatch,
    effects: RuleEffects,
    probability: Type.Number(),
    skip: Type.Integer(),
    max: Type.Union([Type.Integer(), Type.Null()]),
    enabled: Type.Boolean(),
    matched: Type.Integer({ description: 'Requests matched while enabled' }),
    fired: Type.Integer({ description: 'Times fired' }),
  });
  const RuleList = Type.Object({ rules: Type.Array(RuleView) });
  const ForceBody = Type.Object(
    {
      state: Type.String({ description: `Target state: a running state or an outcome (${outcomes})` }),
      message: Type.Optional(Type.String({ description: 'Error or cancel message where the state has one' })),
    },
    { additionalProperties: false },
  );
  const JournalQuery = Type.Object(
    {
      api: Type.Optional(Type.Union([Api, Type.Literal('other')])),
      method: Type.Optional(Type.String()),
      path: Type.Optional(Type.String({ description: 'Path prefix' })),
      status: Type.Optional(
        Type.String({
          pattern: '^([1-5][0-9][0-9]|[1-5]xx|0)$',
          description: 'Exact status (404), class (4xx), or 0 for dropped connections',
        }),
      ),
      since: Type.Optional(Type.String({ description: 'ISO-8601 wall time; entries at or after it' })),
      after: Type.Optional(Type.Integer({ minimum: 0, description: 'Entries with seq above this' })),
      limit: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  );
  return {
    ResetQuery,
    ResetResult,
    FixtureDocument,
    RuleMatch,
    RuleEffects,
    RuleInput,
    RulePut,
    RuleView,
    RuleList,
    ForceBody,
    JournalQuery,
  };
}
