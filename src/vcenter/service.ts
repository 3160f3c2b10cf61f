// The vCenter appliance's use cases, without HTTP: load fixtures, sessions (log in, who a request is, log out),
// validate a backup, the job (create, get, cancel, force, settle). Each takes the instant it acts at (`now`, the
// request's settled instant) and writes in one store.commit, whose transitions are announced after COMMIT.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { ForceResult, ForceTarget } from '../core/api.js';
import { isoZ } from '../core/clock.js';
import type { CreateEffects } from '../core/rules.js';
import type { Store } from '../core/store.js';
import { VapiError, vapiError } from './errors.js';
import { mergeSections, normalizeSection, type Credentials, type VcenterSection } from './fixtures.js';
import type { RestoreRequest } from './input.js';
import {
  JOB_ID,
  access,
  canceledBy,
  cutShort,
  dueState,
  forcedEnd,
  locationError,
  planJob,
  schemeMismatch,
  statusAt,
  type Job,
} from './lifecycle.js';
import { VcenterRepository } from './repository.js';
import {
  M,
  cancelResult,
  metadataOf,
  type LocalizableMessage,
  type Metadata,
  type RestoreJobStatus,
  type ReturnResult,
  type Session,
} from './views.js';

/** What a request authenticates with: a session id (header or cookie), Basic credentials, or both. */
export interface Credential {
  sessionId?: string;
  basic?: Credentials;
}

/** Which credentials a call accepts: a live session, a user name and password, or either (the session first). */
export type AuthMode = 'session' | 'basic' | 'any';

/** Who a request is: its user, and its live session when it came with one. */
export interface Principal {
  user: string;
  session?: Session;
}

export class VcenterService {
  private readonly repo: VcenterRepository;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
  ) {
    this.repo = new VcenterRepository(store);
  }

  // ---- fixtures ------------------------------------------------------------------------------------------------

  /** Loads a (valid) section: `replace` resets the appliance and the job; `merge` keeps both. */
  load(raw: unknown, mode: 'replace' | 'merge'): void {
    this.store.commit(() => {
      if (mode === 'replace') {
        const section = normalizeSection(raw);
        this.repo.saveAppliance(section, section.appliance.state);
        this.repo.deleteJob();
        this.dropSessionsOfUnknownUsers(section);
        return;
      }
      const { section: current, state } = this.repo.appliance();
      const section = normalizeSection(mergeSections(current, raw));
      const givenState = (raw as { appliance?: { state?: string } } | undefined)?.appliance?.state;
      this.repo.saveAppliance(section, givenState ?? state);
      this.dropSessionsOfUnknownUsers(section);
    });
  }

  private dropSessionsOfUnknownUsers(section: VcenterSection): void {
    const users = new Set(section.users.map((u) => u.username));
    for (const s of this.repo.sessions()) if (!users.has(s.user)) this.repo.deleteSession(s.id);
  }

  // ---- sessions ------------------------------------------------------------------------------------------------

  /**
   * Who a request is at `now`: the live session its session id names (an unknown or idle-expired one is none; an
   * expired one is deleted; a live one is touched), else, when `mode` allows, the fixture user its user name and
   * password name. Undefined: unauthenticated. The one place sessions are looked up and passwords checked.
   */
  authenticate(credential: Credential, mode: AuthMode, now: number): Principal | undefined {
    return this.store.commit(() => {
      const id = mode === 'basic' ? undefined : credential.sessionId;
      const row = id ? this.repo.session(id) : undefined;
      if (row && now - row.last_accessed_at >= this.config.sessionIdle * 1000) this.repo.deleteSession(row.id);
      else if (row) {
        this.repo.touchSession(row.id, now);
        const session = {
          id: row.id,
          user: row.user,
          created_time: isoZ(row.created_at),
          last_accessed_time: isoZ(row.last_accessed_at),
        };
        return { user: row.user, session };
      }
      const basic = mode === 'session' ? undefined : credential.basic;
      const known =
        basic &&
        this.repo.appliance().section.users.find((u) => u.username === basic.username && u.password === basic.password);
      return known ? { user: known.username } : undefined;
    });
  }

  /** A new session of the user whose user name and password these are; undefined when they are not a user's. */
  login(basic: Credentials | undefined, now: number): string | undefined {
    return this.store.commit(() => {
      const principal = this.authenticate({ basic }, 'basic', now);
      if (!principal) return undefined;
      const id = randomBytes(16).toString('hex');
      this.repo.insertSession(id, principal.user, now);
      return id;
    });
  }

  logout(sessionId: string): void {
    this.store.commit(() => this.repo.deleteSession(sessionId));
  }

  // ---- validate and the job ------------------------------------------------------------------------------------

  /** restore.validate: reads the backup's metadata at the location (synchronously; nothing is written). */
  validate(req: RestoreRequest): Metadata {
    const mismatch = schemeMismatch(req);
    if (mismatch) throw new VapiError('invalid_argument', [mismatch]);
    const a = access(this.repo.appliance().section.backups, req);
    if (!a.ok) throw new VapiError('error', [locationError(req, a.reason)]);
    return metadataOf(a.backup);
  }

  /** job.create: the job planned for this request and backup, INPROGRESS from `now`. */
  createJob(req: RestoreRequest, effects: CreateEffects, now: number): RestoreJobStatus {
    return this.store.commit(() => {
      const prev = this.commitDue(this.repo.job(), now);
      const { section, state } = this.repo.appliance();
      if (state !== 'DEPLOYED')
        throw vapiError(
          'not_allowed_in_current_state',
          `${M}.job.not_allowed_in_current_state`,
          'Restore is allowed only after deployment and before firstboot',
        );
      if (prev?.state === 'INPROGRESS')
        throw vapiError('feature_in_use', `${M}.job.feature_in_use`, 'A backup or restore is already in progress');
      const mismatch = schemeMismatch(req);
      if (mismatch) throw new VapiError('invalid_argument', [mismatch]);
      const a = access(section.backups, req);
      const { plan, phaseMessages } = planJob(req, a, section.sso, effects, this.config.restoreRate);
      const job: Job = {
        state: 'INPROGRESS',
        plan,
        phaseMessages,
        parts: req.parts ? [...req.parts] : null,
        startedAt: now,
      };
      this.repo.putJob(job);
      this.store.announce({
        api: 'vcenter',
        kind: 'job',
        id: JOB_ID,
        from: prev?.state ?? 'NONE',
        to: 'INPROGRESS',
        at: now,
      });
      return statusAt(this.commitDue(job, now), now);
    });
  }

  /** job.get: commits what is due and answers the job at the same instant (so state, appliance and view agree). */
  getJob(now: number): RestoreJobStatus {
    const job = this.repo.job();
    if (!job || !dueState(job, now)) return statusAt(job, now); // nothing to commit: no write transaction
    return this.store.commit(() => statusAt(this.commitDue(this.repo.job(), now), now));
  }

  /** job.cancel: a running job ends FAILED at `now` (its progress frozen); with none running, FAIL (not an error). */
  cancelJob(user: string, now: number): ReturnResult {
    return this.store.commit(() => {
      const job = this.commitDue(this.repo.job(), now);
      if (job?.state !== 'INPROGRESS') return cancelResult(false);
      this.end(job, now, 'FAILED', canceledBy(user));
      return cancelResult(true);
    });
  }

  /** The control plane's move of a running job to SUCCEEDED or FAILED at `now` (the appliance follows). */
  force(target: ForceTarget, now: number): ForceResult {
    return this.store.commit(() => {
      const job = this.commitDue(this.repo.job(), now);
      if (!job) return { ok: false, statusCode: 404, reason: 'there is no restore job (state NONE)' };
      if (job.state !== 'INPROGRESS')
        return {
          ok: false,
          statusCode: 409,
          reason: `the restore job already ended (${job.state}); a finished job cannot move`,
        };
      if (target.state === 'INPROGRESS') return { ok: true, state: 'INPROGRESS' };
      if (target.state !== 'FAILED' && target.state !== 'SUCCEEDED')
        return {
          ok: false,
          statusCode: 409,
          reason: `a running restore job can move only to SUCCEEDED or FAILED, not ${target.state}`,
        };
      this.end(job, now, target.state, forcedEnd(target.state, target.message));
      return { ok: true, state: target.state };
    });
  }

  /** Commits the job's state due at `now`: one transition per state change; a success configures the appliance. */
  settle(now: number): void {
    const job = this.repo.job();
    if (!job || !dueState(job, now)) return; // every request settles: only a due change opens a write transaction
    this.store.commit(() => this.commitDue(this.repo.job(), now));
  }

  /** How many jobs are in each state (0 or 1 job). */
  counts(): Record<string, number> {
    const state = this.repo.jobState();
    return state ? { [state]: 1 } : {};
  }

  /** Ends a running job at `now` with this state and last message. */
  private end(job: Job, now: number, state: string, message: LocalizableMessage): void {
    const plan = cutShort(job, now, state, message);
    this.repo.setJobPlan(plan);
    this.commitDue({ ...job, plan }, now);
  }

  /**
   * Inside a commit: writes the job's state when it has changed by `now` (progress is computed, never stored, so
   * polling a running job writes nothing), announces the transition, configures the appliance on success. Returns
   * the job as committed.
   */
  private commitDue(job: Job | undefined, now: number): Job | undefined {
    const due = job && dueState(job, now);
    if (!job || !due) return job;
    this.repo.setJobState(due.state);
    if (due.state === 'SUCCEEDED') this.repo.saveAppliance(this.repo.appliance().section, 'CONFIGURED');
    this.store.announce({ api: 'vcenter', kind: 'job', id: JOB_ID, from: job.state, to: due.state, at: due.at });
    return { ...job, state: due.state };
  }
}
