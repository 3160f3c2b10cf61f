// The structures of the Trilio answers (reference §5): what views.ts builds, field for field in the wire's order, as
// shared schemas (components of the OpenAPI document, `$id` trilio.<title>). Also the helpers schemas.ts builds the
// route schemas with.
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** Every schema with an `$id` (components of the OpenAPI document), for `addSchema` and for checking values. */
export const SHARED_SCHEMAS: TSchema[] = [];
/** Registers a named structure: `$id` `trilio.<title>`. */
export function shared<T extends TSchema>(schema: T): T {
  const named = { ...schema, $id: `trilio.${schema.title}` } as T;
  SHARED_SCHEMAS.push(named);
  return named;
}
/** A `$ref` to a shared structure. */
export const ref = <T extends TSchema>(schema: T, options: object = {}) =>
  Type.Unsafe<Static<T>>(Type.Ref(schema.$id!, options));
const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});
const Timestamp = (description = 'UTC timestamp YYYY-MM-DDTHH:MM:SS.ffffff, no zone') => Type.String({ description });
const MaybeTimestamp = (description?: string) => Nullable(Timestamp(), description);
const MaybeText = (description?: string) => Nullable(Type.String(), description);
/** A vendor object: the listed keys, in the wire's order, and no other. */
export const Strict = <T extends Record<string, TSchema>>(props: T, options: object = {}) =>
  Type.Object(props, { additionalProperties: false, ...options });
/** A client object: the documented keys; real clients send more, which are kept (restore_options echoes them). */
export const Open = <T extends Record<string, TSchema>>(props: T, options: object = {}) =>
  Type.Object(props, { additionalProperties: true, ...options });
export const FreeObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });
export const Int = (description?: string) => Type.Integer(description ? { description } : {});
export const Text = (description?: string) => Type.String(description ? { description } : {});

const Link = shared(Strict({ rel: Text('self, bookmark, next'), href: Type.String() }, { title: 'Link' }));
const Links = Type.Array(ref(Link), {
  description: 'self (`<base>/v1/<project>/<collection>/<id>`) and bookmark (`<base>/<project>/<collection>/<id>`)',
});

// ---- restore views --------------------------------------------------------------------------------------------------

const MetadataRow = shared(
  Strict(
    {
      created_at: Timestamp(),
      updated_at: MaybeTimestamp(),
      deleted_at: MaybeTimestamp(),
      deleted: Type.Boolean(),
      version: Text('The TrilioVault version, e.g. 4.0.115'),
      id: Type.String(),
      restore_id: Type.String(),
      key: Text('cancel_requested, data_transfer_time, object_store_transfer_time, restore_user_selected_value, …'),
      value: Type.String(),
    },
    { title: 'RestoreMetadata' },
  ),
);
const Status = Text('restoring, starting, executing, uploading, cancelling, then available, error or cancelled');
const RestoreType = Text('`restore`, or `test` for a test restore (?test=1)');
const Host = Text('The worker host (`TVM1`); empty until the worker picks the restore up');
/** The fields that open every restore view (detail, show, create). */
const restoreHead = {
  id: Type.String(),
  created_at: Timestamp(),
  updated_at: Timestamp('Always the same as created_at (the vendor view copies it)'),
  finished_at: MaybeTimestamp('Set when the restore ends'),
  user_id: Type.String(),
  project_id: Type.String(),
  status: Status,
  restore_type: RestoreType,
  snapshot_id: Type.String(),
};
/** The fields that close every restore view. */
const restoreTail = {
  links: Links,
  name: Type.String(),
  description: Type.String(),
  host: Host,
  size: Int('Bytes: the snapshot restore_size once picked up, else 0'),
  uploaded_size: Type.Integer(),
  progress_percent: Type.Integer({ minimum: 0, maximum: 100 }),
  progress_msg: MaybeText(),
  warning_msg: MaybeText(),
  error_msg: MaybeText('Failed restoring snapshot: … / Cancel requested for restore'),
  time_taken: Int('Seconds from created_at to the end; 0 while running'),
  restore_options: FreeObject(
    'The submitted options, key order kept (one-click: rewritten by the worker with the snapshot instances)',
  ),
};
const RestoreDetail = shared(
  Strict(
    { ...restoreHead, ...restoreTail, metadata: Type.Array(ref(MetadataRow)) },
    { title: 'RestoreDetail', description: 'Detail view (detail list items, create)' },
  ),
);
const RestoreSummary = shared(
  Strict(
    {
      id: Type.String(),
      status: Status,
      restore_type: RestoreType,
      snapshot_id: Type.String(),
      links: Links,
      name: Type.String(),
      description: Type.String(),
      host: Host,
    },
    { title: 'RestoreSummary', description: 'Summary view (list items)' },
  ),
);
const SnapshotStatus = Text('`restoring` while a restore of it runs, else its own status');
/** The fields of a snapshot's own row that its views share, in the wire's order. */
const snapshotFigures = {
  size: Type.Integer(),
  restore_size: Type.Integer(),
  uploaded_size: Type.Integer(),
  progress_percent: Type.Integer(),
  progress_msg: MaybeText(),
  warning_msg: MaybeText(),
  error_msg: MaybeText(),
};
/** The snapshot row as `snapshot_details` shows it. */
const SnapshotRow = shared(
  Strict(
    {
      created_at: Timestamp(),
      updated_at: MaybeTimestamp(),
      deleted_at: MaybeTimestamp(),
      deleted: Type.Boolean(),
      version: Type.String(),
      id: Type.String(),
      user_id: Type.String(),
      project_id: Type.String(),
      workload_id: Type.String(),
      snapshot_type: Text('full or incremental'),
      display_name: Type.String(),
      display_description: Type.String(),
      ...snapshotFigures,
      host: Type.String(),
      finished_at: MaybeTimestamp(),
      data_deleted: Type.Boolean(),
      pinned: Type.Boolean(),
      time_taken: Type.Integer(),
      vault_storage_id: MaybeText(),
      status: SnapshotStatus,
    },
    { title: 'SnapshotRow' },
  ),
);
const RestoredInstance = shared(
  Open(
    {
      id: Text('The restored VM (a new id; the same VM for in-place)'),
      name: Type.String(),
      status: Type.String(),
      metadata: FreeObject('config_drive, instance_id (the original VM), production'),
    },
    { title: 'RestoredInstance' },
  ),
);
const RestoreShow = shared(
  Strict(
    {
      ...restoreHead,
      snapshot_details: Type.Union([ref(SnapshotRow), Strict({})], {
        description: 'The snapshot row; {} when the snapshot is gone',
      }),
      workload_id: Type.String(),
      instances: Type.Array(ref(RestoredInstance), { description: 'Restored VMs (set at the end)' }),
      networks: Type.Array(Type.Unknown()),
      subnets: Type.Array(Type.Unknown()),
      routers: Type.Array(Type.Unknown()),
      ...restoreTail,
      metadata: Type.Array(ref(MetadataRow), {
        description: 'Always [] in this view (the vendor restore_show leaves the rows out)',
      }),
    },
    {
      title: 'RestoreShow',
      description: 'Show view: detail plus snapshot_details, workload_id, instances, networks, subnets, routers',
    },
  ),
);
const NextLinks = Type.Array(ref(Link), {
  description: 'Only when ?limit was given and the page is full: rel next, the query with marker=<last id>',
});
const restoreList = (view: TSchema, title: string, description: string) =>
  shared(Strict({ restores: Type.Array(ref(view)), restores_links: Type.Optional(NextLinks) }, { title, description }));
const envelope = (key: string, view: TSchema, title: string, description: string) =>
  shared(Strict({ [key]: ref(view) }, { title, description }));
const list = (key: string, view: TSchema, title: string, description: string) =>
  shared(Strict({ [key]: Type.Array(ref(view)) }, { title, description }));

const FRESH = 'The new restore (detail view of the freshly inserted row: restoring, host "", progress 0)';
export const RestoreCreated = envelope('restore', RestoreDetail, 'RestoreCreated', FRESH);
export const RestoreEnvelope = envelope('restore', RestoreShow, 'Restore', 'The restore (show view)');
export const RestoreSummaryList = restoreList(RestoreSummary, 'RestoreList', 'Restores (summary view), newest first');
const DETAIL_LIST = 'Restores (detail view), newest first';
export const RestoreDetailList = restoreList(RestoreDetail, 'RestoreDetailList', DETAIL_LIST);
export const Empty = Type.Null({ description: 'Empty body (Content-Type: application/json)' });

// ---- snapshots and workloads ----------------------------------------------------------------------------------------

const SnapshotSummary = shared(
  Strict(
    {
      id: Type.String(),
      created_at: Timestamp(),
      status: SnapshotStatus,
      snapshot_type: Type.String(),
      workload_id: Type.String(),
      name: Type.String(),
      description: Type.String(),
      host: Type.String(),
    },
    { title: 'SnapshotSummary' },
  ),
);
export const SnapshotList = list('snapshots', SnapshotSummary, 'SnapshotList', 'Snapshots, newest first');
const HeldInstance = Strict({
  id: Type.String(),
  name: Type.String(),
  status: Type.String(),
  metadata: FreeObject('Instance metadata'),
  flavor: FreeObject('The flavor (vcpus, ram, disk, …)'),
  vdisks: Type.Array(FreeObject('A volume: id, name, size, volume_type')),
});
const RestoreInfo = Strict({ id: Type.String(), name: Type.String(), status: Type.String() });
const SnapshotDetail = shared(
  Strict(
    {
      id: Type.String(),
      created_at: Timestamp(),
      updated_at: MaybeTimestamp(),
      finished_at: MaybeTimestamp(),
      user_id: Type.String(),
      project_id: Type.String(),
      status: SnapshotStatus,
      snapshot_type: Type.String(),
      workload_id: Type.String(),
      instances: Type.Array(HeldInstance),
      name: Type.String(),
      description: Type.String(),
      host: Type.String(),
      ...snapshotFigures,
      time_taken: Type.Integer(),
      pinned: Type.Boolean(),
      metadata: Type.Array(Type.Unknown()),
      restores_info: Type.Record(Type.String(), RestoreInfo, {
        description: "The snapshot's restores (test restores left out), by id",
      }),
      links: Links,
    },
    { title: 'Snapshot' },
  ),
);
export const SnapshotEnvelope = envelope('snapshot', SnapshotDetail, 'SnapshotShow', 'The snapshot');

const WorkloadStatus = Text('`locked` while a restore of it runs, else its own status');
const WorkloadSummary = shared(
  Strict(
    {
      id: Type.String(),
      name: Type.String(),
      description: Type.String(),
      status: WorkloadStatus,
      created_at: Timestamp(),
      links: Links,
    },
    { title: 'WorkloadSummary' },
  ),
);
export const WorkloadList = list('workloads', WorkloadSummary, 'WorkloadList', 'Workloads, newest first');
const WorkloadDetail = shared(
  Strict(
    {
      id: Type.String(),
      created_at: Timestamp(),
      updated_at: MaybeTimestamp(),
      user_id: Type.String(),
      project_id: Type.String(),
      name: Type.String(),
      description: Type.String(),
      status: WorkloadStatus,
      workload_type_id: Type.String(),
      instances: Type.Array(Strict({ id: Type.String(), name: Type.String(), metadata: FreeObject('Always {}') })),
      snapshots_info: Strict({ total: Type.Integer(), available: Type.Integer() }),
      links: Links,
    },
    { title: 'Workload' },
  ),
);
export const WorkloadEnvelope = envelope('workload', WorkloadDetail, 'WorkloadShow', 'The workload');
