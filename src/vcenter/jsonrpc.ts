// The vAPI JSON-RPC 2.0 endpoint `POST /api` (reference §8.1) that the official Python and Java SDKs speak:
// session create/get/delete and the four restore operations. Values are typed (`{"STRUCTURE":{type:{…}}}`,
// `{"OPTIONAL":…}`, `{"SECRET":…}`); vAPI errors come back inside an HTTP 200 result, as the reference server does.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorTypeName, isAnswer, toVapiError, unauthenticated, vapiError, type VapiError } from './errors.js';
import { readRestoreRequest } from './input.js';
import type { Credential } from './service.js';
import { subject, type Deps } from './routes/common.js';
import {
  sessionInfo,
  type LocalizableMessage,
  type Metadata,
  type RestoreJobStatus,
  type ReturnResult,
} from './views.js';

type Json = unknown;

/** How deep `untype` follows nested values: far beyond any vAPI structure, well short of the stack. */
const MAX_DEPTH = 64;

/**
 * Strips the vAPI type wrappers: STRUCTURE → its fields, OPTIONAL → its value (null → undefined), SECRET → its
 * text. Input nested deeper than MAX_DEPTH is an invalid_argument VapiError (never a stack overflow).
 */
function untype(v: Json, depth = 0): Json {
  if (!v || typeof v !== 'object') return v;
  if (depth >= MAX_DEPTH) {
    const text = `The input nests values more than ${MAX_DEPTH} levels deep`;
    throw vapiError('invalid_argument', 'vapi.data.nesting.too.deep', text, [MAX_DEPTH]);
  }
  if (Array.isArray(v)) return v.map((x) => untype(x, depth + 1));
  const o = v as Record<string, Json>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const k = keys[0]!;
    if (k === 'OPTIONAL') return o.OPTIONAL === null ? undefined : untype(o.OPTIONAL, depth + 1);
    if (k === 'SECRET') return o.SECRET;
    if (k === 'STRUCTURE') {
      const inner = o.STRUCTURE as Record<string, Json>;
      const name = inner && typeof inner === 'object' ? Object.keys(inner)[0] : undefined;
      return name === undefined ? {} : untype(inner[name], depth + 1);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, untype(o[k], depth + 1)]));
}

const R = 'com.vmware.appliance.recovery.restore';
const struct = (type: string, fields: Record<string, Json>) => ({ STRUCTURE: { [type]: fields } });
const message = (type: string) => (m: LocalizableMessage) =>
  struct(type, { id: m.id, default_message: m.default_message, args: m.args });

const jobStatus = (s: RestoreJobStatus) =>
  struct(`${R}.job.restore_job_status`, {
    state: s.state,
    messages: s.messages.map(message(`${R}.job.localizable_message`)),
    progress: s.progress,
    ...(s.parts ? { parts: { OPTIONAL: s.parts } } : {}),
  });
const returnResult = (r: ReturnResult) =>
  struct(`${R}.job.return_result`, {
    status: r.status,
    messages: r.messages.map(message(`${R}.job.localizable_message`)),
  });
const metadata = (m: Metadata) =>
  struct(`${R}.metadata`, {
    timestamp: m.timestamp,
    parts: m.parts,
    version: m.version,
    boxname: m.boxname,
    sso_login_required: { OPTIONAL: m.sso_login_required },
    comment: m.comment,
    applicable: m.applicable,
    messages: m.messages.map(message(`${R}.localizable_message`)),
  });

function errorValue(e: VapiError) {
  return {
    ERROR: {
      [`com.vmware.vapi.std.errors.${e.type}`]: {
        messages: e.messages.map((m) =>
          struct('com.vmware.vapi.std.localizable_message', {
            id: m.id,
            default_message: m.default_message,
            args: m.args,
            params: { OPTIONAL: null },
            localized: { OPTIONAL: null },
          }),
        ),
        data: { OPTIONAL: null },
        error_type: { OPTIONAL: errorTypeName(e.type) },
      },
    },
  };
}

interface SecurityCtx {
  schemeId?: unknown;
  sessionId?: unknown;
  userName?: unknown;
  password?: unknown;
}

interface Invoke {
  serviceId?: unknown;
  operationId?: unknown;
  input?: Json;
  ctx?: { securityCtx?: SecurityCtx };
}

/** A string or nothing: values from the wire that must be strings to mean anything (a session id, a user name). */
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The fault-rule operation id of each vAPI operation the endpoint serves: the id of the REST routes doing the same,
 * so one rule on `job.create` covers /rest, /api and the SDKs. Anything else (unknown operations, bodies that are not
 * an invoke) is `jsonrpc.invoke`.
 */
const RPC_OPERATIONS = new Map<string, string>([
  [`${R}.job.create`, 'job.create'],
  [`${R}.job.get`, 'job.get'],
  [`${R}.job.cancel`, 'job.cancel'],
  [`${R}.validate`, 'restore.validate'],
  ['com.vmware.cis.session.create', 'session.create'],
  ['com.vmware.cis.session.get', 'session.get'],
  ['com.vmware.cis.session.delete', 'session.delete'],
]);
/** Every operation id the endpoint may resolve to, its catch-all first. */
const RPC_OPERATION_IDS: readonly string[] = ['jsonrpc.invoke', ...RPC_OPERATIONS.values()];

/** The operation id of a JSON-RPC request (see RPC_OPERATIONS). */
function rpcOperation(req: FastifyRequest): string {
  const b = req.body as { method?: unknown; params?: Invoke } | undefined;
  const p =
    b && typeof b === 'object' && b.method === 'invoke' && b.params && typeof b.params === 'object'
      ? b.params
      : undefined;
  if (!p || typeof p.serviceId !== 'string' || typeof p.operationId !== 'string') return 'jsonrpc.invoke';
  return RPC_OPERATIONS.get(`${p.serviceId}.${p.operationId}`) ?? 'jsonrpc.invoke';
}

/** Whether a serialized JSON-RPC answer carries `result.output`. */
function answeredOutput(payload: unknown): boolean {
  if (typeof payload !== 'string') return false;
  try {
    const a = JSON.parse(payload) as { result?: { output?: unknown } } | null;
    return !!a && typeof a === 'object' && !!a.result && typeof a.result === 'object' && 'output' in a.result;
  } catch {
    return false;
  }
}

/** A JSON-RPC 2.0 id: a string, a number or null (absent). Anything else is no id (answered with null). */
const validId = (id: unknown): id is string | number | null | undefined =>
  id === undefined || id === null || typeof id === 'string' || typeof id === 'number';

/** The request's JSON-RPC id when its body was read and the id is valid, else null. */
const idOf = (req: FastifyRequest): string | number | null => {
  const b = req.body as { id?: unknown } | undefined;
  return b && typeof b === 'object' && !Array.isArray(b) && validId(b.id) ? (b.id ?? null) : null;
};

/**
 * The route's own error handler: whatever fails around the handler (a fault rule's InjectedFault, the Accept or
 * content-type check, the body parser) is still a JSON-RPC answer with HTTP 200, as the reference server always
 * answers. A body that is not JSON is the JSON-RPC parse error; anything else is `result.error`, the vAPI error
 * `toVapiError` makes of it (an injected fault: its vendorError, else the type its status maps to).
 */
function rpcErrorHandler(bodyLimit: number) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    reply.code(200).type('application/json');
    const code = (err as FastifyError).code;
    if (code === 'RESTORESIM_BAD_JSON' || code === 'FST_ERR_CTP_INVALID_JSON')
      return reply.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
    return reply.send(
      JSON.stringify({ jsonrpc: '2.0', id: idOf(req), result: { error: errorValue(vapiOf(err, req, bodyLimit)) } }),
    );
  };
}

/** Any error as the vAPI error in `result.error`; one that is not an answer on purpose (a bug) is logged. */
function vapiOf(err: unknown, req: FastifyRequest, bodyLimit: number): VapiError {
  const v = toVapiError(err, bodyLimit);
  if (v.status >= 500 && !isAnswer(err)) req.log.error({ err }, 'vcenter: unexpected error in JSON-RPC invoke');
  return v;
}

/**
 * `POST /api`: every vAPI operation the REST routes serve, read from the typed input (untyped, then checked by the
 * same schemas), at the request's settled instant; credentials from the security context (or the session header).
 */
export function jsonRpcRoute(f: FastifyInstance, deps: Deps): void {
  const { service } = deps;
  f.post(
    '',
    {
      config: {
        sim: {
          api: 'vcenter',
          // Fault rules see the vAPI operation invoked, by the REST routes' operation ids (`job.create`, …).
          operation: rpcOperation,
          operations: RPC_OPERATION_IDS,
          // Every answer is HTTP 200: a create succeeded when its answer has `result.output` (not `result.error`), so
          // a refused create does not use up a create-only rule (outcome, duration).
          succeeded: (_req, status, payload) => status === 200 && answeredOutput(payload),
          subject: (req) => {
            const input = untype((req.body as { params?: Invoke } | undefined)?.params?.input) as
              | { piece?: { location?: unknown } }
              | undefined;
            const loc = input?.piece?.location;
            return typeof loc === 'string' ? loc : subject(req);
          },
        },
      },
      // Hidden from the OpenAPI documents: JSON-RPC is not REST, and /api is outside the documents' /api/ prefix.
      schema: {
        hide: true,
        tags: ['vCenter appliance restore'],
        summary: 'vAPI JSON-RPC 2.0 endpoint used by the vSphere Automation SDKs',
      },
      errorHandler: rpcErrorHandler(deps.config.bodyLimit),
    },
    async (req, reply) => {
      const body = req.body as { jsonrpc?: string; method?: string; id?: Json; params?: Invoke } | undefined;
      reply.type('application/json');
      const id = idOf(req);
      const p =
        body && typeof body === 'object' && body.params && typeof body.params === 'object' ? body.params : undefined;
      const answer = (result: unknown) => reply.code(200).send(JSON.stringify({ jsonrpc: '2.0', id, result }));
      if (!p || body!.jsonrpc !== '2.0' || body!.method !== 'invoke' || !validId(body!.id)) {
        const error = { code: -32600, message: 'Invalid Request' };
        return reply.code(200).send(JSON.stringify({ jsonrpc: '2.0', id, error }));
      }
      try {
        return answer({ output: invoke(p, req) });
      } catch (err) {
        return answer({ error: errorValue(vapiOf(err, req, deps.config.bodyLimit)) });
      }
    },
  );

  /** The output of one vAPI operation (throws its vAPI error). */
  function invoke(p: Invoke, req: FastifyRequest): Json {
    const now = req.simNow!;
    const ctx = p.ctx && typeof p.ctx === 'object' ? p.ctx : {};
    const sec = (ctx.securityCtx && typeof ctx.securityCtx === 'object' ? ctx.securityCtx : {}) as SecurityCtx;
    const [userName, password] = [str(sec.userName), str(sec.password)];
    const credential: Credential = {
      // Only a string session id names one.
      sessionId: str(sec.sessionId) ?? str(req.headers['vmware-api-session-id']),
      basic: userName !== undefined && password !== undefined ? { username: userName, password } : undefined,
    };
    const user = (): string => {
      const who = service.authenticate(credential, 'any', now);
      if (!who) throw unauthenticated();
      return who.user;
    };
    // `{"STRUCTURE":{"operation-input":{…}}}` untypes to the operation's parameters.
    const input = (untype(p.input) as Record<string, Json> | undefined) ?? {};
    switch (`${String(p.serviceId)}.${String(p.operationId)}`) {
      case 'com.vmware.cis.session.create': {
        const sid = service.login(credential.basic, now);
        if (!sid) throw unauthenticated();
        return { SECRET: sid };
      }
      case 'com.vmware.cis.session.get':
      case 'com.vmware.cis.session.delete': {
        // Both need a session (not user/password): the session they read or end.
        const session = service.authenticate(credential, 'session', now)?.session;
        if (!session) throw unauthenticated();
        if (p.operationId === 'get') return struct('com.vmware.cis.session.info', sessionInfo(session));
        service.logout(session.id);
        return null;
      }
      case `${R}.validate`:
        user();
        return metadata(service.validate(readRestoreRequest(input.piece, 'validate')));
      case `${R}.job.create`:
        user();
        return jobStatus(service.createJob(readRestoreRequest(input.piece, 'job'), req.simEffects ?? {}, now));
      case `${R}.job.get`:
        user();
        return jobStatus(service.getJob(now));
      case `${R}.job.cancel`:
        return returnResult(service.cancelJob(user(), now));
      default: {
        const [op, svc] = [String(p.operationId), String(p.serviceId)];
        const text = `Operation '${op}' not found in service '${svc}'`;
        throw vapiError('operation_not_found', 'vapi.method.input.invalid.interface', text, [op, svc]);
      }
    }
  }
}
