// The restore job without SQL or HTTP: which backup a request reaches (and why not), the job's plan (five phases,
// cut short where the request and the backup fail, or as fault rules say), its status at any instant, and the moves
// that cut it short (cancel, a forced state). Every function is pure: the service commits what they compute.
import { evaluate, rebase, type Phase, type Plan, type Terminal } from '../core/lifecycle.js';
import type { CreateEffects } from '../core/rules.js';
import {
  PHASES,
  SCHEME_OF,
  schemeOf,
  type Backup,
  type BackupLocation,
  type Credentials,
  type PhaseName,
} from './fixtures.js';
import type { RestoreRequest } from './input.js';
import { M, msg, noJob, type LocalizableMessage, type RestoreJobStatus } from './views.js';

/** The id transitions name the single job by. */
export const JOB_ID = 'restore-job';

/** The job as stored: its committed state and what its status is computed from. */
export interface Job {
  /** Committed state: INPROGRESS | SUCCEEDED | FAILED. */
  state: string;
  plan: Plan;
  /** One message per planned phase, shown once the phase is reached. */
  phaseMessages: LocalizableMessage[];
  parts: string[] | null;
  startedAt: number;
}

// ---- the backup a request reaches ------------------------------------------------------------------------------

/** A location compared ignoring the case of its scheme and host, and a trailing `/`. */
const norm = (loc: string) => {
  const s = loc.trim().replace(/\/+$/, '');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/]*)(.*)$/.exec(s);
  return m ? m[1]!.toLowerCase() + m[2]!.toLowerCase() + m[3] : s;
};
const hostOf = (loc: string) =>
  /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:]*)/.exec(loc.trim())?.[1]?.toLowerCase();

type Access = { ok: true; backup: Backup; loc: BackupLocation } | { ok: false; reason: string; backup?: Backup };

/** The backup at the request's location, if it can be read with the request's credentials; else why not. */
export function access(backups: readonly Backup[], req: RestoreRequest): Access {
  const want = norm(req.location);
  for (const backup of backups) {
    for (const loc of backup.locations) {
      if (loc.location_type !== req.location_type || norm(loc.location) !== want) continue;
      if (!backup.reachable)
        return { ok: false, backup, reason: `Connection to ${hostOf(loc.location) ?? loc.location} timed out` };
      const user = loc.location_user !== undefined ? loc.location_user : backup.location_user;
      const pass = loc.location_password !== undefined ? loc.location_password : backup.location_password;
      if (user !== null && user !== undefined) {
        if (req.location_user === undefined)
          return { ok: false, backup, reason: 'Login required: location_user and location_password are not set' };
        if (req.location_user !== user || (req.location_password ?? '') !== (pass ?? ''))
          return { ok: false, backup, reason: `Authentication failed for user ${req.location_user}` };
      }
      return { ok: true, backup, loc };
    }
  }
  const host = hostOf(req.location);
  const knownHost = host && backups.some((b) => b.reachable && b.locations.some((l) => hostOf(l.location) === host));
  return { ok: false, reason: knownHost || !host ? 'No such file or directory' : `Could not resolve host ${host}` };
}

/** The message of a location type that is not the URL's scheme (`SFTP` with `ftp://…`); undefined when they agree. */
export function schemeMismatch(req: RestoreRequest): LocalizableMessage | undefined {
  const scheme = schemeOf(req.location);
  const expected = SCHEME_OF[req.location_type];
  if (!scheme || scheme === expected) return undefined;
  const text =
    `The location type ${req.location_type} does not match the location ${req.location}: ` +
    `a ${req.location_type} location starts with ${expected}://.`;
  return msg(`${M}.location_type.mismatch`, text, [req.location_type, req.location]);
}

export const locationError = (req: RestoreRequest, reason: string): LocalizableMessage =>
  msg(`${M}.location.inaccessible`, `Backup location ${req.location} is not accessible: ${reason}`, [
    req.location,
    reason,
  ]);

// ---- the plan --------------------------------------------------------------------------------------------------

const PHASE_SPEC: Record<PhaseName, { seconds: number; progress: [number, number] }> = {
  validate: { seconds: 3, progress: [0, 5] },
  download: { seconds: 0, progress: [5, 60] }, // seconds from size_bytes / restoreRate
  decrypt: { seconds: 4, progress: [60, 65] },
  'restore configuration': { seconds: 8, progress: [65, 85] },
  'start services': { seconds: 8, progress: [85, 99] },
};

interface Failure {
  phase: PhaseName;
  /** Seconds into the phase. */
  after: number;
  message: LocalizableMessage;
}

/**
 * Where the restore fails, and why (the first cause wins): the location is opened by the download phase; the
 * request is checked against the backup's metadata by the validate phase; the password is tried by decrypt; then the
 * backup's own fixture failure.
 */
function failureOf(
  req: RestoreRequest,
  a: Access,
  sso: Credentials,
  seconds: (p: PhaseName) => number,
): Failure | undefined {
  const inValidate = (message: LocalizableMessage): Failure => ({ phase: 'validate', after: 3, message });
  if (!a.ok)
    return { phase: 'download', after: a.reason.includes('timed out') ? 2 : 1, message: locationError(req, a.reason) };
  const m = a.backup.metadata;
  if (!m.applicable) {
    const text = `The backup of ${m.boxname} (version ${m.version}) cannot be restored on this appliance`;
    return inValidate(msg(`${M}.job.not_applicable`, text, [m.boxname, m.version]));
  }
  if (m.sso_login_required && (req.sso_admin_user_name === undefined || req.sso_admin_user_password === undefined)) {
    const text =
      `The backup of ${m.boxname} needs the SSO administrator credentials: ` +
      'set sso_admin_user_name and sso_admin_user_password';
    return inValidate(msg(`${M}.job.sso_credentials_missing`, text, [m.boxname]));
  }
  if (
    m.sso_login_required &&
    (req.sso_admin_user_name !== sso.username || req.sso_admin_user_password !== sso.password)
  ) {
    const text = `SSO authentication failed for ${req.sso_admin_user_name} on ${m.boxname}`;
    return inValidate(msg(`${M}.job.sso_credentials_invalid`, text, [req.sso_admin_user_name!, m.boxname]));
  }
  if (m.warnings.length > 0 && req.ignore_warnings !== true) {
    const text = m.warnings.map((w) => w.default_message).join(' ');
    const all = `Validation returned ${m.warnings.length} warning(s) and ignore_warnings is not set: ${text}`;
    return inValidate(msg(`${M}.job.validation_warnings`, all, [m.warnings.length, text]));
  }
  if (a.backup.backup_password !== null && req.backup_password !== a.backup.backup_password) {
    const reason =
      req.backup_password === undefined
        ? 'the backup is encrypted and backup_password is not set'
        : 'wrong backup password';
    const text = `Failed to decrypt the backup at ${req.location}: ${reason}`;
    return { phase: 'decrypt', after: 1, message: msg(`${M}.job.decrypt_failed`, text, [req.location, reason]) };
  }
  const f = a.backup.failure;
  return f ? { phase: f.phase, after: seconds(f.phase) / 2, message: phaseFailed(f.phase, f.message) } : undefined;
}

const phaseFailed = (phase: PhaseName, text: string) =>
  msg(`${M}.job.failed`, `Restore failed while running phase "${phase}": ${text}`, [phase, text]);

/**
 * The job's plan: the five phases, cut short at the phase where this request and backup fail. Fault rules may force
 * the outcome (an injected FAILED stops in "restore configuration", or at an earlier natural failure) and stretch
 * the plan to a total duration.
 */
export function planJob(
  req: RestoreRequest,
  a: Access,
  sso: Credentials,
  effects: CreateEffects,
  restoreRate: number,
): { plan: Plan; phaseMessages: LocalizableMessage[] } {
  const backup = a.ok ? a.backup : undefined;
  const size = backup?.size_bytes ?? 0;
  const seconds = (p: PhaseName) =>
    p === 'download' ? Math.max(1, Math.round((size / restoreRate) * 10) / 10) : PHASE_SPEC[p].seconds;
  const [boxname, taken] = [backup?.metadata.boxname ?? '', backup?.metadata.timestamp ?? ''];
  const phaseMessages: LocalizableMessage[] = [
    msg(`${M}.job.validate`, `Validating the backup at ${req.location} (${req.location_type})`, [
      req.location,
      req.location_type,
    ]),
    msg(`${M}.job.download`, `Downloading ${size} bytes of backup data from ${req.location}`, [req.location, size]),
    backup?.backup_password === null
      ? msg(`${M}.job.decrypt.skipped`, 'The backup is not encrypted: nothing to decrypt')
      : msg(`${M}.job.decrypt`, 'Decrypting the backup data'),
    msg(`${M}.job.restore_configuration`, `Restoring the configuration of ${boxname} from the backup taken ${taken}`, [
      boxname,
      taken,
    ]),
    msg(`${M}.job.start_services`, 'Starting the vCenter Server services'),
  ];

  let fail = failureOf(req, a, sso, seconds);
  if (effects.outcome?.state === 'SUCCEEDED') fail = undefined;
  else if (effects.outcome?.state === 'FAILED') {
    const early = fail && PHASES.indexOf(fail.phase) < PHASES.indexOf('restore configuration');
    const phase: PhaseName = early ? fail!.phase : 'restore configuration';
    fail = {
      phase,
      after: seconds(phase) / 2,
      message: phaseFailed(phase, effects.outcome.message ?? 'Restore failed (injected fault)'),
    };
  }

  const phases: Phase[] = [];
  for (const name of PHASES) {
    const spec = PHASE_SPEC[name];
    const full = seconds(name);
    if (fail?.phase === name) {
      const ran = Math.min(full, fail.after);
      const [p0, p1] = spec.progress;
      phases.push({
        state: 'INPROGRESS',
        seconds: ran,
        progress: [p0, p0 + Math.floor(((p1 - p0) * ran) / Math.max(full, 1))],
        label: name,
      });
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

// ---- the job at an instant -------------------------------------------------------------------------------------

/** The state the job has reached at `now` when it differs from its committed one (and when it got there). */
export function dueState(job: Job, now: number): { state: string; at: number } | undefined {
  if (job.state !== 'INPROGRESS') return undefined;
  const ev = evaluate(job.plan, job.startedAt, now);
  return ev.terminal ? { state: job.plan.terminal.state, at: ev.finishedAt ?? now } : undefined;
}

/** The job as clients see it at `now`, computed from its plan (NONE before any job). */
export function statusAt(job: Job | undefined, now: number): RestoreJobStatus {
  if (!job) return noJob();
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

// ---- moves that cut the job short ------------------------------------------------------------------------------

/** The plan of a running job ended at `now` in `state` with `message` (progress frozen where it is). */
export function cutShort(job: Job, now: number, state: string, message: LocalizableMessage): Plan {
  const terminal: Terminal = { state, message: JSON.stringify(message) };
  return rebase(job.plan, job.startedAt, now, terminal);
}

export const canceledBy = (user: string) => msg(`${M}.job.canceled`, `The restore job was canceled by ${user}`, [user]);

/** The last message of a job forced to SUCCEEDED or FAILED from the control plane. */
export function forcedEnd(state: 'SUCCEEDED' | 'FAILED', message: string | undefined): LocalizableMessage {
  if (state === 'SUCCEEDED') return msg(`${M}.job.succeeded`, message ?? 'Restore completed successfully');
  const text = message ?? 'Restore failed';
  return msg(`${M}.job.failed`, text, [text]);
}
