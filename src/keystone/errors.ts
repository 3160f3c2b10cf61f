// The Keystone dialect, in one place: the envelope `{"error": {"code", "title", "message"}}`, the messages Keystone
// answers with, Keystone's answer to any error (ours, Fastify's, an injected one), and the translation of a request
// body that fails its schema into Keystone's jsonschema-style message ("Invalid input for field 'identity': …").
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifySchemaValidationError } from 'fastify';
import { InjectedFault } from '../core/rules.js';

/** Keystone's titles (Python's `http.client.responses`) of the statuses it answers. */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};
export const titleOf = (status: number) => TITLES[status] ?? STATUS_CODES[status] ?? 'Error';

/** The auth methods this Keystone has (a 401 for another one lists them, as Keystone's AuthMethodNotSupported). */
export const AUTH_METHODS = ['password', 'token'] as const;

const CLIENT_ERROR =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. ' +
  'The client is assumed to be in error.';

export const MSG = {
  unauthorized: 'The request you have made requires authentication.',
  notFound: 'The resource could not be found.',
  methodNotAllowed: 'The method is not allowed for the requested URL.',
  unsupportedMethod: 'Attempted to authenticate with an unsupported method.',
  catalogNeedsProject: 'A project-scoped token is required to produce a service catalog.',
  tooLarge: 'Request is too large.',
  serverError: 'An unexpected error prevented the server from fulfilling your request.',
  /** Keystone's ValidationError. */
  expecting: (attribute: string, target: string) => `Expecting to find ${attribute} in ${target}. ${CLIENT_ERROR}`,
  /** Keystone's ForbiddenAction, naming the policy rule. */
  forbidden: (action: string) => `You are not authorized to perform the requested action: ${action}.`,
  tokenNotFound: (id: string) => `Could not find token: ${id}.`,
  projectNotFound: (id: string) => `Could not find project: ${id}.`,
  userNotFound: (id: string) => `Could not find user: ${id}.`,
  domainNotFound: (id: string) => `Could not find domain: ${id}.`,
};

/** An error Keystone answers: its status and message (its title from the status). */
export class KeystoneError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Extra members of the error object (`identity` of an unsupported auth method). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'KeystoneError';
  }
}

export const unauthorized = () => new KeystoneError(401, MSG.unauthorized);
export const forbidden = (action: string) => new KeystoneError(403, MSG.forbidden(action));
export const badRequest = (message: string) => new KeystoneError(400, message);
export const unsupportedMethod = () =>
  new KeystoneError(401, MSG.unsupportedMethod, { identity: { methods: [...AUTH_METHODS] } });

/** Keystone's error body. */
export const errorBody = (status: number, message: string, extra?: Record<string, unknown>) => ({
  error: { code: status, title: titleOf(status), message, ...extra },
});

// ---- request validation ---------------------------------------------------------------------------------------------

/** A value as Python's repr shows it in jsonschema's messages: 'text', 1, True, None, ['a'], {'k': 'v'}. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/**
 * Keystone's message for a schema failure: `Invalid input for field '<path>': <jsonschema message>`, the path
 * slash-separated from the `auth` object (jsonschema's `ex.path`); a failure at the top has the bare message.
 * Keystone also appends jsonschema's long explanation; only its first line is kept here.
 */
export function schemaMessage(path: string, message: string): string {
  const field = path.replace(/^\/(auth\/?)?/, '');
  return field === '' ? message : `Invalid input for field '${field}': ${message}`;
}

/** One failed constraint of a request schema, as the validator compiler reports it (message: Keystone's). */
export type Failure = FastifySchemaValidationError;

/** The first failure's message: what Keystone answers (jsonschema stops at the first error too). */
function validationError(error: FastifyError): KeystoneError {
  const first = (error.validation ?? [])[0] as Failure | undefined;
  return badRequest(first?.message ?? error.message);
}

// ---- any error → Keystone's answer ----------------------------------------------------------------------------------

interface Answer {
  status: number;
  message: string;
  extra?: Record<string, unknown>;
  /** Not an answer of Keystone's: a bug, to be logged. */
  unexpected?: boolean;
}

export function keystoneAnswer(thrown: unknown): Answer {
  const error = (thrown as FastifyError).validation
    ? validationError(thrown as FastifyError)
    : (thrown as Error & { code?: string; statusCode?: number });
  if (error instanceof KeystoneError) return { status: error.statusCode, message: error.message, extra: error.extra };
  if (error instanceof InjectedFault) return { status: error.statusCode, message: error.message };
  switch (error.code) {
    case 'RESTORESIM_BAD_JSON':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, message: MSG.expecting('valid JSON', 'request body') };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 400, message: MSG.expecting('application/json', 'Content-Type header') };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: MSG.tooLarge };
  }
  const status = error.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, message: error.message };
  return { status: 500, message: MSG.serverError, unexpected: true };
}
