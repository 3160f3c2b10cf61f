// The shapes of the Trilio answers (reference §5), field for field in the vendor's order (view-schemas.ts describes
// them). Pure: the caller passes what a view shows that the row does not say (the derived statuses, the snapshot of a
// restore, the restores of a snapshot); no SQL, no state.
import type { SnapshotFx, WorkloadFx } from './fixtures.js';
import { liveFields } from './lifecycle.js';
import type { Appliance, RestoreInfo, RestoreRow } from './repository.js';

type Obj = Record<string, unknown>;

export interface ViewContext {
  /** Links base, e.g. `http://wlm_backend` (no trailing slash). */
  base: string;
  /** The instant the request's state was settled at: live fields are computed at it. */
  now: number;
  appliance: Appliance;
}

/** self (`<base>/v1/<project>/<collection>/<id>`) and bookmark (`<base>/<project>/<collection>/<id>`). */
function links(ctx: ViewContext, project: string, id: string, collection: string) {
  return [
    { rel: 'self', href: `${ctx.base}/v1/${project}/${collection}/${id}` },
    { rel: 'bookmark', href: `${ctx.base}/${project}/${collection}/${id}` },
  ];
}

/** A snapshot and its derived status (`restoring` while a restore of it runs). */
export interface SnapshotWithStatus {
  snapshot: SnapshotFx;
  status: string;
}

/** The restore views: `show` adds the show-only keys of R3/R11; `fresh` is the create answer (R6–R8). */
function restoreView(ctx: ViewContext, r: RestoreRow, opts: { fresh?: boolean; show?: SnapshotWithStatus | null }) {
  const live = liveFields(r, ctx.now, opts.fresh);
  const out: Obj = {
    id: r.id,
    created_at: r.created_at,
    updated_at: r.created_at, // the vendor's view copies created_at (DOC42 shows it)
    finished_at: r.finished_at,
    user_id: r.user_id,
    project_id: r.project_id,
    status: r.status,
    restore_type: r.restore_type,
    snapshot_id: r.snapshot_id,
  };
  if (opts.show !== undefined) {
    out.snapshot_details = opts.show ? snapshotRow(ctx, opts.show) : {};
    out.workload_id = r.workload_id;
    out.instances = r.instances;
    out.networks = r.networks;
    out.subnets = r.subnets;
    out.routers = r.routers;
  }
  out.links = links(ctx, r.project_id, r.id, 'restores');
  out.name = r.name;
  out.description = r.description;
  out.host = live.host;
  out.size = live.size;
  out.uploaded_size = live.uploaded_size;
  out.progress_percent = live.progress_percent;
  out.progress_msg = live.progress_msg;
  out.warning_msg = r.warning_msg;
  out.error_msg = r.error_msg;
  out.time_taken = live.time_taken;
  out.restore_options = r.restore_options;
  // restore_show() builds a fresh dict without the metadata rows: the seed's Get shows [] while its list shows 3.
  out.metadata = opts.show !== undefined ? [] : r.metadata;
  return out;
}

/** Detail view (R2 items; `fresh`: the create answer of R6–R8). */
export const restoreDetail = (ctx: ViewContext, r: RestoreRow, fresh = false) => restoreView(ctx, r, { fresh });

/** Show view (R3, R11): detail plus the snapshot row (null: the snapshot is gone), workload_id, instances, networks. */
export const restoreShow = (ctx: ViewContext, r: RestoreRow, snapshot: SnapshotWithStatus | null) =>
  restoreView(ctx, r, { show: snapshot });

/** Summary view (R1, R9): the 8 fields. */
export function restoreSummary(ctx: ViewContext, r: RestoreRow): Obj {
  return {
    id: r.id,
    status: r.status,
    restore_type: r.restore_type,
    snapshot_id: r.snapshot_id,
    links: links(ctx, r.project_id, r.id, 'restores'),
    name: r.name,
    description: r.description,
    host: liveFields(r, ctx.now).host,
  };
}

/** The snapshot DB row, as `snapshot_details` shows it. */
function snapshotRow(ctx: ViewContext, { snapshot: s, status }: SnapshotWithStatus): Obj {
  return {
    created_at: s.created_at,
    updated_at: s.updated_at ?? null,
    deleted_at: s.deleted_at ?? null,
    deleted: s.deleted ?? false,
    version: s.version ?? ctx.appliance.version,
    id: s.id,
    user_id: s.user_id,
    project_id: s.project_id,
    workload_id: s.workload_id,
    snapshot_type: s.snapshot_type ?? 'full',
    display_name: s.display_name,
    display_description: s.display_description ?? '',
    ...snapshotFigures(s),
    host: s.host ?? ctx.appliance.host,
    finished_at: s.finished_at ?? null,
    data_deleted: s.data_deleted ?? false,
    pinned: s.pinned ?? false,
    time_taken: s.time_taken ?? 0,
    vault_storage_id: s.vault_storage_id ?? null,
    status,
  };
}

/** Sizes and progress of a snapshot, as every snapshot view shows them. */
const snapshotFigures = (s: SnapshotFx) => ({
  size: s.size ?? 0,
  restore_size: s.restore_size,
  uploaded_size: s.uploaded_size ?? s.size ?? 0,
  progress_percent: s.progress_percent ?? 100,
  progress_msg: s.progress_msg ?? null,
  warning_msg: s.warning_msg ?? null,
  error_msg: s.error_msg ?? null,
});

/** Snapshot list item (DOCS "List Snapshots" example). */
export function snapshotSummary(ctx: ViewContext, { snapshot: s, status }: SnapshotWithStatus): Obj {
  return {
    id: s.id,
    created_at: s.created_at,
    status,
    snapshot_type: s.snapshot_type ?? 'full',
    workload_id: s.workload_id,
    name: s.display_name,
    description: s.display_description ?? '',
    host: s.host ?? ctx.appliance.host,
  };
}

/** GET /snapshots/{id}: with its restores (test restores left out), by id. */
export function snapshotDetail(ctx: ViewContext, { snapshot: s, status }: SnapshotWithStatus, restores: RestoreInfo[]) {
  return {
    id: s.id,
    created_at: s.created_at,
    updated_at: s.updated_at ?? null,
    finished_at: s.finished_at ?? null,
    user_id: s.user_id,
    project_id: s.project_id,
    status,
    snapshot_type: s.snapshot_type ?? 'full',
    workload_id: s.workload_id,
    instances: s.instances.map((i) => ({
      id: i.id,
      name: i.name,
      status: 'available',
      metadata: i.metadata ?? {},
      flavor: i.flavor ?? {},
      vdisks: i.vdisks ?? [],
    })),
    name: s.display_name,
    description: s.display_description ?? '',
    host: s.host ?? ctx.appliance.host,
    ...snapshotFigures(s),
    time_taken: s.time_taken ?? 0,
    pinned: s.pinned ?? false,
    metadata: [],
    restores_info: Object.fromEntries(restores.map((r) => [r.id, { id: r.id, name: r.name, status: r.status }])),
    links: links(ctx, s.project_id, s.id, 'snapshots'),
  };
}

/** A workload and its derived status (`locked` while a restore of it runs). */
export interface WorkloadWithStatus {
  workload: WorkloadFx;
  status: string;
}

export function workloadSummary(ctx: ViewContext, { workload: w, status }: WorkloadWithStatus): Obj {
  return {
    id: w.id,
    name: w.name,
    description: w.description ?? '',
    status,
    created_at: w.created_at,
    links: links(ctx, w.project_id, w.id, 'workloads'),
  };
}

/** GET /workloads/{id}: with how many snapshots it has, and how many of them are available. */
export function workloadDetail(
  ctx: ViewContext,
  { workload: w, status }: WorkloadWithStatus,
  snapshotsInfo: { total: number; available: number },
): Obj {
  return {
    id: w.id,
    created_at: w.created_at,
    updated_at: w.updated_at ?? null,
    user_id: w.user_id,
    project_id: w.project_id,
    name: w.name,
    description: w.description ?? '',
    status,
    workload_type_id: w.workload_type_id ?? 'f82ce76f-17fe-438b-aa37-7a023058e50d',
    instances: w.instances.map((i) => ({ id: i.id, name: i.name, metadata: {} })),
    snapshots_info: snapshotsInfo,
    links: links(ctx, w.project_id, w.id, 'workloads'),
  };
}
