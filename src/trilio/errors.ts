// The Trilio dialect, in one place: the fault names by status and the envelope `{"<faultName>": {code, message}}`,
// the messages, the vendor's answer to any error (ours, Fastify's, an injected one), the translation of a request
// that fails its schema into the vendor's own fault (the first failing check in the vendor's order), and the
// representation (JSON or XML) a request's Accept header asks for.
import type { FastifyError, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { isObj } from '../core/fixtures.js';
import { InjectedFault } from '../core/rules.js';

/** `--trilio-errors`: the status codes of failed preconditions (see Refusal). */
type ErrorsMode = 'legacy' | 'modern';

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};
/** The fault name of a status: `Error` for a status without one (500, 406, …). */
export const faultName = (status: number) => FAULT_NAMES[status] ?? 'Error';
/** The vendor's error body: `{"<faultName>": {"code": <status>, "message": "…"}}`. */
export const faultBody = (status: number, message: string) => ({ [faultName(status)]: { code: status, message } });

/**
 * keystonemiddleware's refusal, before the API sees the request: no token, or (`--auth strict`) one no identity API
 * issued or one expired or revoked. Answered in its own body with `WWW-Authenticate: Keystone uri="…"`.
 */
export class TokenRejected extends Error {
  readonly statusCode = 401;
  constructor() {
    super(MSG.unauthorized);
    this.name = 'TokenRejected';
  }
}

/** keystonemiddleware's 401 body. */
export const tokenRejectedBody = () => ({ error: { code: 401, title: 'Unauthorized', message: MSG.unauthorized } });

/** An error answered with its own status in both modes. */
export class TrilioFault extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'TrilioFault';
  }
}

/**
 * A failed create precondition, or a lookup the vendor's controllers wrap the same way (`?snapshot_id=` of a list,
 * cancel of an unknown restore). The documented 2018 server answers every one 500 `Error` with `message` (legacy);
 * newer servers answer 404 (not found) or 400 (invalid), with `modern` (modern).
 */
export class Refusal extends Error {
  constructor(
    readonly reason: 'notFound' | 'invalid',
    message: string,
    readonly modern = message,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export const MSG = {
  unauthorized: 'The request you have made requires authentication.',
  malformedUrl: 'Malformed request url',
  notFound: 'The resource could not be found.',
  badJson: 'Malformed request body',
  tooLarge: 'Request is too large.',
  badMediaType: 'Unsupported Content-Type',
  deleteRunning: "Invalid state: Status of the requested resource status must be 'available' or 'error' or 'cancelled'",
  snapshotNotAvailable: 'Invalid state: Snapshot status must be available',
  workloadNotAvailable: "Invalid state: Workload must be in the 'available' state to restore",
  invalidOptions: 'Invalid restore options.',
  noRestoreKey: "local variable 'options' referenced before assignment",
  noRestoreObject: "The request body must hold a 'restore' object",
  openstackMissing: "'openstack' key is missing",
  serverError: 'The server has either erred or is incapable of performing the requested operation.',
  snapshotNotFound: (id: string) => `Snapshot ${id} could not be found.`,
  workloadNotFound: (id: string) => `Workload ${id} could not be found.`,
  restoreNotFound: (id: string) => `Restore ${id} could not be found.`,
  markerNotFound: (marker: string) => `marker [${marker}] not found`,
};

// ---- request checks -------------------------------------------------------------------------------------------------

/** The schema keyword that names the vendor check a constraint of a request schema makes (schemas.ts). */
export const CHECK = 'x-check';

/** One failed constraint of a request schema as the validator reports it: Fastify's shape, with the check it makes. */
export interface Failure extends FastifySchemaValidationError {
  params: { check?: CheckName; value: unknown };
}

const badParam = (message: string) => () => new TrilioFault(400, message);
/** A create check of `_validate_restore_options`: the legacy text alone; modern adds the reason. */
const badOptions = (reason: (value: unknown) => string) => (f: Failure) =>
  new Refusal('invalid', MSG.invalidOptions, `${MSG.invalidOptions} ${reason(f.params.value)}`);
const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (isObj(v) && Object.keys(v).length === 0);

/**
 * The vendor's checks of a request, in the order it makes them (api/common.py::limited for list parameters, then
 * snapshots.py::_restore and workloads/api.py::_validate_restore_options for a create body), each with its fault.
 * When a request fails several constraints, the earliest check answers.
 */
const CHECKS = {
  'offset.integer': badParam('offset param must be an integer'),
  'limit.integer': badParam('limit param must be an integer'),
  'limit.positive': badParam('limit param must be positive'),
  'offset.positive': badParam('offset param must be positive'),
  'restore.envelope': () => new Refusal('invalid', MSG.noRestoreKey, MSG.noRestoreObject),
  // Missing or empty options are the vendor's default {"type": "openstack"}, which lacks the 'openstack' key.
  'restore.options': badOptions((v) => (isEmpty(v) ? MSG.openstackMissing : "'options' must be an object")),
  'restore.type': badOptions(() => "'type' must be 'openstack'"),
  'restore.openstack': badOptions(() => MSG.openstackMissing),
  'restore.restore_type': badOptions(() => "'restore_type' must be one of inplace, selective, oneclick"),
  'restore.instances': badOptions(
    (v) => `'openstack.instances' is required for a ${(v as { restore_type: string }).restore_type} restore`,
  ),
  'restore.instances_list': badOptions(() => "'openstack.instances' must be a list"),
} satisfies Record<string, (f: Failure) => Error>;
export type CheckName = keyof typeof CHECKS;
const ORDER = Object.keys(CHECKS);

/** Any other body failure (a listed instance of the wrong shape, say) is invalid options too, with its place. */
function shapeRefusal(f: Failure): Refusal {
  const where = f.instancePath
    .replace(/^\/(restore|testbubble)(\/options)?\/?/, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
  return new Refusal('invalid', MSG.invalidOptions, `${MSG.invalidOptions} '${where}': ${f.message?.toLowerCase()}`);
}

/** The vendor's fault for a request that fails its route's schema: the first failing check, in the vendor's order. */
function validationFault(error: FastifyError): Error {
  const failures = (error.validation ?? []) as Failure[];
  let first: Failure | undefined;
  let rank = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const r = f.params.check ? ORDER.indexOf(f.params.check) : ORDER.length;
    if (r < rank) [first, rank] = [f, r];
  }
  if (first?.params.check) return CHECKS[first.params.check](first);
  if (first && error.validationContext === 'body') return shapeRefusal(first);
  return new TrilioFault(400, `Invalid request: ${error.message}`);
}

interface VendorAnswer {
  status: number;
  message: string;
  /** Not an answer of the API's: a bug, to be logged. */
  unexpected?: boolean;
}

/** The vendor's status and message for any error: ours, Fastify's (parsing, limits, validation), injected ones. */
export function vendorAnswer(thrown: unknown, mode: ErrorsMode): VendorAnswer {
  const error: Error & { code?: string; statusCode?: number } = (thrown as FastifyError).validation
    ? validationFault(thrown as FastifyError)
    : (thrown as FastifyError);
  if (error instanceof Refusal) {
    if (mode === 'legacy') return { status: 500, message: error.message };
    return { status: error.reason === 'notFound' ? 404 : 400, message: error.modern };
  }
  if (error instanceof TrilioFault || error instanceof InjectedFault) {
    return { status: error.statusCode, message: error.message };
  }
  switch (error.code) {
    case 'RESTORESIM_BAD_JSON':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, message: MSG.badJson };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: MSG.tooLarge };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: MSG.badMediaType };
  }
  const status = error.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, message: error.message };
  return { status: 500, message: MSG.serverError, unexpected: true };
}

// ---- representation -------------------------------------------------------------------------------------------------

/**
 * The types the server answers (its wsgi SUPPORTED_CONTENT_TYPES, plus text/xml), JSON first so a tie is JSON, each
 * also as the charset it is written in (clients ask so).
 */
const OFFERED = [
  'application/json',
  'application/vnd.openstack.workloadmgr+json',
  'application/xml',
  'application/vnd.openstack.workloadmgr+xml',
  'text/xml',
].flatMap((t) => [t, `${t}; charset=utf-8`]);

export interface Negotiated {
  rep: 'json' | 'xml';
  /** The Content-Type of the answer: the negotiated type (the vendor types are echoed), without a charset. */
  type: string;
}

const JSON_ANSWER: Negotiated = { rep: 'json', type: 'application/json' };
const negotiated = new WeakMap<FastifyRequest, Negotiated>();

/**
 * JSON or XML, as the Accept header prefers (HTTP content negotiation: q-values, then the most specific range, then
 * the header's order). As the server's `best_match_content_type`: no Accept, a blank one, or one it cannot satisfy
 * is JSON (never 406).
 */
export function negotiate(request: FastifyRequest): Negotiated {
  const known = negotiated.get(request);
  if (known) return known;
  const accept = request.headers.accept;
  let out = JSON_ANSWER;
  if (accept !== undefined && accept.trim() !== '' && accept !== 'application/json') {
    const type = request.accepts().type(OFFERED);
    if (typeof type === 'string') {
      const bare = type.replace(/; charset=utf-8$/, '');
      out = { rep: bare.endsWith('xml') ? 'xml' : 'json', type: bare };
    }
  }
  negotiated.set(request, out);
  return out;
}

/** JSON or XML, as negotiated. */
export const representation = (request: FastifyRequest): 'json' | 'xml' => negotiate(request).rep;
