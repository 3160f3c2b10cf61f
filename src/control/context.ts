// What every control-plane route file shares: the error class, the context (emulator, descriptors, schemas) and
// the OpenAPI tags and security of the /_sim routes.
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Emulator } from '../emulator.js';
import type { ApiDescriptor } from '../core/api.js';
import * as Static from './schemas.js';

export const ADMIN_TOKEN_HEADER = 'x-sim-admin-token';

export const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  503: 'not_ready',
};

/** A control-plane error with its status; rendered by the plugin's error handler. */
export class SimError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code = CODES[statusCode] ?? 'error',
  ) {
    super(message);
    this.name = 'SimError';
  }
}

/** Error answers of these statuses for a route's OpenAPI responses. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Static.ErrorBody]));

/** A control-plane route file's view of the plugin: the typed instance, the emulator and the schemas. */
export interface ControlContext {
  f: FastifyInstance<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    FastifyBaseLogger,
    TypeBoxTypeProvider
  >;
  emulator: Emulator;
  descriptors: ApiDescriptor[];
  S: typeof Static & ReturnType<typeof Static.apiSchemas>;
}

export const tags = ['control'];
/** OpenAPI: the admin token (needed only when --admin-token is set; `{}` = or none). */
export const security: Record<string, string[]>[] = [{ simAdminToken: [] }, {}];

export const clockState = (emulator: Emulator): Static.ClockState => {
  const c = emulator.clock.state();
  return { mode: c.mode, now: new Date(c.now).toISOString(), epochMs: c.now, speed: c.speed };
};
