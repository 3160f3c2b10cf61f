// The vAPI dialect in one place: the std error types and their HTTP statuses (§5.2 of the reference), the bodies of
// both generations (/rest `{"type":"com.vmware.vapi.std.errors.<x>","value":{"messages":[…],"error_type":"<X>"}}`,
// /api `{"error_type":"<X>","messages":[…]}`), any error as the vAPI error (every error handler, JSON-RPC's too),
// input that fails its schema as the vAPI data validator answers it, and the representation `Accept` asks for.
import type { FastifyError, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { InjectedFault } from '../core/rules.js';
import { deref } from './schemas.js';
import { M, msg, type LocalizableMessage } from './views.js';

/** The std errors by HTTP status (vmware/vapi/rest/lib.py `vapi_to_http_error_map`); any other error is 500. */
const STATUS_OF: Record<number, string> = {
  400:
    'already_exists already_in_desired_state feature_in_use invalid_argument invalid_element_configuration ' +
    'invalid_element_type invalid_request not_allowed_in_current_state resource_busy resource_in_use ' +
    'resource_inaccessible unable_to_allocate_resource unsupported',
  401: 'unauthenticated',
  403: 'unauthorized',
  404: 'not_found operation_not_found',
  409: 'concurrent_change',
  500: 'internal_server_error',
  503: 'service_unavailable',
  504: 'timed_out',
};
const STATUS = new Map(
  Object.entries(STATUS_OF).flatMap(([status, types]) => types.split(' ').map((t) => [t, +status])),
);

const statusOf = (type: string): number => STATUS.get(type) ?? 500;

/**
 * The vAPI error type for an HTTP status (for injected faults that name none): the vAPI runtime's
 * `http_to_vapi_error_map`, except that 500 stays the generic `error` the restore operations declare; any other 4xx
 * is invalid_request, any other status the generic error.
 */
const TYPE_OF: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'unauthorized',
  404: 'not_found',
  408: 'timed_out',
  409: 'concurrent_change',
  410: 'not_found',
  423: 'resource_busy',
  429: 'service_unavailable',
  500: 'error',
  503: 'service_unavailable',
  504: 'timed_out',
  507: 'unable_to_allocate_resource',
  509: 'unable_to_allocate_resource',
};
const typeOfStatus = (status: number): string =>
  TYPE_OF[status] ?? (status >= 400 && status < 500 ? 'invalid_request' : 'error');

export class VapiError extends Error {
  readonly status: number;
  constructor(
    /** Snake-case std error name, e.g. `not_allowed_in_current_state`. */
    readonly type: string,
    readonly messages: LocalizableMessage[],
    status?: number,
  ) {
    super(messages.map((m) => m.default_message).join('; ') || type);
    this.name = 'VapiError';
    this.status = status ?? statusOf(type);
  }
}

export function vapiError(type: string, id: string, text: string, args: unknown[] = [], status?: number): VapiError {
  return new VapiError(type, [msg(id, text, args)], status);
}

export const unauthenticated = () =>
  vapiError('unauthenticated', 'com.vmware.vapi.endpoint.method.authentication.required', 'Authentication required.');

/** std-error message order as the reference's examples show it: args, default_message, id. */
const errorMessage = (m: LocalizableMessage) => ({ args: m.args, default_message: m.default_message, id: m.id });

export const errorTypeName = (type: string) => type.toUpperCase();

/** `/rest` error body. */
export function restErrorBody(e: VapiError): { type: string; value: { messages: unknown[]; error_type: string } } {
  return {
    type: `com.vmware.vapi.std.errors.${e.type}`,
    value: { messages: e.messages.map(errorMessage), error_type: errorTypeName(e.type) },
  };
}

/** `/api` error body. */
export function apiErrorBody(e: VapiError): { error_type: string; messages: unknown[] } {
  return { error_type: errorTypeName(e.type), messages: e.messages.map(errorMessage) };
}

// ---- input that fails its schema -------------------------------------------------------------------------------

/** A request part (body, query string, JSON-RPC input) that fails its declared schema, with TypeBox's errors. */
export class InputError extends Error {
  constructor(
    readonly schema: TSchema,
    readonly value: unknown,
    readonly errors: readonly ValueError[],
  ) {
    super('The input does not match its schema');
    this.name = 'InputError';
  }
}

const structName = (s: TSchema): string => (deref(s)['x-vapi-structure'] as string | undefined) ?? 'operation-input';
const fieldMissing = (struct: string, field: string) => {
  const text = `Field '${field}' missing from structure '${struct}'`;
  return vapiError('invalid_argument', 'vapi.data.structure.field.missing', text, [struct, field]);
};
const structureInvalid = (struct: string) =>
  vapiError('invalid_argument', 'vapi.data.structure.invalid', `Expected structure '${struct}'`, [struct]);

const VAPI_TYPE: Record<string, string> = {
  string: 'String',
  boolean: 'Boolean',
  integer: 'Long',
  number: 'Double',
  array: 'List',
};
/** The vAPI type a schema declares, as type mismatch messages name it (a `password` format is a Secret). */
const vapiType = (s: TSchema): string => (s.format === 'password' ? 'Secret' : (VAPI_TYPE[s.type] ?? 'Structure'));
/** The vAPI type of a value, as type mismatch messages name it. */
function vapiTypeOf(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Double';
  return Array.isArray(v) ? 'List' : (VAPI_TYPE[typeof v] ?? 'Structure');
}

/** A nullable field fails as its value's type does: the failing member of a union with null. */
function innermost(e: ValueError): ValueError {
  const members = e.schema.anyOf as TSchema[] | undefined;
  if (e.type !== ValueErrorType.Union || !members) return e;
  const inner = e.errors[members.findIndex((m) => m.type !== 'null')]?.First();
  return inner ? innermost(inner) : e;
}

interface Problem {
  kind: 'missing' | 'invalid' | 'unexpected';
  /** The structure holding the field, and where it is. */
  struct: TSchema;
  at: string;
  field: string;
  /** Required fields first, then by the structure's order. */
  order: [number, number];
  error: ValueError;
}
const RANK = { missing: 0, invalid: 1, unexpected: 2 };

/** A JSON pointer segment's key. */
const unescapeKey = (k: string) => k.replace(/~1/g, '/').replace(/~0/g, '~');

/** What an error is about: the field of the innermost structure on its path, declared or not. */
function problemOf(root: TSchema, e: ValueError): Problem {
  const keys = e.path.split('/').slice(1).map(unescapeKey);
  let s = deref(root);
  let found: Omit<Problem, 'kind' | 'error'> | undefined;
  for (let i = 0; i < keys.length; i++) {
    if (s.type === 'object') {
      const props = (s.properties ?? {}) as Record<string, TSchema>;
      const field = keys[i]!;
      const index = Object.keys(props).indexOf(field);
      const required = (s.required ?? []).includes(field);
      found = { struct: s, at: keys.slice(0, i).join('/'), field, order: [required ? 0 : 1, index] };
      if (index < 0) return { ...found, kind: 'unexpected', error: e };
      if (i === keys.length - 1 && (e.type === ValueErrorType.ObjectRequiredProperty || e.value == null))
        return { ...found, kind: 'missing', error: e };
      s = deref(props[field]!);
    } else if (s.type === 'array') s = deref(s.items as TSchema);
  }
  return { ...(found ?? { struct: root, at: '', field: '', order: [0, -1] }), kind: 'invalid', error: e };
}

/** A declared field of the wrong type, a value outside its enum, a blank text: the vAPI data validator's answer. */
function invalid(p: Problem): VapiError {
  const s = deref(p.error.schema);
  if (s.type === 'object' || p.field === '') return structureInvalid(structName(s));
  const struct = structName(p.struct);
  const head = msg('vapi.data.structure.field.invalid', `Invalid field '${p.field}' in structure '${struct}'`, [
    p.field,
    struct,
  ]);
  return new VapiError('invalid_argument', [head, detailOf(p, s)]);
}

/** The second message of an invalid field: what is wrong with its value. */
function detailOf({ field, error }: Problem, s: TSchema): LocalizableMessage {
  const value = error.value;
  if (Array.isArray(s.enum) && typeof value === 'string') {
    const values = s.enum.join(', ');
    return msg(`${M}.${field}.invalid`, `Invalid value '${value}' for ${field}: expected one of ${values}`, [
      value,
      values,
    ]);
  }
  if (error.type === ValueErrorType.StringPattern) return msg(`${M}.${field}.empty`, `The ${field} must not be empty`);
  const [expected, got] = [vapiType(s), vapiTypeOf(value)];
  const text = `Type mismatch - expected an object of type '${expected}', but got '${got}'`;
  return msg('vapi.data.validate.mismatch', text, [expected, got]);
}

/**
 * The vAPI answer to input that fails its schema, as VMware's vAPI runtime gives it: no input at all is the missing
 * `piece` of `operation-input`; then declared fields (a missing one, then one of the wrong type, required fields
 * first, in the structure's order) → 400 invalid_argument; then the fields a structure does not declare (the outer
 * structure first, all its such fields named as a Python set) → unexpected_input
 * (`ApiInterfaceSkeleton.check_for_unknown_fields`).
 */
export function inputError(err: InputError): VapiError {
  if (err.value === undefined || err.value === null) return fieldMissing('operation-input', 'piece');
  const problems = err.errors.map((e) => problemOf(err.schema, innermost(e)));
  const key = (p: Problem) => [RANK[p.kind], ...(p.kind === 'unexpected' ? [0, 0] : p.order)];
  problems.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
  const first = problems[0];
  if (!first) return structureInvalid(structName(err.schema));
  if (first.kind === 'missing') return fieldMissing(structName(first.struct), first.field);
  if (first.kind === 'invalid') return invalid(first);
  const extra = problems.filter((p) => p.kind === 'unexpected' && p.at === first.at).map((p) => `'${p.field}'`);
  const names = `{${extra.join(', ')}}`;
  const struct = structName(first.struct);
  const text = `Found unexpected field '${names}' in structure '${struct}'`;
  return vapiError('unexpected_input', 'vapi.data.structure.field.unexpected', text, [names, struct]);
}

// ---- any error -------------------------------------------------------------------------------------------------

/** An error the emulator answers on purpose (a vAPI error, an injected fault, bad input); anything else is a bug. */
export const isAnswer = (err: unknown) =>
  err instanceof VapiError || err instanceof InjectedFault || err instanceof InputError;

/** Any error as the vAPI error it is answered with (`bodyLimit`: the --body-limit the 413 message names). */
export function toVapiError(err: unknown, bodyLimit: number): VapiError {
  if (err instanceof VapiError) return err;
  if (err instanceof InputError) return inputError(err);
  if (err instanceof InjectedFault) {
    const type = err.vendorError ?? typeOfStatus(err.statusCode);
    return new VapiError(type, [msg(`com.vmware.vapi.std.errors.${type}`, err.message)], err.statusCode);
  }
  const e = err as FastifyError;
  const REST = 'com.vmware.vapi.rest';
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const text = `The request body is larger than ${bodyLimit} bytes`;
    return vapiError('invalid_request', `${REST}.requestEntityTooLarge`, text, [bodyLimit], 413);
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const text = 'Unsupported Content-Type: use application/json';
    return vapiError('invalid_request', `${REST}.unsupportedMediaType`, text, [], 415);
  }
  if (e.code === 'RESTORESIM_BAD_JSON') {
    const text = `Invalid JSON in request body: ${e.message.replace(/^Malformed JSON in request body: /, '')}`;
    return vapiError('invalid_request', `${REST}.badRequest.json`, text);
  }
  const status = e.statusCode ?? 500;
  if (status >= 400 && status < 500) return vapiError('invalid_request', `${REST}.badRequest`, e.message, [], status);
  return vapiError('error', `${REST}.internalServerError`, 'Internal server error');
}

// ---- representation --------------------------------------------------------------------------------------------

export type Generation = 'rest' | 'api';
export type Rep = 'json' | 'xml';

const isXmlType = (ct: string | undefined) => !!ct && /^(application|text)\/xml\b/i.test(ct.trim());

/** What each media range asks of us: a representation, or `any` (the request's own). */
const WANTS: Record<string, Rep | 'any'> = {
  '*/*': 'any',
  'application/*': 'json',
  'application/json': 'json',
  'text/*': 'xml',
  'application/xml': 'xml',
  'text/xml': 'xml',
};

/**
 * The representation `Accept` asks for: the client's ranges by preference (q-values, then the order listed, as
 * @fastify/accepts gives them; a range's parameters such as `charset` do not restrict it), the first one we produce.
 * /api is JSON only; /rest also XML. A range that allows anything (`*\/*`, or no Accept) follows the request: an
 * XML request gets XML. Null when nothing we produce is acceptable (406).
 */
export function negotiate(req: FastifyRequest, gen: Generation): Rep | null {
  const own: Rep = gen === 'rest' && isXmlType(req.headers['content-type']) ? 'xml' : 'json';
  if (!req.headers.accept?.trim()) return own;
  // Without arguments: every range the client accepts (q > 0), most preferred first.
  for (const range of req.accepts().types() as string[]) {
    const wants = WANTS[range.toLowerCase()];
    if (wants === 'any') return own;
    if (wants === 'json' || (wants === 'xml' && gen === 'rest')) return wants;
  }
  return null;
}
