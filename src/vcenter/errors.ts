// vAPI errors: the std error types, their HTTP statuses (§5.2 of the reference), and the bodies of both
// generations: /rest `{"type":"com.vmware.vapi.std.errors.<x>","value":{"messages":[…],"error_type":"<X>"}}` and
// /api `{"error_type":"<X>","messages":[…]}`.

import type { Static } from '@sinclair/typebox';
import type { LocalizableMessage as LocalizableMessageSchema } from './schemas.js';

/** `{id, default_message, args}` (schemas.ts LocalizableMessage). */
export type LocalizableMessage = Static<typeof LocalizableMessageSchema>;

/** Status per vAPI std error (vmware/vapi/rest/lib.py `vapi_to_http_error_map`); anything else is 500. */
const STATUS: Record<string, number> = {
  already_exists: 400, already_in_desired_state: 400, feature_in_use: 400, invalid_argument: 400,
  invalid_element_configuration: 400, invalid_element_type: 400, invalid_request: 400, not_allowed_in_current_state: 400,
  resource_busy: 400, resource_in_use: 400, resource_inaccessible: 400, unable_to_allocate_resource: 400, unsupported: 400,
  unauthenticated: 401, unauthorized: 403, not_found: 404, operation_not_found: 404, concurrent_change: 409,
  internal_server_error: 500, service_unavailable: 503, timed_out: 504,
};

export function statusOf(type: string): number {
  return STATUS[type] ?? 500;
}

/**
 * The vAPI error type for an HTTP status (for injected faults that name none): the vAPI runtime's
 * `http_to_vapi_error_map`, except that 500 stays the generic `error` the restore operations declare.
 */
export function typeOfStatus(status: number): string {
  switch (status) {
    case 400: return 'invalid_request';
    case 401: return 'unauthenticated';
    case 403: return 'unauthorized';
    case 404: return 'not_found';
    case 408: return 'timed_out';
    case 409: return 'concurrent_change';
    case 410: return 'not_found';
    case 423: return 'resource_busy';
    case 429: return 'service_unavailable';
    case 500: return 'error';
    case 503: return 'service_unavailable';
    case 504: return 'timed_out';
    case 507: case 509: return 'unable_to_allocate_resource';
    default: return status >= 400 && status < 500 ? 'invalid_request' : 'error';
  }
}

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

export function msg(id: string, default_message: string, args: unknown[] = []): LocalizableMessage {
  return { id, default_message, args: args.map(String) };
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
  return { type: `com.vmware.vapi.std.errors.${e.type}`, value: { messages: e.messages.map(errorMessage), error_type: errorTypeName(e.type) } };
}

/** `/api` error body. */
export function apiErrorBody(e: VapiError): { error_type: string; messages: unknown[] } {
  return { error_type: errorTypeName(e.type), messages: e.messages.map(errorMessage) };
}
