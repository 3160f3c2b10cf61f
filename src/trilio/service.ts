// The Trilio use cases, each one commit (store.commit: the transitions it announces are emitted after COMMIT): create
// a restore (the preconditions in the vendor's order, then what the worker will find), cancel, delete, force a state,
// settle what the clock has made due, load fixtures. Every one acts at the instant its caller gives.
import { randomUUID } from 'node:crypto';
import type { ForceResult, ForceTarget } from '../core/api.js';
import { isoMicro } from '../core/clock.js';
import type { Plan } from '../core/lifecycle.js';
import type { CreateEffects } from '../core/rules.js';
import type { Store } from '../core/store.js';
import { MSG, Refusal, TrilioFault } from './errors.js';
import { restoreFromFixture, type SnapshotFx, type TrilioSection } from './fixtures.js';
import {
  adoptStuck,
  buildPlan,
  evaluateRestore,
  forceCheck,
  moveTo,
  nextChange,
  pickedUpAt,
  type RestoreKind,
  requestCancel,
  snapshotStatus,
  TERMINAL,
  workloadStatus,
} from './lifecycle.js';
import { DEFAULT_APPLIANCE, type RestoreRow, type TrilioRepository } from './repository.js';
import { type AskedInstance, finish, pickUp, workerCheck } from './worker.js';

/** A create request, as validated: who asks, for which snapshot, with which options. */
export interface CreateOrder {
  project: string;
  user: string;
  snapshotId: string;
  name: string;
  description: string;
  test: boolean;
  kind: RestoreKind;
  options: unknown;
  asked: AskedInstance[];
  /** A fault rule's outcome or duration. */
  effects: CreateEffects;
}

export class TrilioService {
  constructor(
    private readonly store: Store,
    private readonly repo: TrilioRepository,
    /** Simulated restore throughput, bytes per second of clock time (--restore-rate). */
    private readonly rate: number,
  ) {}

  private announce(e: { id: string; from: string; to: string; at: number }): void {
    this.store.announce({ api: 'trilio', kind: 'restore', ...e });
  }

  /** A restore of the caller's project by id (admins too: the vendor's restore lookups are project-scoped). */
  own(project: string, id: string): RestoreRow | undefined {
    const r = this.repo.restore(id);
    return r && r.project_id === project ? r : undefined;
  }

  /** Creates a restore: snapshot exists, its workload exists, both available (the vendor's order), then the plan. */
  create(order: CreateOrder, now: number): RestoreRow {
    return this.store.commit(() => {
      const { repo } = this;
      const snapshot = repo.snapshot(order.snapshotId);
      if (!snapshot || snapshot.project_id !== order.project) {
        throw new Refusal('notFound', MSG.snapshotNotFound(order.snapshotId));
      }
      const workload = repo.workload(snapshot.workload_id);
      if (!workload) throw new Refusal('notFound', MSG.workloadNotFound(snapshot.workload_id));
      const restoring = repo.hasActiveRestore('snapshot_id', snapshot.id);
      if (snapshotStatus(snapshot, restoring) !== 'available') throw new Refusal('invalid', MSG.snapshotNotAvailable);
      const locked = repo.hasActiveRestore('workload_id', workload.id);
      if (workloadStatus(workload, locked) !== 'available') throw new Refusal('invalid', MSG.workloadNotAvailable);

      const cloud = { hasServer: repo.hasServer, hasVolume: (id: string) => repo.volume(id) !== undefined };
      const { failure, names } = workerCheck(order.kind, snapshot, order.asked, cloud);
      const { kind, test, effects } = order;
      const plan = buildPlan({ kind, snapshot, instanceNames: names, failure, effects, test, rate: this.rate });
      const r = newRestore(order, snapshot, plan, now, repo.config().host);
      repo.saveRestore(r);
      repo.saveSnapshot({ ...snapshot, updated_at: r.created_at });
      this.announce({ id: r.id, from: 'none', to: 'restoring', at: now });
      return r;
    });
  }

  /** GET …/cancel: a running restore is flagged (the worker stops at its next checkpoint); a finished one is left. */
  cancel(project: string, id: string, now: number): void {
    this.store.commit(() => {
      const r = this.own(project, id);
      if (!r) throw new Refusal('notFound', MSG.restoreNotFound(id));
      this.requestCancel(r, now);
    });
  }

  private requestCancel(r: RestoreRow, now: number): void {
    const from = r.status;
    if (!requestCancel(r, now, this.repo.config().version)) return;
    this.repo.saveRestore(r);
    this.announce({ id: r.id, from, to: r.status, at: now });
  }

  /** DELETE: a soft delete of a finished restore (restored VMs, volumes and networks stay, as with the vendor). */
  remove(project: string, id: string, now: number): void {
    this.store.commit(() => {
      const r = this.own(project, id);
      if (!r) throw new TrilioFault(404, MSG.notFound);
      if (!TERMINAL.has(r.status)) throw new TrilioFault(400, MSG.deleteRunning);
      const from = r.status;
      r.deleted = true;
      r.deleted_at = isoMicro(now);
      r.status = 'deleted';
      this.repo.saveRestore(r);
      this.announce({ id: r.id, from, to: 'deleted', at: now });
    });
  }

  /** Control-plane move of one restore to a state its lifecycle allows, with the usual side effects. */
  force(target: ForceTarget, now: number): ForceResult {
    return this.store.commit(() => {
      this.settle(now);
      if (!target.id) return { ok: false, statusCode: 404, reason: 'a Trilio restore id is required' };
      const r = this.repo.restore(target.id);
      if (!r) return { ok: false, statusCode: 404, reason: `restore ${target.id} not found` };
      const checked = forceCheck(r, target.state);
      if (checked) return checked;
      if (!r.plan || r.started_at === undefined) {
        adoptStuck(r, this.repo.snapshot(r.snapshot_id), now, this.rate);
        this.repo.saveRestore(r);
      }
      if (target.state === 'cancelling') this.requestCancel(r, now);
      else {
        const refused = moveTo(r, target.state, now, target.message);
        if (refused) return refused;
        this.repo.saveRestore(r);
      }
      this.settle(now);
      return { ok: true, state: this.repo.restore(r.id)!.status };
    });
  }

  /** Commits every restore transition due at `now`. */
  settle(now: number): void {
    const rows = this.repo.dueRestores(now);
    if (rows.length === 0) return;
    this.store.commit(() => {
      for (const r of rows) this.advance(r, now);
    });
  }

  /** Brings one due restore to its state at `now`: pick-up, status, the end and its side effects. */
  private advance(r: RestoreRow, now: number): void {
    const { repo } = this;
    const ev = evaluateRestore(r, now);
    if (!ev) {
      repo.setDue(r.id, null); // a stuck restore waits for a forced move
      return;
    }
    const from = r.status;
    let changed = false;
    if (!r.picked_up && pickedUpAt(r, now)) {
      pickUp(r, repo.snapshot(r.snapshot_id), repo.config().host);
      changed = true;
    }
    if (ev.terminal) {
      const snapshot = repo.snapshot(r.snapshot_id);
      finish(r, ev, snapshot, repo.config().version);
      // The manager's `finally`: snapshot and workload back to available (derived), touched at the end.
      if (snapshot) repo.saveSnapshot({ ...snapshot, updated_at: r.finished_at });
      const workload = repo.workload(r.workload_id);
      if (workload) repo.saveWorkload({ ...workload, updated_at: r.finished_at });
      changed = true;
    } else if (ev.state !== r.status) {
      r.status = ev.state;
      changed = true;
    }
    const due = TERMINAL.has(r.status) ? null : nextChange(r, now);
    if (changed) repo.saveRestore(r, due);
    else repo.setDue(r.id, due);
    if (from !== r.status) this.announce({ id: r.id, from, to: r.status, at: ev.terminal ? ev.finishedAt! : now });
  }

  /** Loads a (valid) section: `replace` first clears the state (one project's when given); `merge` upserts. */
  load(section: TrilioSection, opts: { mode: 'replace' | 'merge'; project?: string }): void {
    this.store.commit(() => {
      const { repo } = this;
      const { project } = opts;
      const inScope = (p: string) => project === undefined || p === project;
      if (opts.mode === 'replace') repo.clear(project);
      if (project === undefined && (section.version || section.host || opts.mode === 'replace')) {
        const current = opts.mode === 'merge' ? repo.config() : DEFAULT_APPLIANCE;
        const version = section.version ?? current.version;
        repo.put('config', 'main', null, { version, host: section.host ?? current.host });
      }
      for (const x of section.projects ?? []) if (inScope(x.id)) repo.put('project', x.id, x.id, x);
      for (const x of section.tokens ?? []) if (inScope(x.project_id)) repo.put('token', x.id, x.project_id, x);
      for (const x of section.servers ?? []) if (inScope(x.project_id)) repo.put('server', x.id, x.project_id, x);
      for (const x of section.volumes ?? []) if (inScope(x.project_id)) repo.put('volume', x.id, x.project_id, x);
      for (const x of section.networks ?? []) if (inScope(x.project_id)) repo.put('network', x.id, x.project_id, x);
      for (const x of section.workloads ?? []) if (inScope(x.project_id)) repo.saveWorkload(x);
      for (const x of section.snapshots ?? []) if (inScope(x.project_id)) repo.saveSnapshot(x);
      for (const x of section.restores ?? []) {
        if (inScope(x.project_id)) repo.saveRestore(restoreFromFixture(x, repo.snapshot(x.snapshot_id)));
      }
    });
  }
}

/** A new restore's row: restoring, nothing done yet, its course planned. */
function newRestore(order: CreateOrder, snapshot: SnapshotFx, plan: Plan, now: number, host: string): RestoreRow {
  return {
    id: randomUUID(),
    created_at: isoMicro(now),
    finished_at: null,
    user_id: order.user,
    project_id: order.project,
    status: 'restoring',
    restore_type: order.test ? 'test' : 'restore',
    snapshot_id: snapshot.id,
    workload_id: snapshot.workload_id,
    name: order.name,
    description: order.description,
    host: '',
    size: 0,
    uploaded_size: 0,
    progress_percent: 0,
    progress_msg: null,
    warning_msg: null,
    error_msg: null,
    time_taken: 0,
    restore_options: order.options,
    instances: [],
    networks: [],
    subnets: [],
    routers: [],
    metadata: [],
    deleted: false,
    deleted_at: null,
    kind: order.kind,
    plan,
    started_at: now,
    cancel: null,
    picked_up: false,
    host_name: host,
    restore_size: snapshot.restore_size,
  };
}
