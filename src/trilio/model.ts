// Trilio data model: the fixture section's shape, its validation and merging, and the persisted rows.
import type { CancelRequest, Plan } from '../core/lifecycle.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = Record<string, unknown>;

export const TERMINAL = new Set(['available', 'error', 'cancelled']);
export type RestoreKind = 'oneclick' | 'selective' | 'inplace';

export interface TokenFx {
  id: string;
  project_id: string;
  user_id: string;
  admin?: boolean;
}
export interface ProjectFx {
  id: string;
  name: string;
}
export interface ServerFx {
  id: string;
  name: string;
  project_id: string;
  status?: string;
}
export interface VolumeFx {
  id: string;
  name?: string;
  project_id: string;
  size?: number;
  attached_to?: string | null;
}
export interface NetworkFx {
  id: string;
  name: string;
  project_id: string;
  subnets?: { id: string; name?: string; cidr?: string }[];
}
export interface SnapshotInstanceFx {
  id: string;
  name: string;
  availability_zone?: string;
  flavor?: Obj;
  vdisks?: { id: string; name?: string; size?: number; volume_type?: string }[];
  metadata?: Obj;
}
export interface WorkloadFx {
  id: string;
  project_id: string;
  user_id: string;
  name: string;
  description?: string;
  status: string;
  created_at: string;
  updated_at?: string | null;
  workload_type_id?: string;
  instances: { id: string; name: string }[];
}
/** A snapshot: the row fields of the seed's `snapshot_details`, plus the instances it holds. */
export interface SnapshotFx {
  id: string;
  project_id: string;
  user_id: string;
  workload_id: string;
  created_at: string;
  updated_at?: string | null;
  deleted_at?: string | null;
  deleted?: boolean;
  version?: string;
  snapshot_type?: string;
  display_name: string;
  display_description?: string;
  size?: number;
  restore_size: number;
  uploaded_size?: number;
  progress_percent?: number;
  progress_msg?: string | null;
  warning_msg?: string | null;
  error_msg?: string | null;
  host?: string;
  finished_at?: string | null;
  data_deleted?: boolean;
  pinned?: boolean;
  time_taken?: number;
  vault_storage_id?: string | null;
  status: string;
  instances: SnapshotInstanceFx[];
}
export interface MetadataRow {
  created_at: string;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: boolean;
  version: string;
  id: string;
  restore_id: string;
  key: string;
  value: string;
}
/** A restore as persisted (and as written in fixtures: finished restores carry only the detail-view fields). */
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
  // Lifecycle (absent on finished fixture restores; a non-terminal restore without a plan is "stuck").
  kind?: RestoreKind;
  plan?: Plan;
  started_at?: number;
  cancel?: CancelRequest | null;
  picked_up?: boolean;
  host_name?: string;
  restore_size?: number;
}

export interface TrilioSection {
  version?: string;
  host?: string;
  projects?: ProjectFx[];
  tokens?: TokenFx[];
  servers?: ServerFx[];
  volumes?: VolumeFx[];
  networks?: NetworkFx[];
  workloads?: WorkloadFx[];
  snapshots?: SnapshotFx[];
  restores?: Partial<RestoreRow>[];
}

export const LIST_KEYS = ['projects', 'tokens', 'servers', 'volumes', 'networks', 'workloads', 'snapshots', 'restores'] as const;
export type ListKey = (typeof LIST_KEYS)[number];

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?$/;

/** Parses the vendor timestamp format (UTC, no zone) to ms. */
export function parseTs(s: string): number {
  return Date.parse(`${s}Z`);
}

export const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);

/**
 * Checks a section on its own. References (a snapshot's workload, a restore's snapshot) are checked only when the
 * section holds the referenced list, so a merge may add restores to snapshots loaded earlier.
 */
export function validateSection(section: unknown): string[] {
  const p: string[] = [];
  if (!isObj(section)) return ['must be an object'];
  const known = new Set<string>(['version', 'host', ...LIST_KEYS]);
  for (const k of Object.keys(section)) if (!known.has(k)) p.push(`.${k}: unknown key (expected one of ${[...known].join(', ')})`);
  for (const k of ['version', 'host']) {
    if (section[k] !== undefined && (typeof section[k] !== 'string' || section[k] === '')) p.push(`.${k}: must be a non-empty string`);
  }
  const ids: Record<string, Set<string>> = {};
  for (const key of LIST_KEYS) {
    ids[key] = new Set();
    const list = section[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      p.push(`.${key}: must be an array`);
      continue;
    }
    list.forEach((e, i) => {
      const at = `.${key}[${i}]`;
      if (!isObj(e)) return p.push(`${at}: must be an object`);
      if (typeof e.id !== 'string' || e.id === '') return p.push(`${at}.id: must be a non-empty string`);
      if (ids[key]!.has(e.id)) p.push(`${at}.id: duplicate id "${e.id}"`);
      ids[key]!.add(e.id);
    });
  }
  const list = (key: ListKey) => (Array.isArray(section[key]) ? (section[key] as unknown[]).filter(isObj) : []);
  const str = (e: Obj, f: string, at: string, optional = false) => {
    if (e[f] === undefined && optional) return;
    if (typeof e[f] !== 'string' || e[f] === '') p.push(`${at}.${f}: must be a non-empty string`);
  };
  const ts = (e: Obj, f: string, at: string, optional = false) => {
    if ((e[f] === undefined || e[f] === null) && optional) return;
    if (typeof e[f] !== 'string' || !TS.test(e[f] as string)) p.push(`${at}.${f}: must be a timestamp like 2020-11-05T10:17:40.000000`);
  };
  list('projects').forEach((e, i) => str(e, 'name', `.projects[${i}]`));
  list('tokens').forEach((e, i) => {
    str(e, 'project_id', `.tokens[${i}]`);
    str(e, 'user_id', `.tokens[${i}]`);
    if (e.admin !== undefined && typeof e.admin !== 'boolean') p.push(`.tokens[${i}].admin: must be true or false`);
  });
  for (const key of ['servers', 'volumes', 'networks'] as const) list(key).forEach((e, i) => str(e, 'project_id', `.${key}[${i}]`));
  list('servers').forEach((e, i) => str(e, 'name', `.servers[${i}]`));
  list('workloads').forEach((e, i) => {
    const at = `.workloads[${i}]`;
    for (const f of ['project_id', 'user_id', 'name', 'status']) str(e, f, at);
    ts(e, 'created_at', at);
    ts(e, 'updated_at', at, true);
    if (!Array.isArray(e.instances)) p.push(`${at}.instances: must be an array of {id, name}`);
  });
  list('snapshots').forEach((e, i) => {
    const at = `.snapshots[${i}]`;
    for (const f of ['project_id', 'user_id', 'workload_id', 'display_name', 'status']) str(e, f, at);
    ts(e, 'created_at', at);
    ts(e, 'updated_at', at, true);
    ts(e, 'finished_at', at, true);
    if (typeof e.restore_size !== 'number' || e.restore_size < 0) p.push(`${at}.restore_size: must be a number of bytes >= 0`);
    if (typeof e.workload_id === 'string' && Array.isArray(section.workloads) && !ids.workloads!.has(e.workload_id)) p.push(`${at}.workload_id: unknown workload "${e.workload_id}"`);
    if (!Array.isArray(e.instances)) p.push(`${at}.instances: must be an array of {id, name, ...}`);
    else (e.instances as unknown[]).forEach((x, j) => {
      if (!isObj(x) || typeof x.id !== 'string' || typeof x.name !== 'string') p.push(`${at}.instances[${j}]: must have string id and name`);
    });
  });
  list('restores').forEach((e, i) => {
    const at = `.restores[${i}]`;
    for (const f of ['project_id', 'user_id', 'snapshot_id', 'name', 'status']) str(e, f, at);
    ts(e, 'created_at', at);
    ts(e, 'finished_at', at, true);
    if (typeof e.snapshot_id === 'string' && Array.isArray(section.snapshots) && !ids.snapshots!.has(e.snapshot_id)) p.push(`${at}.snapshot_id: unknown snapshot "${e.snapshot_id}"`);
    if (e.metadata !== undefined && !Array.isArray(e.metadata)) p.push(`${at}.metadata: must be an array of metadata rows`);
  });
  return p;
}

/** Merges two sections: scalars from extra win; list entries matched by id, extra's replacing base's. */
export function mergeSections(base: unknown, extra: unknown): TrilioSection {
  const b = (isObj(base) ? base : {}) as Obj;
  const e = (isObj(extra) ? extra : {}) as Obj;
  const out: Obj = { ...b };
  for (const [k, v] of Object.entries(e)) {
    if ((LIST_KEYS as readonly string[]).includes(k) && Array.isArray(v) && Array.isArray(b[k])) {
      const merged = new Map<string, unknown>();
      for (const x of b[k] as Obj[]) merged.set(String(x.id), x);
      for (const x of v as Obj[]) merged.set(String(x.id), x);
      out[k] = [...merged.values()];
    } else out[k] = v;
  }
  return out as TrilioSection;
}
