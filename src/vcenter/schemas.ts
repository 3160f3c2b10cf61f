// TypeBox schemas of the vCenter appliance restore API (reference §3, §4): one definition per vAPI structure of the
// restore service and the session, shared by both generations through `$ref` (listed in STRUCTURES; the errors, the
// /rest result wrappers and the route schemas are in routes/schemas.ts, which registers them all with `addSchema`).
// They validate for real: the routes' bodies and query strings are checked against them (input.ts), XML bodies
// after their text is coerced by the same schema, JSON-RPC input after its vAPI types are stripped; a failure is
// answered in the vAPI dialect (errors.ts `inputError`). `x-vapi-structure` names a structure as vAPI messages do.
// `null` is an unset optional: optional fields accept it, and so do undeclared fields (`additionalProperties`
// null), as the vAPI server skeleton does. Responses are rendered by hand (compact JSON in the reference's field
// order, or XML), never by Fastify's serializer; their route schemas are in routes/schemas.ts.
import {
  FormatRegistry,
  Kind,
  Type,
  TypeRegistry,
  type ObjectOptions,
  type Static,
  type TProperties,
  type TSchema,
  type TUnsafe,
} from '@sinclair/typebox';
import { LOCATION_TYPES } from './fixtures.js';

// A `password` format is a vAPI Secret: any string (TypeBox checks only the formats it knows).
if (!FormatRegistry.Has('password')) FormatRegistry.Set('password', () => true);

// ---- enums -----------------------------------------------------------------------------------------------------

const STRING_ENUM = 'VcenterStringEnum';
if (!TypeRegistry.Has(STRING_ENUM))
  TypeRegistry.Set<{ enum: string[] }>(
    STRING_ENUM,
    (schema, value) => typeof value === 'string' && schema.enum.includes(value),
  );

export const id = (name: string) => `vcenter.${name}`;

/** A shared string enum, as `{"type":"string","enum":[…]}` (what VMware's specs use), checkable by TypeBox. */
function StringEnum<T extends readonly string[]>(name: string, values: T, description: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({
    $id: id(name),
    title: name,
    description,
    [Kind]: STRING_ENUM,
    type: 'string',
    enum: [...values],
  });
}

/** A shared structure `vcenter.<name>`, titled by its name; closed unless `options` say otherwise. */
export const structure = <P extends TProperties>(
  name: string,
  description: string,
  props: P,
  options: ObjectOptions = {},
) => Type.Object(props, { $id: id(name), title: name, description, additionalProperties: false, ...options });

/** A `$ref` to one of the shared structures. */
export const ref = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T>>(Type.Ref(schema.$id!));

const R = 'com.vmware.appliance.recovery.restore';

export const LocationType = StringEnum(
  'LocationType',
  LOCATION_TYPES,
  `${R}.job.location_type (and restore.location_type): the kind of backup location.`,
);
const BackupRestoreProcessState = StringEnum(
  'BackupRestoreProcessState',
  ['FAILED', 'INPROGRESS', 'NONE', 'SUCCEEDED'] as const,
  `${R}.job.backup_restore_process_state. NONE: no job has run yet.`,
);
const ReturnStatus = StringEnum('ReturnStatus', ['FAIL', 'WARNING', 'OK'] as const, `${R}.job.return_status.`);

// ---- requests --------------------------------------------------------------------------------------------------

/** An optional field: absent, null (unset) or a value of `schema`. */
const unset = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
const secret = (description: string) =>
  unset(Type.String({ format: 'password', description: `${description} (a secret)` }));
const optString = (description: string) => unset(Type.String({ description }));

/** The fields both RestoreRequest structures declare, in the reference's order (§4.1). */
const requestFields = {
  parts: unset(
    Type.Array(Type.String({ xml: { name: 'array-item' } }), {
      description: 'List of standalone parts to restore (8.0.3+); if unset the entire VCSA is restored',
      xml: { name: 'parts-array', wrapped: true },
    }),
  ),
  backup_password: secret('a password for the backup piece; if unset the piece is not decrypted'),
  location_type: ref(LocationType),
  location: Type.String({ pattern: '\\S', description: 'path or url of the backup (blank is refused; trimmed)' }),
  location_user: optString('username for the location'),
  location_password: secret('password for the location'),
  sso_admin_user_name: optString('SSO administrator user name; required when the backup needs SSO authentication'),
  sso_admin_user_password: secret('SSO administrator password'),
};

const requestNote =
  'A field set to null is unset. A missing required field or a value of the wrong type is invalid_argument (400); ' +
  'then an undeclared field with a value is unexpected_input (HTTP 500, as the vAPI server skeleton does); an ' +
  'undeclared field whose value is null passes.';
/** Undeclared fields may be null (unset); `x-vapi-structure` names the structure as vAPI messages do. */
const request = (vapiName: string) => ({ additionalProperties: Type.Null(), 'x-vapi-structure': vapiName });

export const JobRestoreRequest = structure(
  'job.RestoreRequest',
  `${R}.job.restore_request: the input of job create. ${requestNote}`,
  {
    ...requestFields,
    ignore_warnings: unset(Type.Boolean({ description: 'If unset (or false), validation warnings fail the restore' })),
  },
  request(`${R}.job.restore_request`),
);
export const ValidateRestoreRequest = structure(
  'RestoreRequest',
  `${R}.restore_request: the input of validate (no ignore_warnings). ${requestNote}`,
  requestFields,
  request(`${R}.restore_request`),
);

/** The XML namespace of each service (`http://vmware.com/<service path>`). */
export const NS = {
  job: 'http://vmware.com/appliance/recovery/restore/job',
  restore: 'http://vmware.com/appliance/recovery/restore',
  session: 'http://vmware.com/cis/session',
  errors: 'http://vmware.com/vapi/std/errors',
};

const XML_INPUT =
  'the root matched by its local name (any prefix; the namespace is not checked), unprefixed children named like ' +
  'the JSON fields, a list as <{field}-array><array-item>…</array-item></{field}-array>. Values are text, read as ' +
  'the declared types (booleans true/false) and then checked like JSON; an empty element of a structure is unset.';

/** `{"piece": RestoreRequest}`: the /rest operation input; with `xml`, the same structure as an XML document. */
function operationInput(req: TSchema, name: string, xml?: { root: string; ns: string }) {
  const asXml = xml ? ` As XML: <ns0:${xml.root} xmlns:ns0="${xml.ns}"><piece>…</piece>, ${XML_INPUT}` : '';
  const description =
    'The /rest operation input (structure operation-input). Its only field is piece; another field with a value ' +
    `is unexpected_input.${asXml}`;
  return structure(
    `${xml ? 'xml' : 'rest'}.${name}`,
    description,
    { piece: ref(req) },
    {
      ...request('operation-input'),
      ...(xml ? { xml: { name: xml.root, prefix: 'ns0', namespace: xml.ns } } : {}),
    },
  );
}
export const RestJobCreateInput = operationInput(JobRestoreRequest, 'JobCreateInput');
export const RestValidateInput = operationInput(ValidateRestoreRequest, 'ValidateInput');
export const XmlJobCreateInput = operationInput(JobRestoreRequest, 'JobCreateInput', {
  root: 'Create-Input',
  ns: NS.job,
});
export const XmlValidateInput = operationInput(ValidateRestoreRequest, 'ValidateInput', {
  root: 'Validate-Input',
  ns: NS.restore,
});

// ---- results ---------------------------------------------------------------------------------------------------

export const LocalizableMessage = structure(
  'LocalizableMessage',
  `${R}.job.localizable_message (restore.localizable_message for validate).`,
  {
    id: Type.String({ description: 'id in message bundle' }),
    default_message: Type.String({ description: 'text in english' }),
    args: Type.Array(Type.String(), { description: 'nested data' }),
  },
);

export const RestoreJobStatus = structure('job.RestoreJobStatus', `${R}.job.restore_job_status.`, {
  state: ref(BackupRestoreProcessState),
  messages: Type.Array(ref(LocalizableMessage), { description: 'One message per phase reached, then the outcome' }),
  progress: Type.Integer({ minimum: 0, maximum: 100, description: 'percentage complete' }),
  parts: Type.Optional(
    Type.Array(Type.String(), { description: 'The requested parts; present only when the request had parts (8.0.3+)' }),
  ),
});

export const ReturnResult = structure(
  'job.ReturnResult',
  `${R}.job.return_result: the result of cancel (FAIL when no job is in progress).`,
  { status: ref(ReturnStatus), messages: Type.Array(ref(LocalizableMessage)) },
);

export const Metadata = structure('Metadata', `${R}.metadata: the result of validate.`, {
  timestamp: Type.String({ format: 'date-time', description: 'When the backup was taken' }),
  parts: Type.Array(Type.String(), { description: 'The parts in the backup' }),
  version: Type.String({ description: 'VCSA version' }),
  boxname: Type.String({ description: 'PNID/ FQDN etc' }),
  sso_login_required: Type.Optional(
    Type.Boolean({ description: 'The restore needs the SSO administrator credentials' }),
  ),
  comment: Type.String({ description: 'Backup comment' }),
  applicable: Type.Boolean({ description: 'The backup can be restored on this appliance' }),
  messages: Type.Array(ref(LocalizableMessage), { description: 'Validation warnings' }),
});

export const SessionId = Type.String({
  $id: id('SessionId'),
  title: 'SessionId',
  pattern: '^[0-9a-f]{32}$',
  description: 'A session id (a secret): send it as the vmware-api-session-id header (or cookie) on later calls.',
});

export const SessionInfo = structure('cis.session.Info', 'com.vmware.cis.session.info.', {
  user: Type.String({ description: 'The user the session belongs to' }),
  created_time: Type.String({ format: 'date-time' }),
  last_accessed_time: Type.String({ format: 'date-time', description: 'The previous use of the session' }),
});

/** The structures above, for `addSchema` and as the references of the checks (input.ts). */
export const STRUCTURES: TSchema[] = [
  LocationType,
  BackupRestoreProcessState,
  ReturnStatus,
  JobRestoreRequest,
  ValidateRestoreRequest,
  RestJobCreateInput,
  RestValidateInput,
  XmlJobCreateInput,
  XmlValidateInput,
  LocalizableMessage,
  RestoreJobStatus,
  ReturnResult,
  Metadata,
  SessionId,
  SessionInfo,
];

const byId = new Map(STRUCTURES.map((s) => [s.$id!, s]));

/** The schema itself, or the structure its `$ref` names; a nullable's (`unset`) member for a union with null. */
export function deref(schema: TSchema): TSchema {
  const target = typeof schema.$ref === 'string' ? (byId.get(schema.$ref) ?? schema) : schema;
  const members = target.anyOf as TSchema[] | undefined;
  const value = members?.length === 2 ? members.find((m) => m.type !== 'null') : undefined;
  return value ? deref(value) : target;
}
