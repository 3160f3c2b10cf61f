// Trilio response views (field order as the vendor's views emit them) and the XML representation.
import type { SnapshotFx, WorkloadFx, RestoreRow, Obj } from './model.js';
import { TERMINAL } from './model.js';
import type { TrilioState } from './state.js';

export interface ViewCtx {
  /** Links base, e.g. `http://wlm_backend` (no trailing slash). */
  base: string;
  now: number;
  state: TrilioState;
}

export function restoreLinks(ctx: ViewCtx, project: string, id: string, collection = 'restores') {
  return [
    { rel: 'self', href: `${ctx.base}/v1/${project}/${collection}/${id}` },
    { rel: 'bookmark', href: `${ctx.base}/${project}/${collection}/${id}` },
  ];
}

/** The fields that move while a restore runs, derived from its plan and the clock. */
function live(ctx: ViewCtx, r: RestoreRow, fresh: boolean) {
  const base = {
    host: r.host, size: r.size, uploaded_size: r.uploaded_size, progress_percent: r.progress_percent,
    progress_msg: r.progress_msg, time_taken: r.time_taken,
  };
  if (TERMINAL.has(r.status)) return base;
  // The create response is the freshly inserted row: nothing is scheduled yet.
  if (fresh) return { host: '', size: 0, uploaded_size: 0, progress_percent: 0, progress_msg: null, time_taken: 0 };
  const ev = ctx.state.evaluate(r, ctx.now);
  if (!ev) return base; // stuck restore: what the row says
  const picked = r.picked_up === true;
  const size = picked ? (r.restore_size ?? 0) : 0;
  const progress = Math.min(99, ev.progress);
  return {
    host: picked ? r.host : '',
    size,
    uploaded_size: Math.min(size, Math.floor((size * progress) / 100)),
    progress_percent: progress,
    progress_msg: ev.label ?? null,
    time_taken: 0,
  };
}

/** Detail view (R2 items, R6–R8 create); `show` adds the show-only keys of R3/R11. */
export function restoreDetail(ctx: ViewCtx, r: RestoreRow, opts: { show?: boolean; fresh?: boolean } = {}): Obj {
  const l = live(ctx, r, opts.fresh === true);
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
  if (opts.show) {
    const snap = ctx.state.snapshot(r.snapshot_id);
    out.snapshot_details = snap ? snapshotRow(ctx, snap) : {};
    out.workload_id = r.workload_id;
    out.instances = r.instances;
    out.networks = r.networks;
    out.subnets = r.subnets;
    out.routers = r.routers;
  }
  out.links = restoreLinks(ctx, r.project_id, r.id);
  out.name = r.name;
  out.description = r.description;
  out.host = l.host;
  out.size = l.size;
  out.uploaded_size = Math.min(l.uploaded_size, l.size);
  out.progress_percent = l.progress_percent;
  out.progress_msg = l.progress_msg;
  out.warning_msg = r.warning_msg;
  out.error_msg = r.error_msg;
  out.time_taken = l.time_taken;
  out.restore_options = r.restore_options;
  // restore_show() builds a fresh dict without the metadata rows: the seed's Get shows [] while its list shows 3.
  out.metadata = opts.show ? [] : r.metadata;
  return out;
}

/** Summary view (R1, R9): the 8 fields. */
export function restoreSummary(ctx: ViewCtx, r: RestoreRow): Obj {
  return {
    id: r.id,
    status: r.status,
    restore_type: r.restore_type,
    snapshot_id: r.snapshot_id,
    links: restoreLinks(ctx, r.project_id, r.id),
    name: r.name,
    description: r.description,
    host: live(ctx, r, false).host,
  };
}

/** The snapshot DB row, as `snapshot_details` shows it (status derived while a restore runs). */
export function snapshotRow(ctx: ViewCtx, s: SnapshotFx): Obj {
  return {
    created_at: s.created_at,
    updated_at: s.updated_at ?? null,
    deleted_at: s.deleted_at ?? null,
    deleted: s.deleted ?? false,
    version: s.version ?? ctx.state.config().version,
    id: s.id,
    user_id: s.user_id,
    project_id: s.project_id,
    workload_id: s.workload_id,
    snapshot_type: s.snapshot_type ?? 'full',
    display_name: s.display_name,
    display_description: s.display_description ?? '',
    size: s.size ?? 0,
    restore_size: s.restore_size,
    uploaded_size: s.uploaded_size ?? s.size ?? 0,
    progress_percent: s.progress_percent ?? 100,
    progress_msg: s.progress_msg ?? null,
    warning_msg: s.warning_msg ?? null,
    error_msg: s.error_msg ?? null,
    host: s.host ?? ctx.state.config().host,
    finished_at: s.finished_at ?? null,
    data_deleted: s.data_deleted ?? false,
    pinned: s.pinned ?? false,
    time_taken: s.time_taken ?? 0,
    vault_storage_id: s.vault_storage_id ?? null,
    status: ctx.state.snapshotStatus(s),
  };
}

/** Snapshot list item (DOCS "List Snapshots" example). */
export function snapshotSummary(ctx: ViewCtx, s: SnapshotFx): Obj {
  return {
    id: s.id,
    created_at: s.created_at,
    status: ctx.state.snapshotStatus(s),
    snapshot_type: s.snapshot_type ?? 'full',
    workload_id: s.workload_id,
    name: s.display_name,
    description: s.display_description ?? '',
    host: s.host ?? ctx.state.config().host,
  };
}

/** GET /snapshots/{id}. */
export function snapshotDetail(ctx: ViewCtx, s: SnapshotFx): Obj {
  const restores = ctx.state.restoresInfo(s.id);
  return {
    id: s.id,
    created_at: s.created_at,
    updated_at: s.updated_at ?? null,
    finished_at: s.finished_at ?? null,
    user_id: s.user_id,
    project_id: s.project_id,
    status: ctx.state.snapshotStatus(s),
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
    host: s.host ?? ctx.state.config().host,
    size: s.size ?? 0,
    restore_size: s.restore_size,
    uploaded_size: s.uploaded_size ?? s.size ?? 0,
    progress_percent: s.progress_percent ?? 100,
    progress_msg: s.progress_msg ?? null,
    warning_msg: s.warning_msg ?? null,
    error_msg: s.error_msg ?? null,
    time_taken: s.time_taken ?? 0,
    pinned: s.pinned ?? false,
    metadata: [],
    restores_info: Object.fromEntries(restores.map((r) => [r.id, { id: r.id, name: r.name, status: r.status }])),
    links: restoreLinks(ctx, s.project_id, s.id, 'snapshots'),
  };
}

export function workloadSummary(ctx: ViewCtx, w: WorkloadFx): Obj {
  return {
    id: w.id,
    name: w.name,
    description: w.description ?? '',
    status: ctx.state.workloadStatus(w),
    created_at: w.created_at,
    links: restoreLinks(ctx, w.project_id, w.id, 'workloads'),
  };
}

export function workloadDetail(ctx: ViewCtx, w: WorkloadFx): Obj {
  const snaps = ctx.state.snapshots(w.project_id).filter((s) => s.workload_id === w.id);
  return {
    id: w.id,
    created_at: w.created_at,
    updated_at: w.updated_at ?? null,
    user_id: w.user_id,
    project_id: w.project_id,
    name: w.name,
    description: w.description ?? '',
    status: ctx.state.workloadStatus(w),
    workload_type_id: w.workload_type_id ?? 'f82ce76f-17fe-438b-aa37-7a023058e50d',
    instances: w.instances.map((i) => ({ id: i.id, name: i.name, metadata: {} })),
    snapshots_info: { total: snaps.length, available: snaps.filter((s) => ctx.state.snapshotStatus(s) === 'available').length },
    links: restoreLinks(ctx, w.project_id, w.id, 'workloads'),
  };
}

// ---- XML ------------------------------------------------------------------------------------------------
const SINGULAR: Record<string, string> = {
  restores: 'restore', snapshots: 'snapshot', workloads: 'workload', links: 'link', restores_links: 'link',
  instances: 'instance', networks: 'network', subnets: 'subnet', routers: 'router', metadata: 'meta', vdisks: 'vdisk',
  nics: 'nic',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const tag = (k: string) => {
  const t = k.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(t) ? t : `_${t}`;
};

function node(name: string, v: unknown): string {
  const t = tag(name);
  if (v === null || v === undefined) return `<${t} nil="true"/>`;
  if (Array.isArray(v)) {
    const child = SINGULAR[name] ?? 'item';
    return `<${t}>${v.map((x) => node(child, x)).join('')}</${t}>`;
  }
  if (typeof v === 'object') {
    return `<${t}>${Object.entries(v as Obj).map(([k, x]) => node(k, x)).join('')}</${t}>`;
  }
  return `<${t}>${esc(String(v))}</${t}>`;
}

/** One documented mapping (docs/trilio.md): the envelope key is the root; objects nest; arrays repeat a child. */
export function toXml(body: Obj): string {
  const keys = Object.keys(body);
  const inner = keys.length === 1 ? node(keys[0]!, body[keys[0]!]) : node('response', body);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${inner}`;
}
