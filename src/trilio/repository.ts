// Trilio persistence: the migrations and every SQL statement. Entities (the appliance config, projects, tokens,
// servers, volumes, networks, workloads, snapshots) are JSON documents by kind and id; restores are rows with their
// document, indexed for the two hot paths: the active restores (settle, derived workload and snapshot statuses) and
// the listing order (paged in SQL).
import type { Migration, Store } from '../core/store.js';
import type { CancelRequest, Plan } from '../core/lifecycle.js';
import {
  type MetadataRow,
  parseTs,
  type SnapshotFx,
  type TokenFx,
  type VolumeFx,
  type WorkloadFx,
} from './fixtures.js';
import type { RestoreKind } from './lifecycle.js';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE trilio_entities (
        kind TEXT NOT NULL, id TEXT NOT NULL, project_id TEXT, data TEXT NOT NULL,
        PRIMARY KEY (kind, id));
      CREATE TABLE trilio_restores (
        id TEXT PRIMARY KEY, seq INTEGER NOT NULL, project_id TEXT NOT NULL, snapshot_id TEXT NOT NULL,
        workload_id TEXT NOT NULL, status TEXT NOT NULL, created_ms INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
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

/** The appliance: the version its metadata rows carry, the host of its worker. */
export interface Appliance {
  version: string;
  host: string;
}

/** A restore as persisted; restores loaded from fixtures have no plan (finished ones, or stuck running ones). */
export interface RestoreRow {
  id: string;
  created_at: string;
  finished_at: string | null;
  user_id: string;
  project_id: string;
  status: string;
  restore_type: string;
  snapshot_id: string;
  workload_id: string;
  name: string;
  description: string;
  host: string;
  size: number;
  uploaded_size: number;
  progress_percent: number;
  progress_msg: string | null;
  warning_msg: string | null;
  error_msg: string | null;
  time_taken: number;
  restore_options: unknown;
  instances: unknown[];
  networks: unknown[];
  subnets: unknown[];
  routers: unknown[];
  metadata: MetadataRow[];
  deleted?: boolean;
  deleted_at?: string | null;
  // The course of a created restore.
  kind?: RestoreKind;
  plan?: Plan;
  started_at?: number;
  cancel?: CancelRequest | null;
  picked_up?: boolean;
  host_name?: string;
  restore_size?: number;
}

/** The SQL condition of an active (non-terminal, not deleted) restore, as the partial indexes spell it. */
const ACTIVE = "deleted = 0 AND status NOT IN ('available','error','cancelled')";
/** The partial index of the active restores by snapshot or by workload. */
const ACTIVE_INDEX = { snapshot_id: 'trilio_restores_active_snapshot', workload_id: 'trilio_restores_active_workload' };

type EntityKind = 'config' | 'project' | 'token' | 'server' | 'volume' | 'network' | 'workload' | 'snapshot';
type ActiveColumn = keyof typeof ACTIVE_INDEX;
/** The appliance of the vendor's examples, when the fixtures name none. */
export const DEFAULT_APPLIANCE: Appliance = { version: '4.0.115', host: 'TVM1' };

/** One restore of a snapshot's `restores_info`. */
export interface RestoreInfo {
  id: string;
  name: string;
  status: string;
}

export class TrilioRepository {
  /** The appliance config, read once after each load (it changes only there). */
  private appliance: Appliance | undefined;

  constructor(private readonly store: Store) {
    store.migrate('trilio', MIGRATIONS);
  }

  private sql(text: string) {
    return this.store.stmt(text);
  }

  // ---- entities --------------------------------------------------------------------------------------------------
  put(kind: EntityKind, id: string, project: string | null, data: unknown): void {
    this.sql(
      `INSERT INTO trilio_entities (kind, id, project_id, data) VALUES (?, ?, ?, ?)
       ON CONFLICT(kind, id) DO UPDATE SET project_id = excluded.project_id, data = excluded.data`,
    ).run(kind, id, project, JSON.stringify(data));
    if (kind === 'config') this.appliance = undefined;
  }
  private get<T>(kind: EntityKind, id: string): T | undefined {
    const row = this.sql('SELECT data FROM trilio_entities WHERE kind = ? AND id = ?').get(kind, id) as
      | { data: string }
      | undefined;
    return row ? (JSON.parse(row.data) as T) : undefined;
  }
  private all<T>(kind: EntityKind, project?: string): T[] {
    const rows = (
      project === undefined
        ? this.sql('SELECT data FROM trilio_entities WHERE kind = ?').all(kind)
        : this.sql('SELECT data FROM trilio_entities WHERE kind = ? AND project_id = ?').all(kind, project)
    ) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as T);
  }

  config(): Appliance {
    this.appliance ??= this.get<Appliance>('config', 'main') ?? DEFAULT_APPLIANCE;
    return this.appliance;
  }
  token = (id: string) => this.get<TokenFx>('token', id);
  hasServer = (id: string) => this.get('server', id) !== undefined;
  volume = (id: string) => this.get<VolumeFx>('volume', id);
  workload = (id: string) => this.get<WorkloadFx>('workload', id);
  workloads = (project?: string) => this.all<WorkloadFx>('workload', project);
  snapshot = (id: string) => this.get<SnapshotFx>('snapshot', id);
  snapshots = (project?: string) => this.all<SnapshotFx>('snapshot', project);
  saveSnapshot = (s: SnapshotFx) => this.put('snapshot', s.id, s.project_id, s);
  saveWorkload = (w: WorkloadFx) => this.put('workload', w.id, w.project_id, w);

  /** Deletes the whole state, or one project's (its entities, restores and project entry). */
  clear(project?: string): void {
    this.appliance = undefined;
    if (project === undefined) {
      this.sql('DELETE FROM trilio_entities').run();
      this.sql('DELETE FROM trilio_restores').run();
      return;
    }
    this.sql("DELETE FROM trilio_entities WHERE project_id = ? OR (kind = 'project' AND id = ?)").run(project, project);
    this.sql('DELETE FROM trilio_restores WHERE project_id = ?').run(project);
  }

  // ---- active restores (partial indexes) ---------------------------------------------------------------------------
  /** Whether a restore of the snapshot (or workload) has not finished. */
  hasActiveRestore(column: ActiveColumn, id: string): boolean {
    // INDEXED BY: without statistics the planner would prefer a listing index and walk every restore of the snapshot.
    const sql = `SELECT 1 FROM trilio_restores INDEXED BY ${ACTIVE_INDEX[column]}
                 WHERE ${column} = ? AND ${ACTIVE} LIMIT 1`;
    return this.sql(sql).get(id) !== undefined;
  }
  /** The snapshots (or workloads) with a restore that has not finished, in one query over the active rows only. */
  withActiveRestores(column: ActiveColumn): Set<string> {
    const sql = `SELECT DISTINCT ${column} AS id FROM trilio_restores INDEXED BY ${ACTIVE_INDEX[column]}
                 WHERE ${ACTIVE}`;
    return new Set((this.sql(sql).all() as { id: string }[]).map((r) => r.id));
  }
  /** The active restores whose next possible change is due at `now` (partial index trilio_restores_active_due). */
  dueRestores(now: number): RestoreRow[] {
    const sql = `SELECT data FROM trilio_restores INDEXED BY trilio_restores_active_due
                 WHERE ${ACTIVE} AND due_ms <= ?`;
    return (this.sql(sql).all(now) as { data: string }[]).map((r) => JSON.parse(r.data) as RestoreRow);
  }
  setDue(id: string, due: number | null): void {
    this.sql('UPDATE trilio_restores SET due_ms = ? WHERE id = ?').run(due, id);
  }

  // ---- restores ----------------------------------------------------------------------------------------------------
  restore(id: string): RestoreRow | undefined {
    const row = this.sql('SELECT data FROM trilio_restores WHERE id = ? AND deleted = 0').get(id) as
      | { data: string }
      | undefined;
    return row ? (JSON.parse(row.data) as RestoreRow) : undefined;
  }
  /** A restore's name alone (a fault rule's subject): the row is not parsed. */
  restoreName(id: string): string | undefined {
    const sql = "SELECT json_extract(data, '$.name') AS name FROM trilio_restores WHERE id = ? AND deleted = 0";
    const row = this.sql(sql).get(id) as { name: unknown } | undefined;
    return typeof row?.name === 'string' ? row.name : undefined;
  }
  /**
   * A page of the visible restores in list order (newest first; ties: latest inserted first): the rows after the
   * `marker` restore (undefined when the marker is not in the filtered list), then `offset`, then at most `limit`.
   * Paged in SQL, so a page costs its own rows, not the whole table.
   */
  restorePage(
    filter: { project?: string; snapshot?: string },
    page: { marker?: string; offset: number; limit: number },
  ): RestoreRow[] | undefined {
    const where = ['deleted = 0'];
    const args: (string | number)[] = [];
    for (const [column, value] of [
      ['project_id', filter.project],
      ['snapshot_id', filter.snapshot],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      args.push(value);
    }
    if (page.marker !== undefined) {
      const sql = `SELECT created_ms, seq FROM trilio_restores WHERE ${where.join(' AND ')} AND id = ?`;
      const m = this.sql(sql).get(...args, page.marker) as { created_ms: number; seq: number } | undefined;
      if (!m) return undefined;
      where.push('(created_ms < ? OR (created_ms = ? AND seq < ?))');
      args.push(m.created_ms, m.created_ms, m.seq);
    }
    const sql = `SELECT data FROM trilio_restores WHERE ${where.join(' AND ')}
                 ORDER BY created_ms DESC, seq DESC LIMIT ? OFFSET ?`;
    const rows = this.sql(sql).all(...args, page.limit, page.offset) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as RestoreRow);
  }
  /** id, name and status of a snapshot's visible restores in list order, test restores left out (no row parsed). */
  restoresInfo(snapshot: string): RestoreInfo[] {
    const sql = `SELECT id, json_extract(data, '$.name') AS name, status FROM trilio_restores
                 WHERE deleted = 0 AND snapshot_id = ? AND json_extract(data, '$.restore_type') IS NOT 'test'
                 ORDER BY created_ms DESC, seq DESC`;
    return this.sql(sql).all(snapshot) as RestoreInfo[];
  }
  /**
   * Writes a restore. `due` is when settle must look at it next (see migration 2); by default its start, which is
   * never later than its next change (settle then computes the exact time), and NULL without a plan (stuck).
   */
  saveRestore(r: RestoreRow, due: number | null = r.plan && r.started_at !== undefined ? r.started_at : null): void {
    const seq = (this.sql('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM trilio_restores').get() as { n: number }).n;
    this.sql(
      `INSERT INTO trilio_restores
         (id, seq, project_id, snapshot_id, workload_id, status, created_ms, deleted, data, due_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, snapshot_id = excluded.snapshot_id,
         workload_id = excluded.workload_id, status = excluded.status, created_ms = excluded.created_ms,
         deleted = excluded.deleted, data = excluded.data, due_ms = excluded.due_ms`,
    ).run(
      r.id,
      seq,
      r.project_id,
      r.snapshot_id,
      r.workload_id,
      r.status,
      parseTs(r.created_at),
      r.deleted ? 1 : 0,
      JSON.stringify(r),
      due,
    );
  }
  /** How many visible restores are in each status. */
  countsByStatus(): Record<string, number> {
    const sql = 'SELECT status, COUNT(*) AS n FROM trilio_restores WHERE deleted = 0 GROUP BY status';
    const rows = this.sql(sql).all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
}
