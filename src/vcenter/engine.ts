// The vCenter appliance without HTTP: its fixtures, its sessions, and its single restore job slot, persisted in
// SQLite and moved by the lifecycle engine. Every method works on committed state at the clock's `now`.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { Migration, Store } from '../core/store.js';
import { evaluate, rebase, type Phase, type Plan } from '../core/lifecycle.js';
import { isoZ } from '../core/clock.js';
import type { CreateEffects } from '../core/rules.js';
import type { ForceResult } from '../core/api.js';
import { VapiError, msg, vapiError, type LocalizableMessage } from './errors.js';
import { Value } from '@sinclair/typebox/value';
import {
  PHASES, SCHEME_OF, mergeSections, normalizeSection, schemeOf,
  type Backup, type BackupLocation, type LocationType, type PhaseName, type VcenterSection,
} from './model.js';
import type { Static } from '@sinclair/typebox';
import {
  JobRestoreRequest, LocationType as LocationTypeSchema, Metadata as MetadataSchema, RestoreJobStatus as RestoreJobStatusSchema,
  ReturnResult as ReturnResultSchema, SessionInfo as SessionInfoSchema, ValidateRestoreRequest, enumValues,
} from './schemas.js';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE vcenter_appliance (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        section TEXT NOT NULL,          -- the normalized fixtures section (JSON)
        state TEXT NOT NULL             -- DEPLOYED (before firstboot) | CONFIGURED
      );
      CREATE TABLE vcenter_job (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL,            -- committed state: INPROGRESS | SUCCEEDED | FAILED
        progress INTEGER NOT NULL,
        plan TEXT NOT NULL,             -- lifecycle Plan; terminal.message holds a LocalizableMessage as JSON
        phase_messages TEXT NOT NULL,   -- one LocalizableMessage per planned phase (JSON array)
        parts TEXT,                     -- requested parts (JSON array) or NULL
        request TEXT NOT NULL,          -- the request, secrets masked (JSON)
        started_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE TABLE vcenter_session (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_accessed_at INTEGER NOT NULL
      );`,
  },
  {
    // progress, finished_at and request were written and never read: the job's status at any instant is computed
    // from its plan (only the committed state is stored, for transitions and counts).
    version: 2,
    up: `
      ALTER TABLE vcenter_job DROP COLUMN progress;
      ALTER TABLE vcenter_job DROP COLUMN finished_at;
      ALTER TABLE vcenter_job DROP COLUMN request;`,
  },
];

export const JOB_ID = 'restore-job';
const M = 'com.vmware.appliance.recovery.restore';

// The structures as TypeScript types, from their schemas (schemas.ts): one definition each.
export type RestoreRequest = Static<typeof JobRestoreRequest>;
export type RestoreJobStatus = Static<typeof RestoreJobStatusSchema>;
export type ReturnResult = Static<typeof ReturnResultSchema>;
export type Metadata = Static<typeof MetadataSchema>;
/** What `com.vmware.cis.session.get` answers. */
export type SessionInfo = Static<typeof SessionInfoSchema>;
/** A live session: its id and its SessionInfo. */
export type Session = SessionInfo & { id: string };

/** The SessionInfo of a session (every generation and JSON-RPC answer this same object). */
export const sessionInfo = (s: Session): SessionInfo => ({ user: s.user, created_time: s.created_time, last_accessed_time: s.last_accessed_time });

interface JobRow {
  state: string;
  plan: string;
  phase_messages: string;
  parts: string | null;
  started_at: number;
}

/** The job row, parsed (once per engine call). */
interface Job {
  /** Committed state: INPROGRESS | SUCCEEDED | FAILED. */
  state: string;
  plan: Plan;
  phaseMessages: LocalizableMessage[];
  parts: string[] | null;
  startedAt: number;
}

/** Every statement the engine runs, prepared once per store (`Store.stmt`'s cache), after the migrations. */
function statements(store: Store) {
  const p = (sql: string) => store.stmt(sql);
  return {
    appliance: p('SELECT section, state FROM vcenter_appliance WHERE id = 1'),
    saveAppliance: p(
      'INSERT INTO vcenter_appliance (id, section, state) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET section = excluded.section, state = excluded.state',
    ),
    sessions: p('SELECT id, user FROM vcenter_session'),
    session: p('SELECT id, user, created_at, last_accessed_at FROM vcenter_session WHERE id = ?'),
    insertSession: p('INSERT INTO vcenter_session (id, user, created_at, last_accessed_at) VALUES (?, ?, ?, ?)'),
    touchSession: p('UPDATE vcenter_session SET last_accessed_at = ? WHERE id = ?'),
    deleteSession: p('DELETE FROM vcenter_session WHERE id = ?'),
    job: p('SELECT state, plan, phase_messages, parts, started_at FROM vcenter_job WHERE id = 1'),
    jobState: p('SELECT state FROM vcenter_job WHERE id = 1'),
    putJob: p(
      `INSERT INTO vcenter_job (id, state, plan, phase_messages, parts, started_at) VALUES (1, 'INPROGRESS', ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, plan = excluded.plan, phase_messages = excluded.phase_messages,
         parts = excluded.parts, started_at = excluded.started_at`,
    ),
    setJobState: p('UPDATE vcenter_job SET state = ? WHERE id = 1'),
    setJobPlan: p('UPDATE vcenter_job SET plan = ? WHERE id = 1'),
    deleteJob: p('DELETE FROM vcenter_job'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a RestoreRequest (JSON, XML-derived or JSON-RPC-derived): required fields, types, unknown fields ignored.

const STRUCT = { job: `${M}.job.restore_request`, validate: `${M}.restore_request` } as const;

const fieldMissing = (struct: string, field: string) =>
  vapiError('invalid_argument', 'vapi.data.structure.field.missing', `Field '${field}' missing from structure '${struct}'`, [struct, field]);
const typeName = (v: unknown): string =>
  typeof v === 'string' ? 'String' : typeof v === 'boolean' ? 'Boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'Integer' : 'Double')
    : Array.isArray(v) ? 'List' : 'Structure';
/** A declared field with a value of the wrong type: the vAPI data validator's two messages. */
const fieldInvalid = (struct: string, field: string, expectedType: string, value: unknown) =>
  new VapiError('invalid_argument', [
    msg('vapi.data.structure.field.invalid', `Invalid field '${field}' in structure '${struct}'`, [field, struct]),
    msg('vapi.data.validate.mismatch', `Type mismatch - expected an object of type '${expectedType}', but got '${typeName(value)}'`, [expectedType, typeName(value)]),
  ]);
const enumInvalid = (struct: string, field: string, value: unknown) => {
  const values = enumValues(LocationTypeSchema).join(', ');
  return new VapiError('invalid_argument', [
    msg('vapi.data.structure.field.invalid', `Invalid field '${field}' in structure '${struct}'`, [field, struct]),
    msg(`${M}.location_type.invalid`, `Invalid value '${String(value)}' for location_type: expected one of ${values}`, [String(value), values]),
  ]);
};

// The structures' fields come from their schemas (schemas.ts): every declared field, the required ones, and the
// optional string fields (a `password` format is a vAPI Secret, named so in type mismatch messages).
const SCHEMA = { job: JobRestoreRequest, validate: ValidateRestoreRequest } as const;
const FIELDS = { job: Object.keys(JobRestoreRequest.properties), validate: Object.keys(ValidateRestoreRequest.properties) } as const;
const REQUIRED: Record<'job' | 'validate', readonly string[]> = { job: JobRestoreRequest.required ?? [], validate: ValidateRestoreRequest.required ?? [] };
type StringField = 'backup_password' | 'location_user' | 'location_password' | 'sso_admin_user_name' | 'sso_admin_user_password';
const STRING_FIELDS = Object.entries(ValidateRestoreRequest.properties as Record<string, { type?: unknown; format?: unknown }>)
  .filter(([k, v]) => v.type === 'string' && !REQUIRED.validate.includes(k))
  .map(([k, v]) => ({ name: k as StringField, vapiType: v.format === 'password' ? 'Secret' : 'String' }));

/**
 * A set field the structure does not declare: `unexpected_input`, as VMware's vAPI server skeleton answers
 * (`ApiInterfaceSkeleton.check_for_unknown_fields`, message `vapi.data.structure.field.unexpected`, the field names
 * as a Python set repr). Unknown fields whose value is null (unset optionals) pass.
 */
function checkUnexpected(value: Record<string, unknown>, known: readonly string[], struct: string): void {
  const extra = Object.keys(value).filter((k) => !known.includes(k) && value[k] !== null && value[k] !== undefined);
  if (extra.length === 0) return;
  const names = `{${extra.map((k) => `'${k}'`).join(', ')}}`;
  throw vapiError('unexpected_input', 'vapi.data.structure.field.unexpected', `Found unexpected field '${names}' in structure '${struct}'`, [names, struct]);
}

/**
 * Checks and types a RestoreRequest. `xml`: values arrived as text (booleans as `true`/`false`). `null` is an unset
 * optional. Declared fields are checked first (missing, wrong type → invalid_argument), then unknown set fields
 * (→ unexpected_input), first in `operationInput` (the /rest body around `piece`), then in the request itself.
 */
export function readRestoreRequest(
  raw: unknown,
  kind: 'job' | 'validate',
  opts: { xml?: boolean; operationInput?: Record<string, unknown> } = {},
): RestoreRequest {
  const struct = STRUCT[kind];
  if (raw === undefined || raw === null || raw === '') throw fieldMissing('operation-input', 'piece');
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw vapiError('invalid_argument', 'vapi.data.structure.invalid', `Expected structure '${struct}'`, [struct]);
  const r = raw as Record<string, unknown>;
  const out: Partial<RestoreRequest> = {};
  for (const f of REQUIRED[kind]) {
    if (r[f] === undefined || r[f] === null) throw fieldMissing(struct, f);
  }
  if (typeof r.location_type !== 'string') throw fieldInvalid(struct, 'location_type', 'String', r.location_type);
  if (!Value.Check(LocationTypeSchema, r.location_type)) throw enumInvalid(struct, 'location_type', r.location_type);
  out.location_type = r.location_type as LocationType;
  if (typeof r.location !== 'string') throw fieldInvalid(struct, 'location', 'String', r.location);
  if (r.location.trim() === '')
    throw new VapiError('invalid_argument', [
      msg('vapi.data.structure.field.invalid', `Invalid field 'location' in structure '${struct}'`, ['location', struct]),
      msg(`${M}.location.empty`, 'The location must not be empty'),
    ]);
  out.location = r.location.trim();
  for (const { name: f, vapiType } of STRING_FIELDS) {
    const v = r[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw fieldInvalid(struct, f, vapiType, v);
    out[f] = v;
  }
  if ('ignore_warnings' in SCHEMA[kind].properties && r.ignore_warnings !== undefined && r.ignore_warnings !== null) {
    let v = r.ignore_warnings;
    if (opts.xml && typeof v === 'string' && /^(true|false)$/.test(v.trim())) v = v.trim() === 'true';
    if (typeof v !== 'boolean') throw fieldInvalid(struct, 'ignore_warnings', 'Boolean', v);
    out.ignore_warnings = v;
  }
  if (r.parts !== undefined && r.parts !== null) {
    if (!Array.isArray(r.parts)) throw fieldInvalid(struct, 'parts', 'List', r.parts);
    const bad = r.parts.find((p) => typeof p !== 'string');
    if (bad !== undefined) throw fieldInvalid(struct, 'parts', 'String', bad);
    out.parts = r.parts as string[];
  }
  if (opts.operationInput) checkUnexpected(opts.operationInput, ['piece'], 'operation-input');
  checkUnexpected(r, FIELDS[kind], struct);
  return out as RestoreRequest;
}

// ---------------------------------------------------------------------------------------------------------------

const norm = (loc: string) => {
  const s = loc.trim().replace(/\/+$/, '');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/]*)(.*)$/.exec(s);
  return m ? m[1]!.toLowerCase() + m[2]!.toLowerCase() + m[3] : s;
};
const hostOf = (loc: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:]*)/.exec(loc.trim())?.[1]?.toLowerCase();

type Access =
  | { ok: true; backup: Backup; loc: BackupLocation }
  | { ok: false; reason: string; backup?: Backup };

const PHASE_SPEC: Record<PhaseName, { seconds: number; progress: [number, number] }> = {
  validate: { seconds: 3, progress: [0, 5] },
  download: { seconds: 0, progress: [5, 60] }, // seconds from size_bytes / restoreRate
  decrypt: { seconds: 4, progress: [60, 65] },
  'restore configuration': { seconds: 8, progress: [65, 85] },
  'start services': { seconds: 8, progress: [85, 99] },
};

export class VcenterEngine {
  private cache: { section: VcenterSection; state: string } | undefined;
  private readonly q: ReturnType<typeof statements>;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {
    store.migrate('vcenter', MIGRATIONS);
    this.q = statements(store);
  }

  // ---- fixtures ------------------------------------------------------------------------------------------------

  private appliance(): { section: VcenterSection; state: string } {
    if (this.cache) return this.cache;
    const row = this.q.appliance.get() as
      | { section: string; state: string }
      | undefined;
    const section = row ? (JSON.parse(row.section) as VcenterSection) : normalizeSection({});
    this.cache = { section, state: row?.state ?? section.appliance.state };
    return this.cache;
  }

  section(): VcenterSection {
    return this.appliance().section;
  }

  applianceState(): string {
    return this.appliance().state;
  }

  private saveAppliance(section: VcenterSection, state: string): void {
    this.q.saveAppliance.run(JSON.stringify(section), state);
    this.cache = undefined;
  }

  load(raw: unknown, mode: 'replace' | 'merge'): void {
    if (mode === 'replace') {
      const section = normalizeSection(raw);
      this.saveAppliance(section, section.appliance.state);
      this.q.deleteJob.run();
      this.dropSessionsOfUnknownUsers(section);
      return;
    }
    const section = normalizeSection(mergeSections(this.section(), raw));
    const givenState = (raw as { appliance?: { state?: string } } | undefined)?.appliance?.state;
    this.saveAppliance(section, givenState ?? this.applianceState());
    this.dropSessionsOfUnknownUsers(section);
  }

  private dropSessionsOfUnknownUsers(section: VcenterSection): void {
    const users = new Set(section.users.map((u) => u.username));
    for (const s of this.q.sessions.all() as { id: string; user: string }[]) if (!users.has(s.user)) this.q.deleteSession.run(s.id);
  }

  // ---- sessions ------------------------------------------------------------------------------------------------

  /** The user name when `username`/`password` match a fixture user. */
  checkPassword(username: string, password: string): string | undefined {
    return this.section().users.find((u) => u.username === username && u.password === password)?.username;
  }

  createSession(user: string): string {
    const id = randomBytes(16).toString('hex');
    const now = this.clock.now();
    this.q.insertSession.run(id, user, now, now);
    return id;
  }

  /** A live session (touched), or undefined when unknown or idle-expired (an expired one is deleted). */
  session(id: string): Session | undefined {
    const row = this.q.session.get(id) as
      | { id: string; user: string; created_at: number; last_accessed_at: number }
      | undefined;
    if (!row) return undefined;
    const now = this.clock.now();
    if (now - row.last_accessed_at >= this.config.sessionIdle * 1000) {
      this.q.deleteSession.run(id);
      return undefined;
    }
    this.q.touchSession.run(now, id);
    return { id: row.id, user: row.user, created_time: isoZ(row.created_at), last_accessed_time: isoZ(row.last_accessed_at) };
  }

  deleteSession(id: string): void {
    this.q.deleteSession.run(id);
  }

  // ---- backups -------------------------------------------------------------------------------------------------

  private checkScheme(req: RestoreRequest): void {
    const scheme = schemeOf(req.location);
    const expected = SCHEME_OF[req.location_type];
    if (scheme && scheme !== expected)
      throw vapiError(
        'invalid_argument',
        `${M}.location_type.mismatch`,
        `The location type ${req.location_type} does not match the location ${req.location}: a ${req.location_type} location starts with ${expected}://.`,
        [req.location_type, req.location],
      );
  }

  private access(req: RestoreRequest): Access {
    const want = norm(req.location);
    for (const backup of this.section().backups) {
      for (const loc of backup.locations) {
        if (loc.location_type !== req.location_type || norm(loc.location) !== want) continue;
        if (!backup.reachable) return { ok: false, backup, reason: `Connection to ${hostOf(loc.location) ?? loc.location} timed out` };
        const user = loc.location_user !== undefined ? loc.location_user : backup.location_user;
        const pass = loc.location_password !== undefined ? loc.location_password : backup.location_password;
        if (user !== null && user !== undefined) {
          if (req.location_user === undefined) return { ok: false, backup, reason: 'Login required: location_user and location_password are not set' };
          if (req.location_user !== user || (req.location_password ?? '') !== (pass ?? ''))
            return { ok: false, backup, reason: `Authentication failed for user ${req.location_user}` };
        }
        return { ok: true, backup, loc };
      }
    }
    const host = hostOf(req.location);
    const knownHost = host && this.section().backups.some((b) => b.locations.some((l) => hostOf(l.location) === host && b.reachable));
    return { ok: false, reason: knownHost || !host ? 'No such file or directory' : `Could not resolve host ${host}` };
  }

  private locationError(req: RestoreRequest, reason: string): LocalizableMessage {
    return msg(`${M}.location.inaccessible`, `Backup location ${req.location} is not accessible: ${reason}`, [req.location, reason]);
  }

  /** restore.validate: reads the backup's metadata at the location (synchronously). */
  validate(req: RestoreRequest): Metadata {
    this.checkScheme(req);
    const a = this.access(req);
    if (!a.ok) throw new VapiError('error', [this.locationError(req, a.reason)]);
    const m = a.backup.metadata;
    return {
      timestamp: m.timestamp,
      parts: [...m.parts],
      version: m.version,
      boxname: m.boxname,
      sso_login_required: m.sso_login_required,
      comment: m.comment,
      applicable: m.applicable,
      messages: m.warnings.map((w) => ({ id: w.id, default_message: w.default_message, args: [...w.args] })),
    };
  }

  // ---- the job -------------------------------------------------------------------------------------------------

  /** The job row, parsed; undefined before the first job (NONE). */
  private readJob(): Job | undefined {
    const row = this.q.job.get() as JobRow | undefined;
    if (!row) return undefined;
    return {
      state: row.state,
      plan: JSON.parse(row.plan) as Plan,
      phaseMessages: JSON.parse(row.phase_messages) as LocalizableMessage[],
      parts: row.parts ? (JSON.parse(row.parts) as string[]) : null,
      startedAt: row.started_at,
    };
  }

  /** The job as clients see it at `now`, computed from its plan. */
  private view(job: Job | undefined, now: number): RestoreJobStatus {
    if (!job) return { state: 'NONE', messages: [], progress: 0 };
    const { plan, phaseMessages } = job;
    const ev = evaluate(plan, job.startedAt, now);
    let out: RestoreJobStatus;
    if (!ev.terminal) {
      out = { state: 'INPROGRESS', messages: phaseMessages.slice(0, ev.phaseIndex + 1), progress: ev.progress };
    } else {
      const last = plan.phases[plan.phases.length - 1];
      const progress = plan.terminal.state === 'SUCCEEDED' ? 100 : (last?.progress[1] ?? 0);
      const messages = phaseMessages.slice(0, plan.phases.length);
      if (plan.terminal.message) messages.push(JSON.parse(plan.terminal.message) as LocalizableMessage);
      out = { state: plan.terminal.state as RestoreJobStatus['state'], messages, progress };
    }
    if (job.parts) out.parts = job.parts;
    return out;
  }

  /**
   * Commits the job's state at `now` (a write only when the state changes: progress is computed, never stored), emits
   * the transition, configures the appliance on success; returns the job as committed.
   */
  private advance(job: Job | undefined, now: number): Job | undefined {
    if (!job || job.state !== 'INPROGRESS') return job;
    const ev = evaluate(job.plan, job.startedAt, now);
    if (!ev.terminal) return job;
    const state = job.plan.terminal.state;
    const write = () => {
      this.q.setJobState.run(state);
      if (state === 'SUCCEEDED') this.saveAppliance(this.section(), 'CONFIGURED');
      this.store.announce({ api: 'vcenter', kind: 'job', id: JOB_ID, from: job.state, to: state, at: ev.finishedAt ?? now });
    };
    this.store.commit(write);
    return { ...job, state };
  }

  /** job.get: commits what is due and answers the job at one instant (so state, appliance and view agree). */
  get(): RestoreJobStatus {
    const now = this.clock.now();
    return this.view(this.advance(this.readJob(), now), now);
  }

  create(req: RestoreRequest, effects: CreateEffects): RestoreJobStatus {
    const now = this.clock.now();
    return this.store.commit(() => {
      const prev = this.advance(this.readJob(), now);
      if (this.applianceState() !== 'DEPLOYED')
        throw vapiError('not_allowed_in_current_state', `${M}.job.not_allowed_in_current_state`, 'Restore is allowed only after deployment and before firstboot');
      if (prev?.state === 'INPROGRESS')
        throw vapiError('feature_in_use', `${M}.job.feature_in_use`, 'A backup or restore is already in progress');
      this.checkScheme(req);
      const { plan, phaseMessages } = this.plan(req, effects);
      const parts = req.parts ? [...req.parts] : null;
      this.q.putJob.run(JSON.stringify(plan), JSON.stringify(phaseMessages), parts ? JSON.stringify(parts) : null, now);
      this.store.announce({ api: 'vcenter', kind: 'job', id: JOB_ID, from: prev?.state ?? 'NONE', to: 'INPROGRESS', at: now });
      const job = this.advance({ state: 'INPROGRESS', plan, phaseMessages, parts, startedAt: now }, now);
      return this.view(job, now);
    });
  }

  /** The job's plan: the five phases, cut short at the phase where this request and backup fail. */
  private plan(req: RestoreRequest, effects: CreateEffects): { plan: Plan; phaseMessages: LocalizableMessage[] } {
    const a = this.access(req);
    const backup = a.ok ? a.backup : undefined;
    const size = backup?.size_bytes ?? 0;
    const seconds = (p: PhaseName) => (p === 'download' ? Math.max(1, Math.round((size / this.config.restoreRate) * 10) / 10) : PHASE_SPEC[p].seconds);
    const phaseMessages: LocalizableMessage[] = [
      msg(`${M}.job.validate`, `Validating the backup at ${req.location} (${req.location_type})`, [req.location, req.location_type]),
      msg(`${M}.job.download`, `Downloading ${size} bytes of backup data from ${req.location}`, [req.location, size]),
      backup?.backup_password === null
        ? msg(`${M}.job.decrypt.skipped`, 'The backup is not encrypted: nothing to decrypt')
        : msg(`${M}.job.decrypt`, 'Decrypting the backup data'),
      msg(`${M}.job.restore_configuration`, `Restoring the configuration of ${backup?.metadata.boxname ?? ''} from the backup taken ${backup?.metadata.timestamp ?? ''}`, [
        backup?.metadata.boxname ?? '', backup?.metadata.timestamp ?? '',
      ]),
      msg(`${M}.job.start_services`, 'Starting the vCenter Server services'),
    ];

    // Where the restore fails, and why (first cause wins): the location is opened by the download phase; the
    // request is checked against the backup's metadata by the validate phase; the password is tried by decrypt.
    let fail: { phase: PhaseName; after: number; message: LocalizableMessage } | undefined;
    if (!a.ok) {
      fail = { phase: 'download', after: a.reason.includes('timed out') ? 2 : 1, message: this.locationError(req, a.reason) };
    } else {
      const m = a.backup.metadata;
      const sso = this.section().sso;
      if (!m.applicable) {
        fail = { phase: 'validate', after: 3, message: msg(`${M}.job.not_applicable`, `The backup of ${m.boxname} (version ${m.version}) cannot be restored on this appliance`, [m.boxname, m.version]) };
      } else if (m.sso_login_required && (req.sso_admin_user_name === undefined || req.sso_admin_user_password === undefined)) {
        fail = {
          phase: 'validate', after: 3,
          message: msg(`${M}.job.sso_credentials_missing`, `The backup of ${m.boxname} needs the SSO administrator credentials: set sso_admin_user_name and sso_admin_user_password`, [m.boxname]),
        };
      } else if (m.sso_login_required && (req.sso_admin_user_name !== sso.username || req.sso_admin_user_password !== sso.password)) {
        fail = {
          phase: 'validate', after: 3,
          message: msg(`${M}.job.sso_credentials_invalid`, `SSO authentication failed for ${req.sso_admin_user_name} on ${m.boxname}`, [req.sso_admin_user_name!, m.boxname]),
        };
      } else if (m.warnings.length > 0 && req.ignore_warnings !== true) {
        const text = m.warnings.map((w) => w.default_message).join(' ');
        fail = {
          phase: 'validate', after: 3,
          message: msg(`${M}.job.validation_warnings`, `Validation returned ${m.warnings.length} warning(s) and ignore_warnings is not set: ${text}`, [m.warnings.length, text]),
        };
      } else if (a.backup.backup_password !== null && req.backup_password !== a.backup.backup_password) {
        const reason = req.backup_password === undefined ? 'the backup is encrypted and backup_password is not set' : 'wrong backup password';
        fail = { phase: 'decrypt', after: 1, message: msg(`${M}.job.decrypt_failed`, `Failed to decrypt the backup at ${req.location}: ${reason}`, [req.location, reason]) };
      } else if (a.backup.failure) {
        const f = a.backup.failure;
        fail = { phase: f.phase, after: seconds(f.phase) / 2, message: msg(`${M}.job.failed`, `Restore failed while running phase "${f.phase}": ${f.message}`, [f.phase, f.message]) };
      }
    }
    if (effects.outcome?.state === 'SUCCEEDED') fail = undefined;
    else if (effects.outcome?.state === 'FAILED') {
      const text = effects.outcome.message ?? 'Restore failed (injected fault)';
      const phase: PhaseName = fail && PHASES.indexOf(fail.phase) < PHASES.indexOf('restore configuration') ? fail.phase : 'restore configuration';
      fail = { phase, after: seconds(phase) / 2, message: msg(`${M}.job.failed`, `Restore failed while running phase "${phase}": ${text}`, [phase, text]) };
    }

    const phases: Phase[] = [];
    for (const name of PHASES) {
      const spec = PHASE_SPEC[name];
      const full = seconds(name);
      if (fail?.phase === name) {
        const ran = Math.min(full, fail.after);
        const [p0, p1] = spec.progress;
        phases.push({ state: 'INPROGRESS', seconds: ran, progress: [p0, p0 + Math.floor(((p1 - p0) * ran) / Math.max(full, 1))], label: name });
        break;
      }
      phases.push({ state: 'INPROGRESS', seconds: full, progress: spec.progress, label: name });
    }
    const terminalMsg = fail ? fail.message : msg(`${M}.job.succeeded`, 'Restore completed successfully');
    let plan: Plan = { phases, terminal: { state: fail ? 'FAILED' : 'SUCCEEDED', message: JSON.stringify(terminalMsg) } };
    if (effects.durationSeconds !== undefined) {
      const total = phases.reduce((s, p) => s + p.seconds, 0);
      const k = total > 0 ? Math.max(0, effects.durationSeconds) / total : 0;
      plan = { ...plan, phases: phases.map((p) => ({ ...p, seconds: p.seconds * k })) };
    }
    return { plan, phaseMessages };
  }

  cancel(user: string): ReturnResult {
    const now = this.clock.now();
    return this.store.commit(() => {
      const job = this.advance(this.readJob(), now);
      if (job?.state !== 'INPROGRESS')
        return { status: 'FAIL', messages: [msg(`${M}.job.cancel.nothing`, 'No restore job is in progress: there is nothing to cancel')] };
      const cancelMsg = msg(`${M}.job.canceled`, `The restore job was canceled by ${user}`, [user]);
      this.cutShort(job, now, { state: 'FAILED', message: JSON.stringify(cancelMsg) });
      return { status: 'OK', messages: [msg(`${M}.job.cancel.ok`, 'The restore job was canceled')] };
    });
  }

  private cutShort(job: Job, now: number, terminal: { state: string; message: string }): void {
    const plan = rebase(job.plan, job.startedAt, now, terminal);
    this.q.setJobPlan.run(JSON.stringify(plan));
    this.advance({ ...job, plan }, now);
  }

  /** Commits the job's state at `now`; emits one transition per state change; a success configures the appliance. */
  settle(now: number): void {
    this.advance(this.readJob(), now);
  }

  stateCounts(): Record<string, number> {
    const row = this.q.jobState.get() as { state: string } | undefined;
    return row ? { [row.state]: 1 } : {};
  }

  forceState(target: { state: string; message?: string }, now: number): ForceResult {
    return this.store.commit(() => {
      const job = this.advance(this.readJob(), now);
      if (!job) return { ok: false, statusCode: 404, reason: 'there is no restore job (state NONE)' };
      if (job.state !== 'INPROGRESS')
        return { ok: false, statusCode: 409, reason: `the restore job already ended (${job.state}); a finished job cannot move` };
      if (target.state === 'INPROGRESS') return { ok: true, state: 'INPROGRESS' };
      if (target.state !== 'FAILED' && target.state !== 'SUCCEEDED')
        return { ok: false, statusCode: 409, reason: `a running restore job can move only to SUCCEEDED or FAILED, not ${target.state}` };
      const m =
        target.state === 'FAILED'
          ? msg(`${M}.job.failed`, target.message ?? 'Restore failed', [target.message ?? 'Restore failed'])
          : msg(`${M}.job.succeeded`, target.message ?? 'Restore completed successfully');
      this.cutShort(job, now, { state: target.state, message: JSON.stringify(m) });
      return { ok: true, state: target.state };
    });
  }
}
