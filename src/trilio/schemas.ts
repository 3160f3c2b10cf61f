// TypeBox schemas of the Trilio API (reference §4, §5, §7): path parameters, query strings, the create body and one
// response per status for every route under /v1. They feed the OpenAPI document (openapi/trilio.json).
//
// They describe the wire; they do not validate it. The handlers check requests in the vendor's order (auth, then
// options type/openstack/restore_type/instances, then snapshot and workload, each with the legacy or modern fault of
// `--trilio-errors`, and the list parameters with the vendor's messages), which Fastify's schema validation would
// pre-empt with other statuses and messages. So http.ts compiles these schemas to a pass-through validator, and
// answers are rendered by hand (JSON in the views' key order, Content-Type exactly `application/json`, or XML),
// never by Fastify's serializer. test/trilio-schema.test.ts checks every JSON answer against the response schema
// declared for its status, so the schemas cannot drift from the wire.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Every schema with an `$id` (components of the OpenAPI document), for `addSchema` and for checking values. */
export const SHARED_SCHEMAS: TSchema[] = [];
/** Registers a named structure: `$id` `trilio.<title>`. */
function shared<T extends TSchema>(schema: T): T {
  const named = { ...schema, $id: `trilio.${schema.title}` } as T;
  SHARED_SCHEMAS.push(named);
  return named;
}
/** A `$ref` to a shared structure. */
const ref = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T>>(Type.Ref(schema.$id!));

// ---- building blocks -------------------------------------------------------------------------------------------

const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});
const Timestamp = (description = 'UTC timestamp YYYY-MM-DDTHH:MM:SS.ffffff, no zone') => Type.String({ description });
/** A vendor object: the listed keys, in the wire's order, and no other. */
const Strict = <T extends Record<string, TSchema>>(props: T, options: Record<string, unknown> = {}) =>
  Type.Object(props, { additionalProperties: false, ...options });
/** A client object: the documented keys; real clients send more, which are kept (restore_options echoes them). */
const Open = <T extends Record<string, TSchema>>(props: T, options: Record<string, unknown> = {}) =>
  Type.Object(props, { additionalProperties: true, ...options });
const FreeObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

const Link = shared(Strict({ rel: Type.String({ description: 'self, bookmark, next' }), href: Type.String() }, { title: 'Link' }));
const Links = Type.Array(ref(Link), { description: 'self (`<base>/v1/<project>/<collection>/<id>`) and bookmark (`<base>/<project>/<collection>/<id>`)' });

// ---- faults ----------------------------------------------------------------------------------------------------

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 501: 'notImplemented', 503: 'serviceUnavailable',
};

const FaultDetail = (code?: number) =>
  Strict({ code: code === undefined ? Type.Integer({ description: 'The HTTP status' }) : Type.Literal(code), message: Type.String() });

const FAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'badRequest: malformed URL (token of another project), bad list parameter, unknown marker, running restore deleted, malformed JSON, or a create precondition (--trilio-errors modern)',
  401: 'unauthorized: no X-Auth-Token',
  404: 'itemNotFound: unknown restore, snapshot or workload (or another project\'s), unknown path',
  406: 'Error: the Accept header offers neither JSON nor XML',
  413: 'overLimit: body larger than --body-limit',
  415: 'badMediaType: a body that is not JSON',
  500: 'Error: a failed create precondition (--trilio-errors legacy, the default), or an unexpected server error',
  503: 'serviceUnavailable: e.g. a fault rule',
};

/** `{"<faultName>": {"code": <status>, "message": "…"}}` for one status. */
const faults = new Map<number, TSchema>();
export function Fault(status: number): TSchema {
  let f = faults.get(status);
  if (!f) {
    const name = FAULT_NAMES[status] ?? 'Error';
    f = shared(Strict({ [name]: FaultDetail(status) }, { title: `Fault${status}`, description: FAULT_DESCRIPTIONS[status] ?? name }));
    faults.set(status, f);
  }
  return f;
}
/** Any fault (e.g. one a fault rule injects with another status): one key, the fault name. */
export const AnyFault = shared(Type.Record(Type.String({ description: 'The fault name of the status (badRequest, itemNotFound, Error, …)' }), FaultDetail(), {
  title: 'Fault',
  description: 'A fault injected by a fault rule with another status: the fault name of that status (Error when it has none)',
  minProperties: 1,
  maxProperties: 1,
}));

// ---- restore views ---------------------------------------------------------------------------------------------

export const MetadataRow = shared(Strict(
  {
    created_at: Timestamp(),
    updated_at: Nullable(Timestamp()),
    deleted_at: Nullable(Timestamp()),
    deleted: Type.Boolean(),
    version: Type.String({ description: 'The TrilioVault version, e.g. 4.0.115' }),
    id: Type.String(),
    restore_id: Type.String(),
    key: Type.String({ description: 'cancel_requested, data_transfer_time, object_store_transfer_time, restore_user_selected_value, …' }),
    value: Type.String(),
  },
  { title: 'RestoreMetadata' },
));

/** The fields that open every restore view (detail, show, create). */
const restoreHead = {
  id: Type.String(),
  created_at: Timestamp(),
  updated_at: Timestamp('Always the same as created_at (the vendor view copies it)'),
  finished_at: Nullable(Timestamp(), 'Set when the restore ends'),
  user_id: Type.String(),
  project_id: Type.String(),
  status: Type.String({ description: 'restoring, starting, executing, uploading, cancelling, then available, error or cancelled' }),
  restore_type: Type.String({ description: '`restore`, or `test` for a test restore (?test=1)' }),
  snapshot_id: Type.String(),
};
/** The fields that close every restore view. */
const restoreTail = {
  links: Links,
  name: Type.String(),
  description: Type.String(),
  host: Type.String({ description: 'The worker host (`TVM1`); empty until the worker picks the restore up' }),
  size: Type.Integer({ description: 'Bytes: the snapshot restore_size once picked up, else 0' }),
  uploaded_size: Type.Integer(),
  progress_percent: Type.Integer({ minimum: 0, maximum: 100 }),
  progress_msg: Nullable(Type.String()),
  warning_msg: Nullable(Type.String()),
  error_msg: Nullable(Type.String(), 'Failed restoring snapshot: … / Cancel requested for restore'),
  time_taken: Type.Integer({ description: 'Seconds from created_at to the end; 0 while running' }),
  restore_options: FreeObject('The submitted options, key order kept (one-click: rewritten by the worker with the snapshot instances)'),
};

export const RestoreDetail = shared(Strict(
  { ...restoreHead, ...restoreTail, metadata: Type.Array(ref(MetadataRow)) },
  { title: 'RestoreDetail', description: 'Detail view (detail list items, create)' },
));

export const RestoreSummary = shared(Strict(
  {
    id: Type.String(),
    status: restoreHead.status,
    restore_type: restoreHead.restore_type,
    snapshot_id: Type.String(),
    links: Links,
    name: Type.String(),
    description: Type.String(),
    host: restoreTail.host,
  },
  { title: 'RestoreSummary', description: 'Summary view (list items)' },
));

/** The snapshot row as `snapshot_details` shows it. */
export const SnapshotRow = shared(Strict(
  {
    created_at: Timestamp(),
    updated_at: Nullable(Timestamp()),
    deleted_at: Nullable(Timestamp()),
    deleted: Type.Boolean(),
    version: Type.String(),
    id: Type.String(),
    user_id: Type.String(),
    project_id: Type.String(),
    workload_id: Type.String(),
    snapshot_type: Type.String({ description: 'full or incremental' }),
    display_name: Type.String(),
    display_description: Type.String(),
    size: Type.Integer(),
    restore_size: Type.Integer(),
    uploaded_size: Type.Integer(),
    progress_percent: Type.Integer(),
    progress_msg: Nullable(Type.String()),
    warning_msg: Nullable(Type.String()),
    error_msg: Nullable(Type.String()),
    host: Type.String(),
    finished_at: Nullable(Timestamp()),
    data_deleted: Type.Boolean(),
    pinned: Type.Boolean(),
    time_taken: Type.Integer(),
    vault_storage_id: Nullable(Type.String()),
    status: Type.String({ description: '`restoring` while a restore of it runs, else its own status' }),
  },
  { title: 'SnapshotRow' },
));

export const RestoredInstance = shared(Open(
  {
    id: Type.String({ description: 'The restored VM (a new id; the same VM for in-place)' }),
    name: Type.String(),
    status: Type.String(),
    metadata: FreeObject('config_drive, instance_id (the original VM), production'),
  },
  { title: 'RestoredInstance' },
));

export const RestoreShow = shared(Strict(
  {
    ...restoreHead,
    snapshot_details: Type.Union([ref(SnapshotRow), Strict({})], { description: 'The snapshot row; {} when the snapshot is gone' }),
    workload_id: Type.String(),
    instances: Type.Array(ref(RestoredInstance), { description: 'Restored VMs (set at the end)' }),
    networks: Type.Array(Type.Unknown()),
    subnets: Type.Array(Type.Unknown()),
    routers: Type.Array(Type.Unknown()),
    ...restoreTail,
    metadata: Type.Array(ref(MetadataRow), { description: 'Always [] in this view (the vendor restore_show leaves the rows out)' }),
  },
  { title: 'RestoreShow', description: 'Show view: detail plus snapshot_details, workload_id, instances, networks, subnets, routers' },
));

export const RestoreEnvelope = shared(Strict({ restore: ref(RestoreDetail) }, { title: 'RestoreCreated', description: 'The new restore (detail view of the freshly inserted row: restoring, host "", progress 0)' }));
export const RestoreShowEnvelope = shared(Strict({ restore: ref(RestoreShow) }, { title: 'Restore', description: 'The restore (show view)' }));
const NextLinks = Type.Array(ref(Link), { description: 'Only when ?limit was given and the page is full: rel next, the query with marker=<last id>' });
export const RestoreSummaryList = shared(Strict(
  { restores: Type.Array(ref(RestoreSummary)), restores_links: Type.Optional(NextLinks) },
  { title: 'RestoreList', description: 'Restores (summary view), newest first' },
));
export const RestoreDetailList = shared(Strict(
  { restores: Type.Array(ref(RestoreDetail)), restores_links: Type.Optional(NextLinks) },
  { title: 'RestoreDetailList', description: 'Restores (detail view), newest first' },
));
export const Empty = Type.Null({ description: 'Empty body (Content-Type: application/json)' });

// ---- snapshots and workloads -----------------------------------------------------------------------------------

export const SnapshotSummary = shared(Strict(
  {
    id: Type.String(),
    created_at: Timestamp(),
    status: SnapshotRow.properties.status,
    snapshot_type: Type.String(),
    workload_id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    host: Type.String(),
  },
  { title: 'SnapshotSummary' },
));
export const SnapshotList = shared(Strict({ snapshots: Type.Array(ref(SnapshotSummary)) }, { title: 'SnapshotList', description: 'Snapshots, newest first' }));

export const SnapshotDetail = shared(Strict(
  {
    id: Type.String(),
    created_at: Timestamp(),
    updated_at: Nullable(Timestamp()),
    finished_at: Nullable(Timestamp()),
    user_id: Type.String(),
    project_id: Type.String(),
    status: SnapshotRow.properties.status,
    snapshot_type: Type.String(),
    workload_id: Type.String(),
    instances: Type.Array(
      Strict({
        id: Type.String(),
        name: Type.String(),
        status: Type.String(),
        metadata: FreeObject('Instance metadata'),
        flavor: FreeObject('The flavor (vcpus, ram, disk, …)'),
        vdisks: Type.Array(FreeObject('A volume: id, name, size, volume_type')),
      }),
    ),
    name: Type.String(),
    description: Type.String(),
    host: Type.String(),
    size: Type.Integer(),
    restore_size: Type.Integer(),
    uploaded_size: Type.Integer(),
    progress_percent: Type.Integer(),
    progress_msg: Nullable(Type.String()),
    warning_msg: Nullable(Type.String()),
    error_msg: Nullable(Type.String()),
    time_taken: Type.Integer(),
    pinned: Type.Boolean(),
    metadata: Type.Array(Type.Unknown()),
    restores_info: Type.Record(Type.String(), Strict({ id: Type.String(), name: Type.String(), status: Type.String() }), {
      description: 'The snapshot\'s restores (test restores left out), by id',
    }),
    links: Links,
  },
  { title: 'Snapshot' },
));
export const SnapshotEnvelope = shared(Strict({ snapshot: ref(SnapshotDetail) }, { title: 'SnapshotShow', description: 'The snapshot' }));

export const WorkloadSummary = shared(Strict(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    status: Type.String({ description: '`locked` while a restore of it runs, else its own status' }),
    created_at: Timestamp(),
    links: Links,
  },
  { title: 'WorkloadSummary' },
));
export const WorkloadList = shared(Strict({ workloads: Type.Array(ref(WorkloadSummary)) }, { title: 'WorkloadList', description: 'Workloads, newest first' }));
export const WorkloadDetail = shared(Strict(
  {
    id: Type.String(),
    created_at: Timestamp(),
    updated_at: Nullable(Timestamp()),
    user_id: Type.String(),
    project_id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    status: WorkloadSummary.properties.status,
    workload_type_id: Type.String(),
    instances: Type.Array(Strict({ id: Type.String(), name: Type.String(), metadata: FreeObject('Always {}') })),
    snapshots_info: Strict({ total: Type.Integer(), available: Type.Integer() }),
    links: Links,
  },
  { title: 'Workload' },
));
export const WorkloadEnvelope = shared(Strict({ workload: ref(WorkloadDetail) }, { title: 'WorkloadShow', description: 'The workload' }));

// ---- requests --------------------------------------------------------------------------------------------------

const Id = (description: string) => Type.String({ description });
const project_id = Id('Project (tenant) id; must be the token\'s project when the token is known');
export const ProjectParams = Strict({ project_id });
export const RestoreParams = Strict({ project_id, restore_id: Id('Restore id') });
export const SnapshotParams = Strict({ project_id, snapshot_id: Id('Snapshot id') });
export const WorkloadParams = Strict({ project_id, workload_id: Id('Workload id') });
export const WorkloadSnapshotParams = Strict({
  project_id,
  workload_id: Id('Workload id (ignored: the snapshot decides)'),
  snapshot_id: Id('Snapshot id'),
});
export const WorkloadSnapshotRestoreParams = Strict({
  project_id,
  workload_id: Id('Workload id (ignored)'),
  snapshot_id: Id('Snapshot id (ignored)'),
  restore_id: Id('Restore id'),
});

const pageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Page size (0 or absent: 1000). Not an integer: 400 `limit param must be an integer`; negative: 400 `limit param must be positive`' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Rows to skip (after the marker). Same errors as limit' })),
  marker: Type.Optional(Type.String({ description: 'Start after this restore (the next link sets it); 400 `marker [<id>] not found` when it is not in the list' })),
};
export const RestoreListQuery = Open({
  snapshot_id: Type.Optional(Type.String({ description: 'Only the restores of this snapshot (unknown or foreign: legacy 500 / modern 404)' })),
  ...pageQuery,
});
/** Under /workloads/{wid}/snapshots/{sid}/restores the path gives the snapshot. */
export const SnapshotRestoreListQuery = Open(pageQuery);
export const CreateQuery = Open({
  test: Type.Optional(Type.String({ description: '`1`, `true` or `True`: a test restore (restore_type `test`, left out of lists)' })),
});
export const SnapshotListQuery = Open({
  workload_id: Type.Optional(Type.String({ description: 'Only the snapshots of this workload' })),
  status: Type.Optional(Type.String({ description: 'Only snapshots in this status (restoring while a restore runs)' })),
  host: Type.Optional(Type.String({ description: 'Only snapshots taken on this host' })),
  all: Type.Optional(Type.String({ description: 'Admins: `true`, `1` or `yes` for every project\'s snapshots' })),
});
export const WorkloadListQuery = Open({
  all_workloads: Type.Optional(Type.String({ description: 'Admins: `true`, `1` or `yes` for every project\'s workloads' })),
});

/** A flavor size: a number, or a string as some clients send it (the seed's selective body has `"swap": ""`). */
const Size = (description?: string) => Type.Union([Type.Integer(), Type.String()], description ? { description } : {});
const Flavor = Open(
  {
    id: Type.Optional(Type.String({ description: 'An existing flavor' })),
    vcpus: Type.Optional(Size()),
    ram: Type.Optional(Size('MiB')),
    disk: Type.Optional(Size('GiB')),
    ephemeral: Type.Optional(Size('GiB')),
    swap: Type.Optional(Size('MiB; the seed sends "" for none')),
  },
  { description: 'Either {id} of an existing flavor or the flavor\'s sizes (clients send numbers or strings)' },
);
const SubnetRef = Open({ id: Type.String() });
const NetworkRef = Open({ id: Type.String(), name: Type.Optional(Type.String()), subnet: Type.Optional(SubnetRef) });
const Nic = Open({
  id: Type.Optional(Type.String({ description: 'Network (or port) id' })),
  mac_address: Type.Optional(Type.String()),
  ip_address: Type.Optional(Type.String()),
  network: Type.Optional(NetworkRef),
});
const Vdisk = Open({
  id: Type.String({ description: 'The volume (in the snapshot; for in-place, an existing Cinder volume attached to the VM)' }),
  availability_zone: Type.Optional(Type.String()),
  new_volume_type: Type.Optional(Type.String()),
  restore_cinder_volume: Type.Optional(Type.Boolean({ description: 'In-place: false leaves this volume alone' })),
});
export const RestoreInstance = shared(Open(
  {
    id: Type.String({ description: 'The original VM id (in the snapshot); for in-place, an existing VM in Nova' }),
    name: Type.Optional(Type.String({ description: 'Selective: the new VM\'s name (default: the original\'s)' })),
    include: Type.Optional(Type.Boolean({ description: 'false leaves the instance out' })),
    restore_boot_disk: Type.Optional(Type.Boolean()),
    availability_zone: Type.Optional(Type.String()),
    flavor: Type.Optional(Flavor),
    nics: Type.Optional(Type.Array(Nic)),
    vdisks: Type.Optional(Type.Array(Vdisk)),
    server_group: Type.Optional(Type.Unknown()),
  },
  { title: 'RestoreInstance' },
));
const NetworkMapping = Open({
  snapshot_network: Open({ id: Type.String(), subnet: Type.Optional(SubnetRef) }),
  target_network: Open({ id: Type.String(), name: Type.Optional(Type.String()), subnet: Type.Optional(SubnetRef) }),
});
export const RestoreOptions = shared(Open(
  {
    type: Type.String({ description: 'Must be `openstack`' }),
    restore_type: Type.String({ description: '`oneclick`, `selective` or `inplace`' }),
    oneclickrestore: Type.Optional(Type.Union([Type.Boolean(), Type.String()], { description: 'true for one-click; some clients send the string "True"' })),
    openstack: Open(
      {
        instances: Type.Optional(Type.Array(ref(RestoreInstance), { description: 'Required for selective and in-place; one-click: ignored (the snapshot\'s instances)' })),
        restore_topology: Type.Optional(Type.Boolean({ description: 'Selective: restore the network topology' })),
        networks_mapping: Type.Optional(Open({ networks: Type.Array(NetworkMapping) })),
        zone: Type.Optional(Type.String()),
      },
      { description: 'Required (an object, {} for one-click)' },
    ),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    zone: Type.Optional(Type.String()),
    vmware: Type.Optional(FreeObject('Ignored')),
    restore_options: Type.Optional(FreeObject('Ignored')),
  },
  { title: 'RestoreOptions', description: 'Checked in this order: type, openstack, restore_type, openstack.instances' },
));
const RestoreRequestBody = shared(Open(
  {
    name: Type.Optional(Type.String({ description: 'Blank or missing: `restore`' })),
    description: Type.Optional(Type.String({ description: 'Empty or missing: `no-description`' })),
    options: Type.Optional(ref(RestoreOptions)),
  },
  { title: 'RestoreRequest' },
));
export const CreateBody = shared(Open(
  {
    restore: Type.Optional(ref(RestoreRequestBody)),
    testbubble: Type.Optional(ref(RestoreRequestBody)),
  },
  {
    title: 'RestoreCreate',
    description: '{"restore": {name, description, options}} (or {"testbubble": …}, a test restore). One-click, selective and in-place options as in the reference §4',
  },
));

// ---- per-route response maps -----------------------------------------------------------------------------------

for (const s of [400, 401, 404, 406, 413, 415, 500, 503]) Fault(s);

/** Faults every /v1 route can answer (auth, Accept, unexpected errors, fault rules). */
const COMMON = [400, 401, 404, 406, 500, 503];
export function responses(ok: Record<number, TSchema>, extra: number[] = []): Record<string, TSchema> {
  const out: Record<string, TSchema> = {};
  // A `$ref` with the structure's description beside it: the OpenAPI response's description.
  const described = (schema: TSchema) => (schema.$id ? Type.Unsafe({ ...Type.Ref(schema.$id), description: schema.description ?? schema.title }) : schema);
  for (const [status, schema] of Object.entries(ok)) out[status] = described(schema);
  for (const s of [...COMMON, ...extra].sort()) out[String(s)] = described(Fault(s));
  out.default = described(AnyFault);
  return out;
}
