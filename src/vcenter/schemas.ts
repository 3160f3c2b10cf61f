// TypeBox schemas of the vCenter appliance restore API (reference §3, §4, §5): one definition per vAPI structure,
// shared by both generations through `$ref` (registered with `addSchema` by the plugin, listed in SHARED_SCHEMAS),
// and the route schemas built from them (request bodies, query parameters, one response per status).
//
// They describe the wire; they do not validate it. Request bodies are read by `readRestoreRequest` (engine.ts),
// which keeps the vAPI messages (`vapi.data.structure.field.missing`, `unexpected_input`, …) and reads XML bodies
// too: the plugin compiles every /rest and /api schema to a pass-through validator (see routes.ts). The reader
// takes the declared fields, the required ones and the LocationType values from the schemas below. Responses are
// rendered by hand (compact JSON in the reference's field order, or XML), never by Fastify's serializer.
// test/vcenter-schema.test.ts checks every JSON answer against the declared response schema of its status.
import { Kind, Type, TypeRegistry, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { LOCATION_TYPES } from './model.js';

// ---- enums -----------------------------------------------------------------------------------------------------

const STRING_ENUM = 'VcenterStringEnum';
if (!TypeRegistry.Has(STRING_ENUM))
  TypeRegistry.Set<{ enum: string[] }>(STRING_ENUM, (schema, value) => typeof value === 'string' && schema.enum.includes(value));

/** A string enum rendered as `{"type":"string","enum":[…]}` (what VMware's specs use), checkable by TypeBox. */
function StringEnum<T extends readonly string[]>(values: T, options: Record<string, unknown> = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, [Kind]: STRING_ENUM, type: 'string', enum: [...values] });
}

const id = (name: string) => `vcenter.${name}`;
/** A `$ref` to one of the shared structures below. */
const ref = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T>>(Type.Ref(schema.$id!));

export const LocationType = StringEnum(LOCATION_TYPES, {
  $id: id('LocationType'),
  title: 'LocationType',
  description: 'com.vmware.appliance.recovery.restore.job.location_type (and restore.location_type): the kind of backup location.',
});

/** The values of a string enum schema (e.g. LocationType's eight location types). */
export const enumValues = (schema: TUnsafe<string>): readonly string[] => (schema as unknown as { enum: string[] }).enum;

export const BackupRestoreProcessState = StringEnum(['FAILED', 'INPROGRESS', 'NONE', 'SUCCEEDED'] as const, {
  $id: id('BackupRestoreProcessState'),
  title: 'BackupRestoreProcessState',
  description: 'com.vmware.appliance.recovery.restore.job.backup_restore_process_state. NONE: no job has run yet.',
});

export const ReturnStatus = StringEnum(['FAIL', 'WARNING', 'OK'] as const, {
  $id: id('ReturnStatus'),
  title: 'ReturnStatus',
  description: 'com.vmware.appliance.recovery.restore.job.return_status.',
});

// ---- structures ------------------------------------------------------------------------------------------------

export const LocalizableMessage = Type.Object(
  {
    id: Type.String({ description: 'id in message bundle' }),
    default_message: Type.String({ description: 'text in english' }),
    args: Type.Array(Type.String(), { description: 'nested data' }),
  },
  {
    $id: id('LocalizableMessage'),
    title: 'LocalizableMessage',
    description: 'com.vmware.appliance.recovery.restore.job.localizable_message (restore.localizable_message for validate).',
    additionalProperties: false,
  },
);

const secret = (description: string) => Type.Optional(Type.String({ format: 'password', description: `${description} (a secret; null = unset)` }));
const optString = (description: string) => Type.Optional(Type.String({ description: `${description} (null = unset)` }));

/** The fields both RestoreRequest structures declare, in the reference's order (§4.1). */
const requestFields = {
  parts: Type.Optional(Type.Array(Type.String(), { description: 'List of standalone parts to restore (8.0.3+); if unset the entire VCSA is restored (null = unset)' })),
  backup_password: secret('a password for the backup piece; if unset the piece is not decrypted'),
  location_type: ref(LocationType),
  location: Type.String({ minLength: 1, description: 'path or url of the backup (blank is refused)' }),
  location_user: optString('username for the location'),
  location_password: secret('password for the location'),
  sso_admin_user_name: optString('SSO administrator user name; required when the backup needs SSO authentication (Metadata.sso_login_required)'),
  sso_admin_user_password: secret('SSO administrator password'),
};

const requestNote =
  'Unknown fields with a value are refused with unexpected_input (HTTP 500, as the vAPI server skeleton does); an ' +
  'unknown field whose value is null passes (an unset optional).';

export const JobRestoreRequest = Type.Object(
  {
    ...requestFields,
    ignore_warnings: Type.Optional(Type.Boolean({ description: 'If unset (or false), validation warnings fail the restore (null = unset)' })),
  },
  {
    $id: id('job.RestoreRequest'),
    title: 'job.RestoreRequest',
    description: `com.vmware.appliance.recovery.restore.job.restore_request: the input of job create. ${requestNote}`,
  },
);
export type JobRestoreRequest = Static<typeof JobRestoreRequest>;

export const ValidateRestoreRequest = Type.Object(requestFields, {
  $id: id('RestoreRequest'),
  title: 'RestoreRequest',
  description: `com.vmware.appliance.recovery.restore.restore_request: the input of validate (no ignore_warnings). ${requestNote}`,
});

export const RestoreJobStatus = Type.Object(
  {
    state: ref(BackupRestoreProcessState),
    messages: Type.Array(ref(LocalizableMessage), { description: 'One message per phase reached, then the outcome' }),
    progress: Type.Integer({ minimum: 0, maximum: 100, description: 'percentage complete' }),
    parts: Type.Optional(Type.Array(Type.String(), { description: 'The requested parts; present only when the request had parts (8.0.3+)' })),
  },
  {
    $id: id('job.RestoreJobStatus'),
    title: 'job.RestoreJobStatus',
    description: 'com.vmware.appliance.recovery.restore.job.restore_job_status.',
    additionalProperties: false,
  },
);

export const ReturnResult = Type.Object(
  { status: ref(ReturnStatus), messages: Type.Array(ref(LocalizableMessage)) },
  {
    $id: id('job.ReturnResult'),
    title: 'job.ReturnResult',
    description: 'com.vmware.appliance.recovery.restore.job.return_result: the result of cancel (FAIL when no job is in progress).',
    additionalProperties: false,
  },
);

export const Metadata = Type.Object(
  {
    timestamp: Type.String({ format: 'date-time', description: 'When the backup was taken' }),
    parts: Type.Array(Type.String(), { description: 'The parts in the backup' }),
    version: Type.String({ description: 'VCSA version' }),
    boxname: Type.String({ description: 'PNID/ FQDN etc' }),
    sso_login_required: Type.Optional(Type.Boolean({ description: 'The restore needs sso_admin_user_name and sso_admin_user_password' })),
    comment: Type.String({ description: 'Backup comment' }),
    applicable: Type.Boolean({ description: 'The backup can be restored on this appliance' }),
    messages: Type.Array(ref(LocalizableMessage), { description: 'Validation warnings' }),
  },
  {
    $id: id('Metadata'),
    title: 'Metadata',
    description: 'com.vmware.appliance.recovery.restore.metadata: the result of validate.',
    additionalProperties: false,
  },
);

export const SessionId = Type.String({
  $id: id('SessionId'),
  title: 'SessionId',
  pattern: '^[0-9a-f]{32}$',
  description: 'A session id (a secret): send it as the vmware-api-session-id header (or cookie) on later calls.',
});

export const SessionInfo = Type.Object(
  {
    user: Type.String({ description: 'The user the session belongs to' }),
    created_time: Type.String({ format: 'date-time' }),
    last_accessed_time: Type.String({ format: 'date-time', description: 'The previous use of the session' }),
  },
  { $id: id('cis.session.Info'), title: 'cis.session.Info', description: 'com.vmware.cis.session.info.', additionalProperties: false },
);

/** The std message inside errors; the emulator sends `{"args","default_message","id"}` (never params, localized). */
export const StdLocalizableMessage = Type.Object(
  {
    args: Type.Array(Type.String()),
    default_message: Type.String(),
    id: Type.String(),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    localized: Type.Optional(Type.String()),
  },
  {
    $id: id('std.LocalizableMessage'),
    title: 'std.LocalizableMessage',
    description: 'com.vmware.vapi.std.localizable_message.',
    additionalProperties: false,
  },
);

const ERROR_TYPES =
  'ERROR, ALREADY_EXISTS, ALREADY_IN_DESIRED_STATE, CANCELED, CONCURRENT_CHANGE, FEATURE_IN_USE, INTERNAL_SERVER_ERROR, ' +
  'INVALID_ARGUMENT, INVALID_ELEMENT_CONFIGURATION, INVALID_ELEMENT_TYPE, INVALID_REQUEST, NOT_ALLOWED_IN_CURRENT_STATE, ' +
  'NOT_FOUND, OPERATION_NOT_FOUND, RESOURCE_BUSY, RESOURCE_IN_USE, RESOURCE_INACCESSIBLE, SERVICE_UNAVAILABLE, TIMED_OUT, ' +
  'UNABLE_TO_ALLOCATE_RESOURCE, UNAUTHENTICATED, UNAUTHORIZED, UNEXPECTED_INPUT, UNSUPPORTED, UNVERIFIED_PEER';

/** The vAPI std error structure: the whole `/api` error body, and the `value` of a `/rest` error. */
export const VapiError = Type.Object(
  {
    error_type: Type.String({
      pattern: '^[A-Z][A-Z_]*$',
      description: `The std error type in upper case: ${ERROR_TYPES} (a fault rule's vendorError may name another).`,
    }),
    messages: Type.Array(ref(StdLocalizableMessage)),
    data: Type.Optional(Type.Unknown({ description: 'Additional data (never sent by the emulator)' })),
    challenge: Type.Optional(Type.String({ description: 'unauthenticated only (never sent by the emulator)' })),
  },
  {
    $id: id('std.errors.Error'),
    title: 'std.errors.Error',
    description: 'com.vmware.vapi.std.errors.error and its subtypes (§5.1).',
    additionalProperties: false,
  },
);

export const RestError = Type.Object(
  {
    type: Type.String({ pattern: '^com\\.vmware\\.vapi\\.std\\.errors\\.[a-z][a-z_]*$', description: 'com.vmware.vapi.std.errors.<type>' }),
    value: ref(VapiError),
  },
  { $id: id('rest.Error'), title: 'rest.Error', description: 'A /rest error: the std error wrapped with its type (§5.1).', additionalProperties: false },
);

/** Every structure with an `$id`, for `addSchema` and for checking values against schemas that `$ref` them. */
export const SHARED_SCHEMAS: TSchema[] = [
  LocationType, BackupRestoreProcessState, ReturnStatus, LocalizableMessage, JobRestoreRequest, ValidateRestoreRequest,
  RestoreJobStatus, ReturnResult, Metadata, SessionId, SessionInfo, StdLocalizableMessage, VapiError, RestError,
];

// ---- /rest wrappers ------------------------------------------------------------------------------------------

/** `{"piece": RestoreRequest}`: the /rest operation input. */
const operationInput = (request: TSchema, name: string) =>
  Type.Object(
    { piece: ref(request) },
    {
      $id: id(`rest.${name}`),
      title: `rest.${name}`,
      description: 'The /rest operation input (structure operation-input). Its only field is piece; another field with a value is unexpected_input.',
    },
  );
export const RestJobCreateInput = operationInput(JobRestoreRequest, 'JobCreateInput');
export const RestValidateInput = operationInput(ValidateRestoreRequest, 'ValidateInput');

/** `{"value": …}`: a /rest result. */
const restResult = (result: TSchema, name: string) =>
  Type.Object({ value: ref(result) }, { $id: id(`rest.${name}`), title: `rest.${name}`, description: 'A /rest result: {"value": …}.', additionalProperties: false });
export const RestRestoreJobStatus = restResult(RestoreJobStatus, 'RestoreJobStatusResult');
export const RestReturnResult = restResult(ReturnResult, 'ReturnResultResult');
export const RestMetadata = restResult(Metadata, 'MetadataResult');
export const RestSessionId = restResult(SessionId, 'SessionIdResult');
export const RestSessionInfo = restResult(SessionInfo, 'SessionInfoResult');

SHARED_SCHEMAS.push(RestJobCreateInput, RestValidateInput, RestRestoreJobStatus, RestReturnResult, RestMetadata, RestSessionId, RestSessionInfo);

// ---- XML (/rest only) ----------------------------------------------------------------------------------------

const XML_RULES =
  'XML by the vSphere 6.5 REST rules: <?xml version="1.0" ?>, then a root <ns0:{Op}-Input> (requests) or ' +
  '<ns0:{Op}-Result> (results) with xmlns:ns0="http://vmware.com/<service path>" and xmlns:xsi; unprefixed children ' +
  'named like the JSON fields (the /rest piece and value wrappers kept as elements); a list is ' +
  '<{field}-array><array-item>…</array-item></{field}-array>; booleans true/false. Results list a structure\'s ' +
  'non-list fields alphabetically, then its list fields alphabetically, indented by two spaces.';

const xmlDocs = new Map<string, TSchema>();
/** An XML document (a string) with its root element and namespace: one shared schema per root and namespace. */
const xmlDoc = (root: string, ns: string, what: string): TSchema => {
  const name = `xml.${ns.replace('http://vmware.com/', '').replace(/\//g, '.')}.${root}`;
  let schema = xmlDocs.get(name);
  if (!schema) {
    schema = Type.String({ $id: id(name), title: name, description: `${what}: <ns0:${root} xmlns:ns0="${ns}">. ${XML_RULES}` });
    xmlDocs.set(name, schema);
    SHARED_SCHEMAS.push(schema);
  }
  return ref(schema);
};

const NS = {
  job: 'http://vmware.com/appliance/recovery/restore/job',
  restore: 'http://vmware.com/appliance/recovery/restore',
  session: 'http://vmware.com/cis/session',
  errors: 'http://vmware.com/vapi/std/errors',
};

const XmlError = Type.String({
  $id: id('xml.vapi.std.errors.Error'),
  title: 'xml.vapi.std.errors.Error',
  description:
    'The /rest error as XML: <ns0:Error xmlns:ns0="http://vmware.com/vapi/std/errors"> with <type> and ' +
    '<value><error_type/><messages-array>…</messages-array></value>, the JSON error mirrored. ' + XML_RULES,
});
SHARED_SCHEMAS.push(XmlError);
const XML_ERROR = ref(XmlError);

// ---- responses -----------------------------------------------------------------------------------------------

type Gen = 'rest' | 'api';

/** A response with JSON (and, on /rest, XML) content. */
function response(description: string, json: TSchema, xml?: TSchema): Record<string, unknown> {
  return {
    description,
    content: { 'application/json': { schema: json }, ...(xml ? { 'application/xml': { schema: xml } } : {}) },
  };
}

/** The error statuses every route can answer (reference §5.2 and §5.3; any status through a fault rule). */
const ERROR_STATUSES: Record<string, string> = {
  400: 'invalid_argument (a bad request: missing or mistyped field, XML problems), invalid_request (malformed JSON), ' +
    'feature_in_use and not_allowed_in_current_state (create)',
  401: 'unauthenticated: no, a wrong or an expired session or Basic credentials (WWW-Authenticate: Basic realm="VAPI endpoint")',
  403: 'unauthorized (fault rules only)',
  404: 'not_found (unknown path, method or action) or operation_not_found (unknown ~action on /rest)',
  406: 'invalid_request: the Accept header allows nothing the emulator produces (always JSON)',
  409: 'concurrent_change (fault rules only)',
  413: 'invalid_request: the body is larger than --body-limit',
  415: 'invalid_request: an unsupported Content-Type with a body',
  500: 'error (a backup location that cannot be read, an injected or unexpected failure) or unexpected_input (an unknown field with a value)',
  503: 'service_unavailable (fault rules)',
  504: 'timed_out (fault rules)',
  default: 'any other status a fault rule injects, with the error type it names or the one its status maps to',
};

function errorResponses(gen: Gen): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, what] of Object.entries(ERROR_STATUSES))
    out[status] = gen === 'rest' ? response(`Error: ${what}`, ref(RestError), XML_ERROR) : response(`Error: ${what}`, ref(VapiError));
  return out;
}

const EMPTY = (description: string) => ({ description, type: 'null' });

// ---- route schemas -------------------------------------------------------------------------------------------

export interface RouteDoc {
  body?: unknown;
  querystring?: TSchema;
  response: Record<string, unknown>;
}

const body = (json: TSchema, xml?: TSchema) => ({
  content: {
    'application/json': { schema: json },
    ...(xml ? { 'application/xml': { schema: xml }, 'text/xml': { schema: xml } } : {}),
  },
});

const restAction = (action: string) =>
  Type.Object({ '~action': Type.Literal(action, { description: `The operation: ${action}` }) });
const apiAction = (action: string) => Type.Object({ action: Type.Literal(action, { description: `The operation: ${action}` }) });
const noRestAction = Type.Object({
  '~action': Type.Optional(Type.String({ description: 'Must be absent or empty: another value is 404 operation_not_found' })),
});

/** The schema parts of each vCenter route, by generation and operation (routes.ts adds tags, summary, security). */
export const ROUTES = {
  rest: {
    'session.create': {
      querystring: noRestAction,
      response: {
        200: response('The new session id; also set as the vmware-api-session-id cookie unless vmware-use-header-authn is sent', ref(RestSessionId), xmlDoc('Create-Result', NS.session, 'The session id')),
        ...errorResponses('rest'),
      },
    },
    'session.get': {
      querystring: restAction('get'),
      response: { 200: response('The current session', ref(RestSessionInfo), xmlDoc('Get-Result', NS.session, 'The session')), ...errorResponses('rest') },
    },
    'session.delete': { response: { 200: EMPTY('Logged out (empty body)'), ...errorResponses('rest') } },
    'restore.validate': {
      body: body(ref(RestValidateInput), xmlDoc('Validate-Input', NS.restore, 'The request')),
      response: { 200: response("The backup's metadata", ref(RestMetadata), xmlDoc('Validate-Result', NS.restore, 'The metadata')), ...errorResponses('rest') },
    },
    'restore.validate.generic': {
      querystring: restAction('validate'),
      body: body(ref(RestValidateInput), xmlDoc('Validate-Input', NS.restore, 'The request')),
      response: { 200: response("The backup's metadata", ref(RestMetadata), xmlDoc('Validate-Result', NS.restore, 'The metadata')), ...errorResponses('rest') },
    },
    'job.create': {
      body: body(ref(RestJobCreateInput), xmlDoc('Create-Input', NS.job, 'The request')),
      response: { 200: response('The job, just started', ref(RestRestoreJobStatus), xmlDoc('Create-Result', NS.job, 'The job')), ...errorResponses('rest') },
    },
    'job.create.generic': {
      querystring: noRestAction,
      body: body(ref(RestJobCreateInput), xmlDoc('Create-Input', NS.job, 'The request')),
      response: { 200: response('The job, just started', ref(RestRestoreJobStatus), xmlDoc('Create-Result', NS.job, 'The job')), ...errorResponses('rest') },
    },
    'job.get': {
      response: { 200: response('The job (state NONE before any job)', ref(RestRestoreJobStatus), xmlDoc('Get-Result', NS.job, 'The job')), ...errorResponses('rest') },
    },
    'job.cancel': {
      response: { 200: response('OK when a running job was canceled, FAIL when none was running', ref(RestReturnResult), xmlDoc('Cancel-Result', NS.job, 'The result')), ...errorResponses('rest') },
    },
    'job.cancel.generic': {
      querystring: restAction('cancel'),
      response: { 200: response('OK when a running job was canceled, FAIL when none was running', ref(RestReturnResult), xmlDoc('Cancel-Result', NS.job, 'The result')), ...errorResponses('rest') },
    },
  },
  api: {
    'session.create': { response: { 201: response('The new session id', ref(SessionId)), ...errorResponses('api') } },
    'session.get': { response: { 200: response('The current session', ref(SessionInfo)), ...errorResponses('api') } },
    'session.delete': { response: { 204: EMPTY('Logged out'), ...errorResponses('api') } },
    'restore.validate': {
      querystring: apiAction('validate'),
      body: body(ref(ValidateRestoreRequest)),
      response: { 200: response("The backup's metadata", ref(Metadata)), ...errorResponses('api') },
    },
    'job.create': {
      querystring: Type.Object({ action: Type.Optional(Type.String({ description: 'Must be absent: a value other than cancel is 404 not_found' })) }),
      body: body(ref(JobRestoreRequest)),
      response: { 201: response('The job, just started', ref(RestoreJobStatus)), ...errorResponses('api') },
    },
    'job.get': { response: { 200: response('The job (state NONE before any job)', ref(RestoreJobStatus)), ...errorResponses('api') } },
    'job.cancel': {
      querystring: apiAction('cancel'),
      response: { 200: response('OK when a running job was canceled, FAIL when none was running', ref(ReturnResult)), ...errorResponses('api') },
    },
  },
} satisfies Record<Gen, Record<string, RouteDoc>>;
