// Trilio state: SQLite tables, fixture loading, the restore lifecycle (plans, settle, cancel, forced moves).
// A restore's state is derived from its persisted plan, start time, cancel request and the clock; `settle`
// commits status changes (and, at the end, the finished fields, restored instances and metadata rows) in one
// transaction. Workload `locked` and snapshot `restoring` are derived from "an active restore exists", so they
// can never disagree with the restore.
import { randomUUID } from 'node:crypto';
import type { Migration, Store } from '../core/store.js';
import type { Clock } from '../core/clock.js';
import { evaluate, rebase, type CancelRequest, type Evaluation, type Phase, type Plan, type Terminal } from '../core/lifecycle.js';
import { isoMicro } from '../core/clock.js';
import type { CreateEffects } from '../core/rules.js';
import type { ForceResult } from '../core/api.js';
import {
  TERMINAL, parseTs, type MetadataRow, type Obj, type ProjectFx, type RestoreKind, type RestoreRow,
  type ServerFx, type SnapshotFx, type TokenFx, type TrilioSection, type VolumeFx, type WorkloadFx,
} from './model.js';

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE trilio_entities (
        kind TEXT NOT NULL, id TEXT NOT NULL, project_id TEXT, data TEXT NOT NULL,
        PRIMARY KEY (kind, id));
      CREATE TABLE trilio_restores (
        id TEXT PRIMARY KEY, seq INTEGER NOT NULL, project_id TEXT NOT NULL, snapshot_id TEXT NOT NULL,
        workload_id TEXT NOT NULL, status TEXT NOT NULL, created_ms INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
        data TEXT NOT NULL);
      CREATE INDEX trilio_restores_status ON trilio_restores (status, deleted);
      CREATE INDEX trilio_restores_snapshot ON trilio_restores (snapshot_id);`,
  },
  {
    // Per-request cost proportional to the active restores, not to all of them. `due_ms` is the earliest clock time
    // at which an active restore's committed state can change (a phase boundary, the cancel's end); NULL for a stuck
    // restore (no plan: only a forced move changes it). Partial indexes hold only the active rows, so settle and the
    // derived workload/snapshot statuses never scan finished ones; the listing indexes let SQL page in view order.
    version: 2,
    up: `
      ALTER TABLE trilio_restores ADD COLUMN due_ms INTEGER;
      UPDATE trilio_restores SET due_ms = 0 WHERE deleted = 0 AND status NOT IN ('available','error','cancelled');
      CREATE INDEX trilio_restores_active_due ON trilio_restores (due_ms)
        WHERE deleted = 0 AND status NOT IN ('available','error','cancelled');
      CREATE INDEX trilio_restores_active_snapshot ON trilio_restores (snapshot_id)
        WHERE deleted = 0 AND status NOT IN ('available','error','cancelled');
      CREATE INDEX trilio_restores_active_workload ON trilio_restores (workload_id)
        WHERE deleted = 0 AND status NOT IN ('available','error','cancelled');
      CREATE INDEX trilio_restores_seq ON trilio_restores (seq);
      CREATE INDEX trilio_restores_order ON trilio_restores (created_ms, seq) WHERE deleted = 0;
      CREATE INDEX trilio_restores_project_order ON trilio_restores (project_id, created_ms, seq) WHERE deleted = 0;
      CREATE INDEX trilio_restores_snapshot_order ON trilio_restores (snapshot_id, created_ms, seq) WHERE deleted = 0;`,
  },
];

/** The SQL condition of an active (non-terminal, not deleted) restore, as the partial indexes spell it. */
const ACTIVE = "deleted = 0 AND status NOT IN ('available','error','cancelled')";

type EntityKind = 'config' | 'project' | 'token' | 'server' | 'volume' | 'network' | 'workload' | 'snapshot';

export const CANCEL_MESSAGE = 'Cancel requested for restore';
export const CANCEL_SECONDS = 3;
const USER_SELECTED: Record<RestoreKind, string> = {
  oneclick: 'Oneclick Restore',
  selective: 'Selective Restore',
  inplace: 'Inplace Restore',
};

export class TrilioState {
  constructor(
    readonly store: Store,
    readonly clock: Clock,
    private readonly rate: number,
  ) {
    store.migrate('trilio', MIGRATIONS);
  }

  /** A cached prepared statement (Store.stmt). */
  private sql(text: string) {
    return this.store.stmt(text);
  }

  /** Runs fn in one commit: the transitions it announces are emitted after COMMIT (Store.commit). */
  private atomically<T>(fn: () => T): T {
    return this.store.commit(fn);
  }

  /** A restore's transition, announced by the commit in progress. */
  announce(e: { id: string; from: string; to: string; at: number }): void {
    this.store.announce({ api: 'trilio', kind: 'restore', ...e });
  }

  /** The appliance config, read once per load (it changes only there). */
  private cfg: { version: string; host: string } | undefined;

  // ---- entities -------------------------------------------------------------------------------------------
  private put(kind: EntityKind, id: string, project: string | null, data: unknown): void {
    this
      .sql('INSERT INTO trilio_entities (kind, id, project_id, data) VALUES (?, ?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET project_id = excluded.project_id, data = excluded.data')
      .run(kind, id, project, JSON.stringify(data));
  }
  private get<T>(kind: EntityKind, id: string): T | undefined {
    const r = this.sql('SELECT data FROM trilio_entities WHERE kind = ? AND id = ?').get(kind, id) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as T) : undefined;
  }
  private all<T>(kind: EntityKind, project?: string): T[] {
    const rows = (project === undefined
      ? this.sql('SELECT data FROM trilio_entities WHERE kind = ?').all(kind)
      : this.sql('SELECT data FROM trilio_entities WHERE kind = ? AND project_id = ?').all(kind, project)) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as T);
  }

  config(): { version: string; host: string } {
    return (this.cfg ??= this.get<{ version: string; host: string }>('config', 'main') ?? { version: '4.0.115', host: 'TVM1' });
  }
  token(id: string): TokenFx | undefined {
    return this.get<TokenFx>('token', id);
  }
  project(id: string): ProjectFx | undefined {
    return this.get<ProjectFx>('project', id);
  }
  server(id: string): ServerFx | undefined {
    return this.get<ServerFx>('server', id);
  }
  volume(id: string): VolumeFx | undefined {
    return this.get<VolumeFx>('volume', id);
  }
  workload(id: string): WorkloadFx | undefined {
    return this.get<WorkloadFx>('workload', id);
  }
  workloads(project?: string): WorkloadFx[] {
    return this.all<WorkloadFx>('workload', project);
  }
  snapshot(id: string): SnapshotFx | undefined {
    return this.get<SnapshotFx>('snapshot', id);
  }
  snapshots(project?: string): SnapshotFx[] {
    return this.all<SnapshotFx>('snapshot', project);
  }
  saveSnapshot(s: SnapshotFx): void {
    this.put('snapshot', s.id, s.project_id, s);
  }
  saveWorkload(w: WorkloadFx): void {
    this.put('workload', w.id, w.project_id, w);
  }

  /** Whether a restore that has not finished exists (for the derived workload/snapshot statuses). */
  private activeOn(column: 'snapshot_id' | 'workload_id', id: string): boolean {
    return !!this
      // INDEXED BY: without statistics the planner would prefer the listing index and walk every restore of the snapshot.
      .sql(`SELECT 1 FROM trilio_restores INDEXED BY trilio_restores_active_${column === 'snapshot_id' ? 'snapshot' : 'workload'} WHERE ${column} = ? AND ${ACTIVE} LIMIT 1`)
      .get(id);
  }
  snapshotStatus(s: SnapshotFx): string {
    return this.activeOn('snapshot_id', s.id) ? 'restoring' : s.status;
  }
  workloadStatus(w: WorkloadFx): string {
    return this.activeOn('workload_id', w.id) ? 'locked' : w.status;
  }

  // ---- restores -------------------------------------------------------------------------------------------
  restore(id: string): RestoreRow | undefined {
    const r = this.sql('SELECT data FROM trilio_restores WHERE id = ? AND deleted = 0').get(id) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as RestoreRow) : undefined;
  }
  /**
   * A page of the visible restores in list order (newest first; ties: latest inserted first): the rows after the
   * `marker` restore (undefined when the marker is not in the filtered list), then `offset`, then at most `limit`.
   * Paged in SQL, so a page costs its own rows, not the whole table.
   */
  restorePage(filter: { project?: string; snapshot?: string }, page: { marker?: string; offset?: number; limit?: number } = {}): RestoreRow[] | undefined {
    const where = ['deleted = 0'];
    const args: (string | number)[] = [];
    if (filter.project !== undefined) (where.push('project_id = ?'), args.push(filter.project));
    if (filter.snapshot !== undefined) (where.push('snapshot_id = ?'), args.push(filter.snapshot));
    if (page.marker !== undefined) {
      const m = this
        .sql(`SELECT created_ms, seq FROM trilio_restores WHERE ${where.join(' AND ')} AND id = ?`)
        .get(...args, page.marker) as { created_ms: number; seq: number } | undefined;
      if (!m) return undefined;
      where.push('(created_ms < ? OR (created_ms = ? AND seq < ?))');
      args.push(m.created_ms, m.created_ms, m.seq);
    }
    const rows = this
      .sql(`SELECT data FROM trilio_restores WHERE ${where.join(' AND ')} ORDER BY created_ms DESC, seq DESC LIMIT ? OFFSET ?`)
      .all(...args, page.limit ?? -1, page.offset ?? 0) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as RestoreRow);
  }
  /** id, name and status of a snapshot's visible restores in list order, test restores left out (no row parsed). */
  restoresInfo(snapshot: string): { id: string; name: string; status: string }[] {
    return this
      .sql(`SELECT id, json_extract(data, '$.name') AS name, status FROM trilio_restores
                WHERE deleted = 0 AND snapshot_id = ? AND json_extract(data, '$.restore_type') IS NOT 'test'
                ORDER BY created_ms DESC, seq DESC`)
      .all(snapshot) as { id: string; name: string; status: string }[];
  }
  /**
   * Writes a restore. `due` is when settle must look at it next (see migration 2); by default its start, which is
   * never later than its next change (settle then computes the exact time), and NULL without a plan (stuck).
   */
  saveRestore(r: RestoreRow, due: number | null = r.plan && r.started_at !== undefined ? r.started_at : null): void {
    const seq = (this.sql('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM trilio_restores').get() as { n: number }).n;
    this
      .sql(`INSERT INTO trilio_restores (id, seq, project_id, snapshot_id, workload_id, status, created_ms, deleted, data, due_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, snapshot_id = excluded.snapshot_id,
                  workload_id = excluded.workload_id, status = excluded.status, created_ms = excluded.created_ms,
                  deleted = excluded.deleted, data = excluded.data, due_ms = excluded.due_ms`)
      .run(r.id, seq, r.project_id, r.snapshot_id, r.workload_id, r.status, parseTs(r.created_at), r.deleted ? 1 : 0, JSON.stringify(r), due);
  }
  /** A restore's name alone (a fault rule's subject): the row is not parsed. */
  restoreName(id: string): string | undefined {
    const r = this.sql("SELECT json_extract(data, '$.name') AS name FROM trilio_restores WHERE id = ? AND deleted = 0").get(id) as
      | { name: unknown }
      | undefined;
    return typeof r?.name === 'string' ? r.name : undefined;
  }

  // ---- fixtures -------------------------------------------------------------------------------------------
  load(section: TrilioSection, opts: { mode: 'replace' | 'merge'; project?: string }): void {
    this.cfg = undefined;
    const project = opts.project;
    const inScope = (p: string | undefined) => project === undefined || p === project;
    if (opts.mode === 'replace') {
      if (project === undefined) {
        this.sql('DELETE FROM trilio_entities').run();
        this.sql('DELETE FROM trilio_restores').run();
      } else {
        this.sql("DELETE FROM trilio_entities WHERE project_id = ? OR (kind = 'project' AND id = ?)").run(project, project);
        this.sql('DELETE FROM trilio_restores WHERE project_id = ?').run(project);
      }
    }
    if (project === undefined && (section.version || section.host || opts.mode === 'replace')) {
      const cur = opts.mode === 'merge' ? this.config() : { version: '4.0.115', host: 'TVM1' };
      this.put('config', 'main', null, { version: section.version ?? cur.version, host: section.host ?? cur.host });
    }
    for (const x of section.projects ?? []) if (inScope(x.id)) this.put('project', x.id, x.id, x);
    for (const x of section.tokens ?? []) if (inScope(x.project_id)) this.put('token', x.id, x.project_id, x);
    for (const x of section.servers ?? []) if (inScope(x.project_id)) this.put('server', x.id, x.project_id, x);
    for (const x of section.volumes ?? []) if (inScope(x.project_id)) this.put('volume', x.id, x.project_id, x);
    for (const x of section.networks ?? []) if (inScope(x.project_id)) this.put('network', x.id, x.project_id, x);
    for (const x of section.workloads ?? []) if (inScope(x.project_id)) this.put('workload', x.id, x.project_id, x);
    for (const x of section.snapshots ?? []) if (inScope(x.project_id)) this.put('snapshot', x.id, x.project_id, x);
    for (const x of section.restores ?? []) if (inScope(x.project_id)) this.saveRestore(this.fixtureRestore(x));
    this.cfg = undefined;
  }

  private fixtureRestore(x: Partial<RestoreRow>): RestoreRow {
    const snap = this.snapshot(x.snapshot_id!);
    return {
      id: x.id!,
      created_at: x.created_at!,
      finished_at: x.finished_at ?? null,
      user_id: x.user_id!,
      project_id: x.project_id!,
      status: x.status!,
      restore_type: x.restore_type ?? 'restore',
      snapshot_id: x.snapshot_id!,
      workload_id: x.workload_id ?? snap?.workload_id ?? '',
      name: x.name!,
      description: x.description ?? 'no-description',
      host: x.host ?? '',
      size: x.size ?? 0,
      uploaded_size: x.uploaded_size ?? 0,
      progress_percent: x.progress_percent ?? 0,
      progress_msg: x.progress_msg ?? null,
      warning_msg: x.warning_msg ?? null,
      error_msg: x.error_msg ?? null,
      time_taken: x.time_taken ?? 0,
      restore_options: x.restore_options ?? {},
      instances: x.instances ?? [],
      networks: x.networks ?? [],
      subnets: x.subnets ?? [],
      routers: x.routers ?? [],
      metadata: x.metadata ?? [],
      deleted: false,
      deleted_at: null,
    };
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------
  /** The plan of a new restore: its phases by restore type, ending in success or in the failure the worker finds. */
  buildPlan(opts: {
    kind: RestoreKind;
    snapshot: SnapshotFx;
    instanceNames: string[];
    failure: string | null;
    effects: CreateEffects;
    test?: boolean;
  }): Plan {
    const total = Math.max(3, opts.effects.durationSeconds ?? opts.snapshot.restore_size / this.rate);
    const phases: Phase[] = [
      { state: 'restoring', seconds: total * 0.04, progress: [0, 0], label: 'Restore operation is scheduled' },
      { state: 'starting', seconds: total * 0.04, progress: [0, 1], label: opts.test ? 'Create testbubble from snapshot is starting' : 'Restore from snapshot is starting' },
    ];
    if (opts.failure !== null && !opts.effects.outcome) {
      // The worker's validation (original VM present, in-place VM or volume missing) fails right after it starts.
      return { phases, terminal: { state: 'error', message: `Failed restoring snapshot: ${opts.failure}` } };
    }
    const names = opts.instanceNames.length ? opts.instanceNames : [opts.snapshot.display_name];
    if (opts.kind === 'inplace') {
      phases.push({ state: 'executing', seconds: total * 0.04, progress: [1, 3], label: 'Preparing in-place restore' });
    } else {
      phases.push({ state: 'executing', seconds: total * 0.06, progress: [1, 5], label: 'Restoring network resources' });
    }
    const start = opts.kind === 'inplace' ? 3 : 5;
    const share = (total * (opts.kind === 'inplace' ? 0.88 : 0.86)) / names.length;
    const step = (99 - start) / names.length;
    names.forEach((name, i) => {
      const a = Math.floor(start + step * i);
      const b = Math.floor(start + step * (i + 1));
      const mid = Math.floor(a + (b - a) * 0.85);
      if (opts.kind === 'inplace') {
        phases.push({ state: 'executing', seconds: share * 0.1, progress: [a, a], label: `Restoring boot disk of instance ${name}` });
        phases.push({ state: 'uploading', seconds: share * 0.8, progress: [a, mid], label: `Uploading volumes of instance ${name} from snapshot ${opts.snapshot.id}` });
        phases.push({ state: 'executing', seconds: share * 0.1, progress: [mid, b], label: `Restored VM:${name}` });
      } else {
        phases.push({ state: 'executing', seconds: share * 0.05, progress: [a, a], label: `Restoring VM Flavor for Instance ${name}` });
        phases.push({ state: 'uploading', seconds: share * 0.75, progress: [a, mid], label: `Uploading image and volumes of instance ${name} from snapshot ${opts.snapshot.id}` });
        phases.push({ state: 'executing', seconds: share * 0.1, progress: [mid, mid], label: `Restoring network interfaces for Instance ${name}` });
        phases.push({ state: 'executing', seconds: share * 0.1, progress: [mid, b], label: `Created VM ${name}` });
      }
    });
    const plan: Plan = { phases, terminal: { state: 'available', message: null } };
    const outcome = opts.effects.outcome;
    if (!outcome || outcome.state === 'available') return plan;
    // A fault rule's outcome: the restore runs 60 % of its course, then fails or is cancelled.
    const cut = total * 0.6 * 1000;
    if (outcome.state === 'cancelled') {
      const kept = rebase(plan, 0, cut, { state: 'cancelled', message: outcome.message ?? CANCEL_MESSAGE });
      const p = evaluate(plan, 0, cut).progress;
      kept.phases.push({ state: 'cancelling', seconds: CANCEL_SECONDS, progress: [p, p], label: kept.phases[kept.phases.length - 1]?.label });
      return kept;
    }
    const msg = outcome.message ?? 'Restore failed (injected fault)';
    return rebase(plan, 0, cut, { state: 'error', message: msg.startsWith('Failed restoring snapshot') ? msg : `Failed restoring snapshot: ${msg}` });
  }

  evaluate(r: RestoreRow, now: number): Evaluation | null {
    if (!r.plan || r.started_at === undefined) return null;
    return evaluate(r.plan, r.started_at, now, r.cancel ?? null);
  }

  /**
   * Whether the worker picked the restore up at time t: once a phase after the leading `restoring` ones has started
   * (before any cancel request). A plan that ends while still `restoring` (forced to a terminal state, cut short) was
   * never picked up: no host, no size.
   */
  pickedUpAt(r: RestoreRow, t: number): boolean {
    if (!r.plan || r.started_at === undefined) return r.status !== 'restoring';
    const phases = r.plan.phases;
    let i = 0;
    let waited = 0;
    for (; i < phases.length && phases[i]!.state === 'restoring'; i++) waited += phases[i]!.seconds;
    if (i === phases.length) return false;
    const pickup = r.started_at + Math.round(waited * 1000);
    const limit = r.cancel ? Math.min(t, r.cancel.at) : t;
    return limit >= pickup;
  }

  /** Commits every restore transition due at `now`. */
  settle(now: number): void {
    // Only active restores whose next possible change is due (partial index trilio_restores_active_due).
    const rows = this
      .sql(`SELECT data FROM trilio_restores INDEXED BY trilio_restores_active_due WHERE ${ACTIVE} AND due_ms <= ?`)
      .all(now) as { data: string }[];
    if (rows.length === 0) return;
    this.atomically(() => {
      for (const { data } of rows) {
        const r = JSON.parse(data) as RestoreRow;
        const ev = this.evaluate(r, now);
        if (!ev) {
          // A stuck restore (fixture without plan) waits for a forced move.
          this.sql('UPDATE trilio_restores SET due_ms = NULL WHERE id = ?').run(r.id);
          continue;
        }
        const from = r.status;
        let changed = false;
        if (!r.picked_up && this.pickedUpAt(r, now)) {
          this.pickUp(r);
          changed = true;
        }
        if (ev.terminal) {
          this.finish(r, ev);
          changed = true;
        } else if (ev.state !== r.status) {
          r.status = ev.state;
          changed = true;
        }
        const due = TERMINAL.has(r.status) ? null : nextChange(r, now);
        if (changed) this.saveRestore(r, due);
        else this.sql('UPDATE trilio_restores SET due_ms = ? WHERE id = ?').run(due, r.id);
        if (from !== r.status) this.announce({ id: r.id, from, to: r.status, at: ev.terminal ? ev.finishedAt! : now });
      }
    });
  }

  /** The worker takes the restore: it sets the host and, for one-click, fills the instances into the options. */
  private pickUp(r: RestoreRow): void {
    r.picked_up = true;
    r.host = r.host_name ?? this.config().host;
    if (r.kind === 'oneclick') {
      // The worker stores a new options dict, in the shape (and key order) of the vendor's finished one-click restores.
      const snap = this.snapshot(r.snapshot_id);
      const opts = (r.restore_options && typeof r.restore_options === 'object' ? r.restore_options : {}) as Obj;
      r.restore_options = {
        name: typeof opts.name === 'string' ? opts.name : r.name,
        oneclickrestore: true,
        restore_type: 'oneclick',
        openstack: { instances: (snap?.instances ?? []).map((i) => ({ name: i.name, id: i.id, availability_zone: i.availability_zone ?? 'nova' })) },
        type: 'openstack',
        description: typeof opts.description === 'string' ? opts.description : r.description,
      };
    }
  }

  private finish(r: RestoreRow, ev: Evaluation): void {
    const finished = ev.finishedAt!;
    const ts = isoMicro(finished);
    const picked = r.picked_up === true;
    const size = picked ? (r.restore_size ?? 0) : 0;
    r.status = ev.state;
    r.finished_at = ts;
    r.time_taken = Math.max(0, Math.round((finished - parseTs(r.created_at)) / 1000));
    r.progress_percent = 100;
    r.size = size;
    if (ev.state === 'available') {
      r.progress_msg = 'Restore from snapshot is complete';
      r.error_msg = null;
      r.uploaded_size = size;
      r.instances = this.restoredInstances(r);
    } else {
      r.progress_msg = '';
      r.error_msg = ev.message ?? (ev.state === 'cancelled' ? CANCEL_MESSAGE : 'Failed restoring snapshot');
      // Uploaded as far as the restore got: a plan's end reports 100 %, so its last phase says how far that was.
      const reached = ev.phaseIndex === -1 ? ev.progress : (r.plan?.phases[r.plan.phases.length - 1]?.progress[1] ?? 0);
      r.uploaded_size = Math.min(size, Math.floor((size * reached) / 100));
    }
    if (ev.state === 'cancelled' && !r.metadata.some((m) => m.key === 'cancel_requested')) this.addMeta(r, 'cancel_requested', '1', ts);
    this.addMeta(r, 'data_transfer_time', '0', ts);
    this.addMeta(r, 'object_store_transfer_time', '0', ts);
    this.addMeta(r, 'restore_user_selected_value', USER_SELECTED[r.kind ?? 'oneclick'], ts);
    // The manager's `finally`: snapshot and workload back to available (derived), touched at the end.
    const snap = this.snapshot(r.snapshot_id);
    if (snap) this.saveSnapshot({ ...snap, updated_at: ts });
    const wl = this.workload(r.workload_id);
    if (wl) this.saveWorkload({ ...wl, updated_at: ts });
  }

  addMeta(r: RestoreRow, key: string, value: string, ts: string): void {
    const row: MetadataRow = {
      created_at: ts, updated_at: null, deleted_at: null, deleted: false, version: this.config().version,
      id: randomUUID(), restore_id: r.id, key, value,
    };
    r.metadata.push(row);
  }

  /** Restored VMs: new ids for one-click and selective (named as asked), the same VMs for in-place. */
  private restoredInstances(r: RestoreRow): unknown[] {
    const snap = this.snapshot(r.snapshot_id);
    const byId = new Map((snap?.instances ?? []).map((i) => [i.id, i]));
    const opts = (r.restore_options ?? {}) as Obj;
    const os = (opts.openstack ?? {}) as Obj;
    const asked = Array.isArray(os.instances) ? (os.instances as Obj[]) : [];
    const pick: { id: string; name: string }[] = [];
    if (r.kind === 'oneclick' || asked.length === 0) {
      for (const i of snap?.instances ?? []) pick.push({ id: i.id, name: i.name });
    } else {
      for (const a of asked) {
        if (a.include === false || typeof a.id !== 'string') continue;
        const orig = byId.get(a.id);
        const name = r.kind === 'selective' && typeof a.name === 'string' && a.name !== '' ? a.name : (orig?.name ?? a.id);
        pick.push({ id: a.id, name });
      }
    }
    return pick.map((p) => ({
      id: r.kind === 'inplace' ? p.id : randomUUID(),
      name: p.name,
      status: 'available',
      metadata: { config_drive: '', instance_id: p.id, production: '1' },
    }));
  }

  /** GET /restores/{id}/cancel on a running restore: flag it; the worker stops at its next checkpoint. */
  cancel(r: RestoreRow, now: number): void {
    this.atomically(() => {
      if (TERMINAL.has(r.status) || r.status === 'cancelling') return;
      const from = r.status;
      r.cancel = { at: now, state: 'cancelling', seconds: CANCEL_SECONDS, terminal: { state: 'cancelled', message: CANCEL_MESSAGE } };
      this.addMeta(r, 'cancel_requested', '1', isoMicro(now));
      r.status = 'cancelling';
      this.saveRestore(r);
      this.announce({ id: r.id, from, to: 'cancelling', at: now });
    });
  }

  /** DELETE: a soft delete of the row (restored VMs, volumes and networks stay, as with the vendor). */
  softDelete(r: RestoreRow, now: number): void {
    this.atomically(() => {
      const from = r.status;
      r.deleted = true;
      r.deleted_at = isoMicro(now);
      r.status = 'deleted';
      this.saveRestore(r);
      this.announce({ id: r.id, from, to: 'deleted', at: now });
    });
  }

  stateCounts(): Record<string, number> {
    const rows = this.sql('SELECT status, COUNT(*) AS n FROM trilio_restores WHERE deleted = 0 GROUP BY status').all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Control-plane move of one restore to a state its lifecycle allows: one transaction, announced after it. */
  forceState(target: { id?: string; state: string; message?: string }, now: number): ForceResult {
    return this.atomically(() => this.force(target, now));
  }

  private force(target: { id?: string; state: string; message?: string }, now: number): ForceResult {
    this.settle(now);
    if (!target.id) return { ok: false, statusCode: 404, reason: 'a Trilio restore id is required' };
    const r = this.restore(target.id);
    if (!r) return { ok: false, statusCode: 404, reason: `restore ${target.id} not found` };
    const to = target.state;
    if (TERMINAL.has(r.status)) return { ok: false, statusCode: 409, reason: `restore is ${r.status}; a finished restore cannot move` };
    if (to === r.status && !TERMINAL.has(to)) return { ok: true, state: r.status };
    const known = ['restoring', 'starting', 'executing', 'uploading', 'cancelling', 'available', 'error', 'cancelled'];
    if (!known.includes(to)) return { ok: false, statusCode: 409, reason: `unknown restore state "${to}" (one of ${known.join(', ')})` };
    // A stuck restore (no plan): give it a plan that starts now, in the state asked for.
    if (!r.plan || r.started_at === undefined) {
      const snap = this.snapshot(r.snapshot_id);
      r.kind = r.kind ?? 'oneclick';
      r.restore_size = snap?.restore_size ?? r.size;
      r.plan = snap
        ? this.buildPlan({ kind: r.kind, snapshot: snap, instanceNames: snap.instances.map((i) => i.name), failure: null, effects: {} })
        : { phases: [{ state: 'executing', seconds: 30, progress: [0, 99] }], terminal: { state: 'available', message: null } };
      r.started_at = now;
      r.cancel = null;
      this.saveRestore(r);
    }
    const ev = this.evaluate(r, now)!;
    const plan = r.plan!;
    const started = r.started_at!;
    if (to === 'cancelling') {
      this.cancel(r, now);
    } else if (TERMINAL.has(to)) {
      const message = to === 'available' ? null : (target.message ?? (to === 'cancelled' ? CANCEL_MESSAGE : 'Failed restoring snapshot: restore forced to error'));
      const terminal: Terminal = { state: to, message };
      if (r.cancel && ev.phaseIndex === -1) {
        r.cancel = { ...r.cancel, seconds: Math.max(0, (now - r.cancel.at) / 1000), terminal };
      } else {
        r.plan = rebase(plan, started, now, terminal);
      }
      this.saveRestore(r);
    } else {
      if (r.status === 'cancelling') return { ok: false, statusCode: 409, reason: `restore is cancelling; it can only end (cancelled, error or available)` };
      const from = Math.max(0, ev.phaseIndex);
      const idx = plan.phases.findIndex((p, i) => i >= from && p.state === to);
      if (idx < 0) return { ok: false, statusCode: 409, reason: `restore is ${r.status}; its lifecycle does not reach ${to} from here` };
      r.plan = rebase(plan, started, now, idx);
      this.saveRestore(r);
    }
    this.settle(now);
    const after = this.restore(r.id)!;
    return { ok: true, state: after.status };
  }

  /** Looks a restore's whole lifecycle up for a fresh create: its first row. */
  newRestore(fields: {
    project_id: string; user_id: string; snapshot: SnapshotFx; name: string; description: string; test: boolean;
    options: unknown; kind: RestoreKind; plan: Plan; now: number;
  }): RestoreRow {
    const ts = isoMicro(fields.now);
    const r: RestoreRow = {
      id: randomUUID(), created_at: ts, finished_at: null, user_id: fields.user_id, project_id: fields.project_id,
      status: 'restoring', restore_type: fields.test ? 'test' : 'restore', snapshot_id: fields.snapshot.id,
      workload_id: fields.snapshot.workload_id, name: fields.name, description: fields.description, host: '', size: 0,
      uploaded_size: 0, progress_percent: 0, progress_msg: null, warning_msg: null, error_msg: null, time_taken: 0,
      restore_options: fields.options, instances: [], networks: [], subnets: [], routers: [], metadata: [],
      deleted: false, deleted_at: null, kind: fields.kind, plan: fields.plan, started_at: fields.now, cancel: null,
      picked_up: false, host_name: this.config().host, restore_size: fields.snapshot.restore_size,
    };
    this.atomically(() => {
      this.saveRestore(r);
      this.saveSnapshot({ ...fields.snapshot, updated_at: ts });
      this.announce({ id: r.id, from: 'none', to: 'restoring', at: fields.now });
    });
    return r;
  }
}

/**
 * The earliest time after `now` at which a restore's evaluated state (status, pick-up) can differ from its state at
 * `now`: the next phase boundary of its plan, the cancel request or the cancel's end. Between two such times the
 * evaluation is constant (lifecycle.ts: `atPlan` changes only at phase ends). Extra boundaries only cost a look.
 */
export function nextChange(r: RestoreRow, now: number): number | null {
  if (!r.plan || r.started_at === undefined) return null;
  let next = Infinity;
  let cum = 0;
  for (const p of r.plan.phases) {
    cum += p.seconds;
    const t = r.started_at + Math.round(cum * 1000);
    if (t > now) {
      next = t;
      break;
    }
  }
  if (r.cancel) {
    for (const t of [r.cancel.at, r.cancel.at + Math.round(r.cancel.seconds * 1000)]) if (t > now && t < next) next = t;
  }
  // Nothing ahead (the plan has ended; settle commits it now): look again at the next settle.
  return next === Infinity ? now : next;
}

export type { CancelRequest };
