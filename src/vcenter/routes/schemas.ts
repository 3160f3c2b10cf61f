// The schemas of each vCenter route, by generation and operation: request bodies (JSON, and on /rest the same
// structure as XML), the `action` / `~action` query parameters, and one response per status (the result, an empty
// body for logout, the generation's error for every error status). Bodies and query strings are checked against
// them (input.ts). Here too the shapes only answers have: the std errors, the /rest `{"value": …}` wrappers, and the
// XML result documents (rendered by xml.ts, the JSON result mirrored). SHARED_SCHEMAS: every schema with an `$id`.
import { Type, type TSchema } from '@sinclair/typebox';
import * as S from '../schemas.js';
import type { Generation } from '../errors.js';

const { NS, ref, structure } = S;

// ---- the std errors (reference §5.1) -----------------------------------------------------------------------------

/** The std message inside errors; the emulator sends `{"args","default_message","id"}` (never params, localized). */
const StdLocalizableMessage = structure('std.LocalizableMessage', 'com.vmware.vapi.std.localizable_message.', {
  args: Type.Array(Type.String()),
  default_message: Type.String(),
  id: Type.String(),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  localized: Type.Optional(Type.String()),
});

const ERROR_TYPES =
  'ERROR, ALREADY_EXISTS, ALREADY_IN_DESIRED_STATE, CANCELED, CONCURRENT_CHANGE, FEATURE_IN_USE, ' +
  'INTERNAL_SERVER_ERROR, INVALID_ARGUMENT, INVALID_ELEMENT_CONFIGURATION, INVALID_ELEMENT_TYPE, INVALID_REQUEST, ' +
  'NOT_ALLOWED_IN_CURRENT_STATE, NOT_FOUND, OPERATION_NOT_FOUND, RESOURCE_BUSY, RESOURCE_IN_USE, ' +
  'RESOURCE_INACCESSIBLE, SERVICE_UNAVAILABLE, TIMED_OUT, UNABLE_TO_ALLOCATE_RESOURCE, UNAUTHENTICATED, ' +
  'UNAUTHORIZED, UNEXPECTED_INPUT, UNSUPPORTED, UNVERIFIED_PEER';

/** The vAPI std error structure: the whole `/api` error body, and the `value` of a `/rest` error. */
export const VapiError = structure('std.errors.Error', 'com.vmware.vapi.std.errors.error and its subtypes (§5.1).', {
  error_type: Type.String({
    pattern: '^[A-Z][A-Z_]*$',
    description: `The std error type in upper case: ${ERROR_TYPES} (a fault rule's vendorError may name another).`,
  }),
  messages: Type.Array(ref(StdLocalizableMessage)),
  data: Type.Optional(Type.Unknown({ description: 'Additional data (never sent by the emulator)' })),
  challenge: Type.Optional(Type.String({ description: 'unauthenticated only (never sent by the emulator)' })),
});

export const RestError = structure('rest.Error', 'A /rest error: the std error wrapped with its type (§5.1).', {
  type: Type.String({
    pattern: '^com\\.vmware\\.vapi\\.std\\.errors\\.[a-z][a-z_]*$',
    description: 'com.vmware.vapi.std.errors.<type>',
  }),
  value: ref(VapiError),
});

// ---- /rest results -----------------------------------------------------------------------------------------------

/** `{"value": …}`: a /rest result. */
const restResult = (result: TSchema, name: string) =>
  structure(`rest.${name}`, 'A /rest result: {"value": …}.', { value: ref(result) });
const RestRestoreJobStatus = restResult(S.RestoreJobStatus, 'RestoreJobStatusResult');
const RestReturnResult = restResult(S.ReturnResult, 'ReturnResultResult');
const RestMetadata = restResult(S.Metadata, 'MetadataResult');
const RestSessionId = restResult(S.SessionId, 'SessionIdResult');
const RestSessionInfo = restResult(S.SessionInfo, 'SessionInfoResult');

/** Every schema with an `$id` (the XML documents are added as they are made), for `addSchema` and checks. */
export const SHARED_SCHEMAS: TSchema[] = [
  ...S.STRUCTURES,
  StdLocalizableMessage,
  VapiError,
  RestError,
  RestRestoreJobStatus,
  RestReturnResult,
  RestMetadata,
  RestSessionId,
  RestSessionInfo,
];

// ---- XML results (/rest only) ------------------------------------------------------------------------------------

const XML_RULES =
  'XML by the vSphere 6.5 REST rules: <?xml version="1.0" ?>, then a root <ns0:{Op}-Result> with ' +
  'xmlns:ns0="http://vmware.com/<service path>" and xmlns:xsi; unprefixed children named like the JSON fields (the ' +
  '/rest value wrapper kept as an element); a list is <{field}-array><array-item>…</array-item></{field}-array>; ' +
  "booleans true/false. A structure's non-list fields come alphabetically, then its list fields alphabetically, " +
  'indented by two spaces.';

const xmlDocs = new Map<string, TSchema>();
/** An XML document (a string) with its root element and namespace: one shared schema per root and namespace. */
const xmlDoc = (root: string, ns: string, what: string): TSchema => {
  const name = `xml.${ns.replace('http://vmware.com/', '').replace(/\//g, '.')}.${root}`;
  let schema = xmlDocs.get(name);
  if (!schema) {
    schema = Type.String({
      $id: `vcenter.${name}`,
      title: name,
      description: `${what}: <ns0:${root} xmlns:ns0="${ns}">. ${XML_RULES}`,
    });
    xmlDocs.set(name, schema);
    SHARED_SCHEMAS.push(schema);
  }
  return ref(schema);
};

const XML_ERROR = xmlDoc(
  'Error',
  NS.errors,
  'The /rest error as XML, with <type> and <value><error_type/><messages-array>…</messages-array></value>, ' +
    'the JSON error mirrored',
);

// ---- responses ---------------------------------------------------------------------------------------------------

/** A response with JSON (and, on /rest, XML) content. */
function response(description: string, json: TSchema, xml?: TSchema): Record<string, unknown> {
  return {
    description,
    content: { 'application/json': { schema: json }, ...(xml ? { 'application/xml': { schema: xml } } : {}) },
  };
}

/** The error statuses every route can answer (reference §5.2 and §5.3; any status through a fault rule). */
const ERROR_STATUSES: Record<string, string> = {
  400:
    'invalid_argument (a request that does not match its schema: a missing field, a value of the wrong type or ' +
    'outside its enum, a blank location; XML problems), invalid_request (malformed JSON), feature_in_use and ' +
    'not_allowed_in_current_state (create)',
  401:
    'unauthenticated: no, a wrong or an expired session or Basic credentials ' +
    '(WWW-Authenticate: Basic realm="VAPI endpoint")',
  403: 'unauthorized (fault rules only)',
  404: 'not_found (unknown path, method or action) or operation_not_found (unknown ~action on /rest)',
  406: 'invalid_request: the Accept header allows nothing the emulator produces (always JSON)',
  409: 'concurrent_change (fault rules only)',
  413: 'invalid_request: the body is larger than --body-limit',
  415: 'invalid_request: an unsupported Content-Type with a body',
  500:
    'error (a backup location that cannot be read, an injected or unexpected failure) or unexpected_input (a ' +
    'field the structure does not declare, with a value)',
  503: 'service_unavailable (fault rules)',
  504: 'timed_out (fault rules)',
  default: 'any other status a fault rule injects, with the error type it names or the one its status maps to',
};

function errorResponses(gen: Generation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, what] of Object.entries(ERROR_STATUSES))
    out[status] =
      gen === 'rest'
        ? response(`Error: ${what}`, ref(RestError), XML_ERROR)
        : response(`Error: ${what}`, ref(VapiError));
  return out;
}

const EMPTY = (description: string) => ({ description, type: 'null' });

// ---- route schemas -----------------------------------------------------------------------------------------------

export interface RouteDoc {
  body?: unknown;
  querystring?: TSchema;
  response: Record<string, unknown>;
}

/** A request body: JSON, and on /rest the same structure as XML (`application/xml` or `text/xml`). */
const body = (json: TSchema, xml?: TSchema) => ({
  content: {
    'application/json': { schema: json },
    ...(xml ? { 'application/xml': { schema: xml }, 'text/xml': { schema: xml } } : {}),
  },
});

const restAction = (action: string) =>
  Type.Object({ '~action': Type.Literal(action, { description: `The operation: ${action}` }) });
const apiAction = (action: string) =>
  Type.Object({ action: Type.Literal(action, { description: `The operation: ${action}` }) });
const noRestAction = Type.Object({
  '~action': Type.Optional(
    Type.String({ description: 'Must be absent or empty: another value is 404 operation_not_found' }),
  ),
});

const restValidate = {
  body: body(ref(S.RestValidateInput), ref(S.XmlValidateInput)),
  response: {
    200: response("The backup's metadata", ref(RestMetadata), xmlDoc('Validate-Result', NS.restore, 'The metadata')),
    ...errorResponses('rest'),
  },
};
const restCreate = {
  body: body(ref(S.RestJobCreateInput), ref(S.XmlJobCreateInput)),
  response: {
    200: response('The job, just started', ref(RestRestoreJobStatus), xmlDoc('Create-Result', NS.job, 'The job')),
    ...errorResponses('rest'),
  },
};
const restCancel = {
  response: {
    200: response(
      'OK when a running job was canceled, FAIL when none was running',
      ref(RestReturnResult),
      xmlDoc('Cancel-Result', NS.job, 'The result'),
    ),
    ...errorResponses('rest'),
  },
};

/** The schema parts of each vCenter route, by generation and operation (routes add tags, summary, security). */
export const ROUTES = {
  rest: {
    'session.create': {
      querystring: noRestAction,
      response: {
        200: response(
          'The new session id; also set as the vmware-api-session-id cookie unless vmware-use-header-authn is sent',
          ref(RestSessionId),
          xmlDoc('Create-Result', NS.session, 'The session id'),
        ),
        ...errorResponses('rest'),
      },
    },
    'session.get': {
      querystring: restAction('get'),
      response: {
        200: response('The current session', ref(RestSessionInfo), xmlDoc('Get-Result', NS.session, 'The session')),
        ...errorResponses('rest'),
      },
    },
    'session.delete': { response: { 200: EMPTY('Logged out (empty body)'), ...errorResponses('rest') } },
    'restore.validate': restValidate,
    'restore.validate.generic': { querystring: restAction('validate'), ...restValidate },
    'job.create': restCreate,
    'job.create.generic': { querystring: noRestAction, ...restCreate },
    'job.get': {
      response: {
        200: response(
          'The job (state NONE before any job)',
          ref(RestRestoreJobStatus),
          xmlDoc('Get-Result', NS.job, 'The job'),
        ),
        ...errorResponses('rest'),
      },
    },
    'job.cancel': restCancel,
    'job.cancel.generic': { querystring: restAction('cancel'), ...restCancel },
  },
  api: {
    'session.create': { response: { 201: response('The new session id', ref(S.SessionId)), ...errorResponses('api') } },
    'session.get': { response: { 200: response('The current session', ref(S.SessionInfo)), ...errorResponses('api') } },
    'session.delete': { response: { 204: EMPTY('Logged out'), ...errorResponses('api') } },
    'restore.validate': {
      querystring: apiAction('validate'),
      body: body(ref(S.ValidateRestoreRequest)),
      response: { 200: response("The backup's metadata", ref(S.Metadata)), ...errorResponses('api') },
    },
    'job.create': {
      querystring: Type.Object({
        action: Type.Optional(
          Type.String({ description: 'Must be absent: a value other than cancel is 404 not_found' }),
        ),
      }),
      body: body(ref(S.JobRestoreRequest)),
      response: { 201: response('The job, just started', ref(S.RestoreJobStatus)), ...errorResponses('api') },
    },
    'job.get': {
      response: {
        200: response('The job (state NONE before any job)', ref(S.RestoreJobStatus)),
        ...errorResponses('api'),
      },
    },
    'job.cancel': {
      querystring: apiAction('cancel'),
      response: {
        200: response('OK when a running job was canceled, FAIL when none was running', ref(S.ReturnResult)),
        ...errorResponses('api'),
      },
    },
  },
} satisfies Record<Generation, Record<string, RouteDoc>>;
