// The Trilio fixtures section: its TypeBox schema (the shape of every entity, and their types), its validation (the
// schema's problems, one line each with its path, then duplicate ids and unknown references) and the merge of two
// sections (entries matched by id, the later winning).
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { isObj, mergeBy, type Obj, schemaProblems } from '../core/fixtures.js';
import type { RestoreRow } from './repository.js';

/** The vendor's timestamp format (UTC, no zone): 2020-11-05T10:17:40.000000. */
const TIMESTAMP = '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,6})?$';
const TIMESTAMP_PROBLEM = 'must be a timestamp like 2020-11-05T10:17:40.000000';
/** Parses the vendor timestamp format (UTC, no zone) to ms. */
export const parseTs = (s: string): number => Date.parse(`${s}Z`);

const Text = (errorMessage = 'must be a non-empty string') => Type.String({ minLength: 1, errorMessage });
const Timestamp = Type.String({ pattern: TIMESTAMP, errorMessage: TIMESTAMP_PROBLEM });
const MaybeTimestamp = Type.Optional(Type.Union([Timestamp, Type.Null()], { errorMessage: TIMESTAMP_PROBLEM }));
const Maybe = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
const Bytes = Type.Optional(Type.Number());
const FreeObject = Type.Record(Type.String(), Type.Unknown());
/** A list entry: an object with a non-empty id; keys beyond the listed ones are kept. */
const Entry = <P extends Record<string, TSchema>>(props: P) =>
  Type.Object({ id: Text(), ...props }, { errorMessage: 'must be an object' });
const List = <T extends TSchema>(entry: T) => Type.Optional(Type.Array(entry, { errorMessage: 'must be an array' }));

const Project = Entry({ name: Text() });
const Token = Entry({
  project_id: Text(),
  user_id: Text(),
  admin: Type.Optional(Type.Boolean({ errorMessage: 'must be true or false' })),
});
const Server = Entry({ name: Text(), project_id: Text(), status: Type.Optional(Type.String()) });
const Volume = Entry({
  name: Type.Optional(Type.String()),
  project_id: Text(),
  size: Bytes,
  attached_to: Maybe(Type.String()),
});
const Subnet = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  cidr: Type.Optional(Type.String()),
});
const Network = Entry({
  name: Type.Optional(Type.String()),
  project_id: Text(),
  subnets: Type.Optional(Type.Array(Subnet)),
});
const Workload = Entry({
  project_id: Text(),
  user_id: Text(),
  name: Text(),
  description: Type.Optional(Type.String()),
  status: Text(),
  created_at: Timestamp,
  updated_at: MaybeTimestamp,
  workload_type_id: Type.Optional(Type.String()),
  instances: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), {
    errorMessage: 'must be an array of {id, name}',
  }),
});
const HELD_INSTANCE = 'must have string id and name';
const Vdisk = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  size: Bytes,
  volume_type: Type.Optional(Type.String()),
});
const SnapshotInstance = Type.Object(
  {
    id: Type.String({ errorMessage: HELD_INSTANCE }),
    name: Type.String({ errorMessage: HELD_INSTANCE }),
    availability_zone: Type.Optional(Type.String()),
    flavor: Type.Optional(FreeObject),
    vdisks: Type.Optional(Type.Array(Vdisk)),
    metadata: Type.Optional(FreeObject),
  },
  { errorMessage: HELD_INSTANCE },
);
/** A snapshot: the row fields of the seed's `snapshot_details`, plus the instances it holds. */
const Snapshot = Entry({
  project_id: Text(),
  user_id: Text(),
  workload_id: Text(),
  created_at: Timestamp,
  updated_at: MaybeTimestamp,
  deleted_at: Maybe(Type.String()),
  deleted: Type.Optional(Type.Boolean()),
  version: Type.Optional(Type.String()),
  snapshot_type: Type.Optional(Type.String()),
  display_name: Text(),
  display_description: Type.Optional(Type.String()),
  size: Bytes,
  restore_size: Type.Number({ minimum: 0, errorMessage: 'must be a number of bytes >= 0' }),
  uploaded_size: Bytes,
  progress_percent: Type.Optional(Type.Number()),
  progress_msg: Maybe(Type.String()),
  warning_msg: Maybe(Type.String()),
  error_msg: Maybe(Type.String()),
  host: Type.Optional(Type.String()),
  finished_at: MaybeTimestamp,
  data_deleted: Type.Optional(Type.Boolean()),
  pinned: Type.Optional(Type.Boolean()),
  time_taken: Type.Optional(Type.Number()),
  vault_storage_id: Maybe(Type.String()),
  status: Text(),
  instances: Type.Array(SnapshotInstance, { errorMessage: 'must be an array of {id, name, ...}' }),
});
const MetadataRow = Type.Object({
  created_at: Type.String(),
  updated_at: Type.Union([Type.String(), Type.Null()]),
  deleted_at: Type.Union([Type.String(), Type.Null()]),
  deleted: Type.Boolean(),
  version: Type.String(),
  id: Type.String(),
  restore_id: Type.String(),
  key: Type.String(),
  value: Type.String(),
});
/** A finished restore as the detail view shows it, plus workload_id, instances, networks, subnets, routers. */
const Restore = Entry({
  project_id: Text(),
  user_id: Text(),
  snapshot_id: Text(),
  workload_id: Type.Optional(Type.String()),
  name: Text(),
  description: Type.Optional(Type.String()),
  status: Text(),
  restore_type: Type.Optional(Type.String()),
  created_at: Timestamp,
  finished_at: MaybeTimestamp,
  host: Type.Optional(Type.String()),
  size: Bytes,
  uploaded_size: Bytes,
  progress_percent: Type.Optional(Type.Number()),
  progress_msg: Maybe(Type.String()),
  warning_msg: Maybe(Type.String()),
  error_msg: Maybe(Type.String()),
  time_taken: Type.Optional(Type.Number()),
  restore_options: Type.Optional(Type.Unknown()),
  instances: Type.Optional(Type.Array(Type.Unknown())),
  networks: Type.Optional(Type.Array(Type.Unknown())),
  subnets: Type.Optional(Type.Array(Type.Unknown())),
  routers: Type.Optional(Type.Array(Type.Unknown())),
  metadata: Type.Optional(Type.Array(MetadataRow, { errorMessage: 'must be an array of metadata rows' })),
});

/** The lists of a section, in the order the schema lists them. */
const LISTS = {
  projects: List(Project),
  tokens: List(Token),
  servers: List(Server),
  volumes: List(Volume),
  networks: List(Network),
  workloads: List(Workload),
  snapshots: List(Snapshot),
  restores: List(Restore),
};
export const TrilioSection = Type.Object(
  { version: Type.Optional(Text()), host: Type.Optional(Text()), ...LISTS },
  { additionalProperties: false },
);

export type TrilioSection = Static<typeof TrilioSection>;
export type TokenFx = Static<typeof Token>;
export type VolumeFx = Static<typeof Volume>;
export type WorkloadFx = Static<typeof Workload>;
export type SnapshotFx = Static<typeof Snapshot>;
export type MetadataRow = Static<typeof MetadataRow>;
type RestoreFx = Static<typeof Restore>;

const LIST_KEYS = Object.keys(LISTS) as (keyof typeof LISTS)[];

/**
 * Checks a section on its own: the schema, then duplicate ids in each list, then references (a snapshot's workload,
 * a restore's snapshot), each checked only when the section holds the referenced list, so a merge may add restores
 * to snapshots loaded earlier.
 */
export function validateSection(section: unknown): string[] {
  if (!isObj(section)) return ['must be an object'];
  const problems = schemaProblems(TrilioSection, section);
  const ids: Record<string, Set<string>> = {};
  for (const key of LIST_KEYS) {
    ids[key] = new Set();
    entries(section, key).forEach((e, i) => {
      if (typeof e.id !== 'string' || e.id === '') return;
      if (ids[key]!.has(e.id)) problems.push(`.${key}[${i}].id: duplicate id "${e.id}"`);
      ids[key]!.add(e.id);
    });
  }
  const reference = (key: string, field: string, list: 'workloads' | 'snapshots', what: string) =>
    entries(section, key).forEach((e, i) => {
      const id = e[field];
      if (typeof id !== 'string' || !Array.isArray(section[list]) || ids[list]!.has(id)) return;
      problems.push(`.${key}[${i}].${field}: unknown ${what} "${id}"`);
    });
  reference('snapshots', 'workload_id', 'workloads', 'workload');
  reference('restores', 'snapshot_id', 'snapshots', 'snapshot');
  return problems;
}

/** The objects of one list of a section (whatever else the list holds). */
function entries(section: Obj, key: string): Obj[] {
  const list = section[key];
  return Array.isArray(list) ? list.map((e) => (isObj(e) ? e : {})) : [];
}

/** Merges two sections: scalars from extra win; list entries matched by id, extra's replacing base's. */
export function mergeSections(base: unknown, extra: unknown): TrilioSection {
  const b = isObj(base) ? base : {};
  const out: Obj = { ...b };
  for (const [k, v] of Object.entries(isObj(extra) ? extra : {})) {
    const both = (LIST_KEYS as string[]).includes(k) && Array.isArray(v) && Array.isArray(b[k]);
    out[k] = both ? mergeBy('id', b[k] as Obj[], v as Obj[]) : v;
  }
  return out as TrilioSection;
}

/** The row of a fixture restore: the detail-view fields (defaults for those left out), no plan. */
export function restoreFromFixture(x: RestoreFx, snapshot: SnapshotFx | undefined): RestoreRow {
  return {
    id: x.id,
    created_at: x.created_at,
    finished_at: x.finished_at ?? null,
    user_id: x.user_id,
    project_id: x.project_id,
    status: x.status,
    restore_type: x.restore_type ?? 'restore',
    snapshot_id: x.snapshot_id,
    workload_id: x.workload_id ?? snapshot?.workload_id ?? '',
    name: x.name,
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
