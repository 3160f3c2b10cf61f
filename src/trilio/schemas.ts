// TypeBox schemas of the Trilio routes (reference §4, §7): path parameters, query strings and the create body, which
// every route validates (a constraint that makes one of the vendor's checks names it with `x-check`, so errors.ts
// answers the vendor's fault), and one response per status (the answer structures are in view-schemas.ts). They are
// the OpenAPI document (openapi/trilio.json): it says what is enforced and what is answered.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CHECK, type CheckName, faultName } from './errors.js';
import { FreeObject, Int, Open, ref, Strict, shared, Text } from './view-schemas.js';

export {
  Empty,
  RestoreCreated,
  RestoreDetailList,
  RestoreEnvelope,
  RestoreSummaryList,
  SHARED_SCHEMAS,
  SnapshotEnvelope,
  SnapshotList,
  WorkloadEnvelope,
  WorkloadList,
} from './view-schemas.js';

/** The options of a constraint that makes one of the vendor's checks. */
const check = (name: CheckName, options: object = {}) => ({ [CHECK]: name, ...options });

// ---- responses ------------------------------------------------------------------------------------------------------

const FAULTS: Record<number, string> = {
  400:
    'malformed URL (token of another project), bad list parameter, unknown marker, running restore deleted, ' +
    'malformed JSON, or a create check or precondition (--trilio-errors modern)',
  401: 'a valid token without a project',
  404: "unknown restore, snapshot or workload (or another project's), unknown path",
  413: 'body larger than --body-limit',
  415: 'a body that is not JSON',
  500: 'a failed create check or precondition (--trilio-errors legacy, the default), or an unexpected server error',
  503: 'e.g. a fault rule',
};
const FaultDetail = (code?: number) =>
  Strict({ code: code === undefined ? Int('The HTTP status') : Type.Literal(code), message: Type.String() });
/** keystonemiddleware's refusal, in front of the API: `{"error": {...}}` with `WWW-Authenticate: Keystone uri="…"`. */
const TokenRejected = Strict({
  error: Strict({ code: Type.Literal(401), title: Type.Literal('Unauthorized'), message: Type.String() }),
});
const TOKEN_REJECTED =
  'keystonemiddleware {"error": …}: no X-Auth-Token (with --auth strict also an unknown, expired or revoked one); ';
/** `{"<faultName>": {"code": <status>, "message": "…"}}` of each status a route may answer (401: or the above). */
const Fault: Record<string, TSchema> = Object.fromEntries(
  Object.entries(FAULTS).map(([status, what]) => {
    const name = faultName(Number(status));
    const own = Strict({ [name]: FaultDetail(Number(status)) });
    const title = `Fault${status}`;
    if (status === '401') {
      const description = `${TOKEN_REJECTED}${name}: ${what}`;
      return [status, shared(Type.Union([TokenRejected, own], { title, description }))];
    }
    return [
      status,
      shared(Strict({ [name]: FaultDetail(Number(status)) }, { title, description: `${name}: ${what}` })),
    ];
  }),
);
/** Any fault (e.g. one a fault rule injects with another status): one key, the fault name. */
const AnyFault = shared(
  Type.Record(Text('The fault name of the status (badRequest, itemNotFound, Error, …)'), FaultDetail(), {
    title: 'Fault',
    description:
      'A fault injected by a fault rule with another status: the fault name of that status (Error when it has none)',
    minProperties: 1,
    maxProperties: 1,
  }),
);
/** Faults every /v1 route can answer (auth, Accept, unexpected errors, fault rules). */
const COMMON_FAULTS = [400, 401, 404, 500, 503];

/** A route's responses: its successes, the common faults and `extra` ones, `default` for an injected status. */
export function responses(ok: Record<number, TSchema>, extra: number[] = []): Record<string, TSchema> {
  // A `$ref` with the structure's description beside it: the OpenAPI response's description.
  const described = (schema: TSchema) =>
    schema.$id ? Type.Unsafe({ ...Type.Ref(schema.$id), description: schema.description ?? schema.title }) : schema;
  const out: Record<string, TSchema> = {};
  for (const [status, schema] of Object.entries(ok)) out[status] = described(schema);
  for (const status of [...COMMON_FAULTS, ...extra].sort()) out[status] = described(Fault[status]!);
  out.default = described(AnyFault);
  return out;
}

// ---- path parameters ------------------------------------------------------------------------------------------------

// Ids are free text: an unknown or malformed id is not found (404, or the create and cancel faults), never a 400.
const project_id = Text("Project (tenant) id; must be the token's project when the token is known");
const restore_id = Text('Restore id');
const snapshot_id = Text('Snapshot id');
export const ProjectParams = Strict({ project_id });
export const RestoreParams = Strict({ project_id, restore_id });
export const SnapshotParams = Strict({ project_id, snapshot_id });
export const WorkloadParams = Strict({ project_id, workload_id: Text('Workload id') });
export const WorkloadSnapshotParams = Strict({
  project_id,
  workload_id: Text('Workload id (ignored: the snapshot decides)'),
  snapshot_id,
});
export const WorkloadSnapshotRestoreParams = Strict({
  project_id,
  workload_id: Text('Workload id (ignored)'),
  snapshot_id: Text('Snapshot id (ignored)'),
  restore_id,
});

// ---- query strings --------------------------------------------------------------------------------------------------

/** An integer as the vendor's Python reads one (int()): digits, a sign, spaces around. */
const INTEGER = '^\\s*[+-]?\\d+\\s*$';
/** Not negative: no minus sign, except on a zero. */
const NOT_NEGATIVE = '^\\s*(\\+?\\d+|-0+)\\s*$';
/** `limit` or `offset` (api/common.py::limited): an integer, then not negative, each with the vendor's message. */
const pageParameter = (name: 'limit' | 'offset', description: string) =>
  Type.Optional(
    Type.Intersect(
      [
        Type.String(check(`${name}.integer`, { pattern: INTEGER })),
        Type.String(check(`${name}.positive`, { pattern: NOT_NEGATIVE })),
      ],
      {
        description:
          `${description} Not an integer: 400 \`${name} param must be an integer\`; ` +
          `negative: 400 \`${name} param must be positive\``,
      },
    ),
  );
const pageQuery = {
  limit: pageParameter('limit', 'Page size: 0 or absent is the maximum, 1000, and so is anything above it.'),
  offset: pageParameter('offset', 'Rows to skip (after the marker).'),
  marker: Type.Optional(
    Text('Start after this restore (the next link sets it); 400 `marker [<id>] not found` when it is not in the list'),
  ),
};
export const RestoreListQuery = Open({
  snapshot_id: Type.Optional(Text('Only the restores of this snapshot (unknown or foreign: legacy 500 / modern 404)')),
  ...pageQuery,
});
/** Under /workloads/{wid}/snapshots/{sid}/restores the path gives the snapshot. */
export const SnapshotRestoreListQuery = Open(pageQuery);
export const CreateQuery = Open({
  test: Type.Optional(Text('`1`, `true` or `True`: a test restore (restore_type `test`, left out of lists)')),
});
export const SnapshotListQuery = Open({
  workload_id: Type.Optional(Text('Only the snapshots of this workload')),
  status: Type.Optional(Text('Only snapshots in this status (restoring while a restore runs)')),
  host: Type.Optional(Text('Only snapshots taken on this host')),
  all: Type.Optional(Text("Admins: `true`, `1` or `yes` for every project's snapshots")),
});
export const WorkloadListQuery = Open({
  all_workloads: Type.Optional(Text("Admins: `true`, `1` or `yes` for every project's workloads")),
});
export type RestoreListQuery = Static<typeof RestoreListQuery>;

// ---- the create body ------------------------------------------------------------------------------------------------

/** A flavor size: a number, or a string as some clients send it (the seed's selective body has `"swap": ""`). */
const Size = (description?: string) => Type.Union([Type.Integer(), Type.String()], description ? { description } : {});
const Flavor = Open(
  {
    id: Type.Optional(Text('An existing flavor')),
    vcpus: Type.Optional(Size()),
    ram: Type.Optional(Size('MiB')),
    disk: Type.Optional(Size('GiB')),
    ephemeral: Type.Optional(Size('GiB')),
    swap: Type.Optional(Size('MiB; the seed sends "" for none')),
  },
  { description: "Either {id} of an existing flavor or the flavor's sizes (clients send numbers or strings)" },
);
const SubnetRef = Open({ id: Type.String() });
const NetworkRef = Open({ id: Type.String(), name: Type.Optional(Type.String()), subnet: Type.Optional(SubnetRef) });
const Nic = Open({
  id: Type.Optional(Text('Network (or port) id')),
  mac_address: Type.Optional(Type.String()),
  ip_address: Type.Optional(Type.String()),
  network: Type.Optional(NetworkRef),
});
const Vdisk = Open({
  id: Text('The volume (in the snapshot; for in-place, an existing Cinder volume attached to the VM)'),
  availability_zone: Type.Optional(Type.String()),
  new_volume_type: Type.Optional(Type.String()),
  restore_cinder_volume: Type.Optional(Type.Boolean({ description: 'In-place: false leaves this volume alone' })),
});
const RestoreInstance = shared(
  Open(
    {
      id: Text('The original VM id (in the snapshot); for in-place, an existing VM in Nova'),
      name: Type.Optional(Text("Selective: the new VM's name (default: the original's)")),
      include: Type.Optional(Type.Boolean({ description: 'false leaves the instance out' })),
      restore_boot_disk: Type.Optional(Type.Boolean()),
      availability_zone: Type.Optional(Type.String()),
      flavor: Type.Optional(Flavor),
      nics: Type.Optional(Type.Array(Nic)),
      vdisks: Type.Optional(Type.Array(Vdisk)),
      server_group: Type.Optional(Type.Unknown()),
    },
    { title: 'RestoreInstance' },
  ),
);
const NetworkMapping = Open({
  snapshot_network: Open({ id: Type.String(), subnet: Type.Optional(SubnetRef) }),
  target_network: Open({ id: Type.String(), name: Type.Optional(Type.String()), subnet: Type.Optional(SubnetRef) }),
});
const OptionFields = Open(
  {
    type: Type.Literal('openstack', check('restore.type', { description: 'Must be `openstack`' })),
    restore_type: Type.Union(
      [Type.Literal('oneclick'), Type.Literal('selective'), Type.Literal('inplace')],
      check('restore.restore_type', { description: '`oneclick`, `selective` or `inplace`' }),
    ),
    oneclickrestore: Type.Optional(
      Type.Union([Type.Boolean(), Type.String()], {
        description: 'true for one-click; some clients send the string "True"',
      }),
    ),
    openstack: Open(
      {
        instances: Type.Optional(
          Type.Array(
            ref(RestoreInstance),
            check('restore.instances_list', {
              description: "A list; required for selective and in-place; one-click restores the snapshot's",
            }),
          ),
        ),
        restore_topology: Type.Optional(Type.Boolean({ description: 'Selective: restore the network topology' })),
        networks_mapping: Type.Optional(Open({ networks: Type.Array(NetworkMapping) })),
        zone: Type.Optional(Type.String()),
      },
      check('restore.openstack', { description: 'Required (an object, {} for one-click)' }),
    ),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    zone: Type.Optional(Type.String()),
    vmware: Type.Optional(FreeObject('Ignored')),
    restore_options: Type.Optional(FreeObject('Ignored')),
  },
  check('restore.options', { minProperties: 1 }),
);
/** Selective and in-place restores list their instances; a one-click restore takes the snapshot's. */
const InstancesListed = Type.Union(
  [
    Type.Object({ restore_type: Type.Literal('oneclick') }),
    Type.Object({ openstack: Type.Object({ instances: Type.Unknown() }) }),
  ],
  check('restore.instances', { description: 'A selective or in-place restore has openstack.instances' }),
);
const RestoreOptions = shared(
  Type.Intersect([OptionFields, InstancesListed], {
    title: 'RestoreOptions',
    description:
      'Checked in this order: type, openstack, restore_type, openstack.instances. Missing or empty options are ' +
      'read as {"type": "openstack"}, which then lacks openstack',
  }),
);
const RestoreRequest = shared(
  Open(
    {
      name: Type.Optional(Type.Unknown({ description: 'A string; blank, missing or not a string: `restore`' })),
      description: Type.Optional(
        Type.Unknown({ description: 'A string; empty, missing or not a string: `no-description`' }),
      ),
      // Missing options are the options check too (the vendor reads them as {"type": "openstack"}).
      options: ref(RestoreOptions, check('restore.options')),
    },
    check('restore.envelope', { title: 'RestoreRequest' }),
  ),
);
/** `restore` or `testbubble`, at least one. */
const Envelope = Type.Union(
  [Type.Object({ restore: Type.Unknown() }), Type.Object({ testbubble: Type.Unknown() })],
  check('restore.envelope'),
);
export const CreateBody = shared(
  Type.Intersect(
    [Envelope, Open({ restore: Type.Optional(ref(RestoreRequest)), testbubble: Type.Optional(ref(RestoreRequest)) })],
    {
      title: 'RestoreCreate',
      description:
        '{"restore": {name, description, options}}, or {"testbubble": …} for a test restore (`restore` wins when ' +
        'both are given). One-click, selective and in-place options as in the reference §4',
    },
  ),
);
export type RestoreRequest = Static<typeof RestoreRequest>;
