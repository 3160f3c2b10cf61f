// HTTP for the vCenter appliance restore API: the legacy `/rest` generation (bodies `{"piece": …}`, results
// `{"value": …}`, JSON or 6.5-style XML) and the `/api` generation (bare bodies, JSON), each with its own parsers,
// error handler and not-found handler so that every answer under those paths is in that generation's vAPI dialect.
import type { FastifyError, FastifyInstance, FastifySchema, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { InjectedFault } from '../core/rules.js';
import type { Config } from '../config.js';
import { VapiError, apiErrorBody, msg, restErrorBody, typeOfStatus, unauthenticated, vapiError } from './errors.js';
import { NS_ERRORS, NS_JOB, NS_RESTORE, NS_SESSION, parseXml, toXml } from './xml.js';
import { readRestoreRequest, sessionInfo, type Session, type VcenterEngine } from './engine.js';
import { jsonRpcRoute } from './jsonrpc.js';
import { ROUTES, SHARED_SCHEMAS, type RouteDoc } from './schemas.js';

export type Generation = 'rest' | 'api';
type Rep = 'json' | 'xml';

interface Ctx {
  rep?: Rep;
  /** Root element name of an XML request body. */
  xmlRoot?: string;
  user?: string;
  sessionId?: string;
  session?: Session;
}
const ctxs = new WeakMap<FastifyRequest, Ctx>();
const ctx = (req: FastifyRequest): Ctx => {
  let c = ctxs.get(req);
  if (!c) ctxs.set(req, (c = {}));
  return c;
};

const SESSION_HEADER = 'vmware-api-session-id';

// ---- content negotiation ---------------------------------------------------------------------------------------

const isXmlType = (ct: string | undefined) => !!ct && /^(application|text)\/xml\b/i.test(ct.trim());

/** The representation `Accept` asks for; null when nothing we produce is acceptable (406). */
export function negotiate(accept: string | undefined, gen: Generation, contentType: string | undefined): Rep | null {
  const fallback: Rep = gen === 'rest' && isXmlType(contentType) ? 'xml' : 'json';
  if (!accept || accept.trim() === '') return fallback;
  let best: Rep | null = null;
  let bestQ = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    let cand: Rep | null = null;
    switch (type?.trim()) {
      case '*/*': cand = fallback; break;
      case 'application/json': case 'application/*': cand = 'json'; break;
      case 'application/xml': case 'text/xml': case 'text/*': cand = gen === 'rest' ? 'xml' : null; break;
    }
    if (cand && q > bestQ) {
      best = cand;
      bestQ = q;
    }
  }
  return best;
}

// ---- auth ------------------------------------------------------------------------------------------------------

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The session id from a raw Cookie header (tolerates attributes such as `;Path=/rest;Secure;HttpOnly`). */
export function cookieSession(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k?.trim().toLowerCase() === SESSION_HEADER) return v.join('=').trim().replace(/^"(.*)"$/, '$1') || undefined;
  }
  return undefined;
}

export function parseBasic(auth: string | undefined): { username: string; password: string } | undefined {
  const m = /^\s*basic\s+(\S+)\s*$/i.exec(auth ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return undefined;
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

// ---- rendering -------------------------------------------------------------------------------------------------

function send(reply: FastifyReply, req: FastifyRequest, status: number, body: unknown, xml?: { root: string; ns: string }): FastifyReply {
  reply.code(status);
  if (ctx(req).rep === 'xml' && xml) return reply.type('application/xml').send(toXml(xml.root, xml.ns, body as Record<string, unknown>));
  return reply.type('application/json').send(JSON.stringify(body));
}

function toVapiError(err: unknown, config: Config): VapiError {
  if (err instanceof VapiError) return err;
  if (err instanceof InjectedFault) {
    const type = err.vendorError ?? typeOfStatus(err.statusCode);
    return new VapiError(type, [msg(`com.vmware.vapi.std.errors.${type}`, err.message)], err.statusCode);
  }
  const e = err as FastifyError & { statusCode?: number; validation?: unknown };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return vapiError('invalid_request', 'com.vmware.vapi.rest.requestEntityTooLarge', `The request body is larger than ${config.bodyLimit} bytes`, [config.bodyLimit], 413);
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return vapiError('invalid_request', 'com.vmware.vapi.rest.unsupportedMediaType', 'Unsupported Content-Type: use application/json', [], 415);
  if (e.code === 'RESTORESIM_BAD_JSON')
    return vapiError('invalid_request', 'com.vmware.vapi.rest.badRequest.json', `Invalid JSON in request body: ${e.message.replace(/^Malformed JSON in request body: /, '')}`);
  if (e.validation) return vapiError('invalid_argument', 'com.vmware.vapi.rest.badRequest', e.message);
  const status = e.statusCode ?? 500;
  if (status >= 400 && status < 500) return vapiError('invalid_request', 'com.vmware.vapi.rest.badRequest', e.message, [], status);
  return vapiError('error', 'com.vmware.vapi.rest.internalServerError', 'Internal server error');
}

function renderError(gen: Generation, config: Config) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const v = toVapiError(err, config);
    if (v.status >= 500 && !(err instanceof VapiError) && !(err instanceof InjectedFault)) req.log.error({ err }, 'vcenter: unexpected error');
    const c = ctx(req);
    if (!c.rep) c.rep = negotiate(header(req, 'accept'), gen, header(req, 'content-type')) ?? 'json';
    reply.code(v.status);
    if (v.type === 'unauthenticated') reply.header('www-authenticate', 'Basic realm="VAPI endpoint"');
    if (gen === 'api') return reply.type('application/json').send(JSON.stringify(apiErrorBody(v)));
    if (c.rep === 'xml') return reply.type('application/xml').send(toXml('Error', NS_ERRORS, restErrorBody(v)));
    return reply.type('application/json').send(JSON.stringify(restErrorBody(v)));
  };
}

// ---- the plugin ------------------------------------------------------------------------------------------------

const TAG = 'vCenter appliance restore';
const ACTION = 'vcenterAction';

/** `action` (or `~action`) from the query string of /api and /rest requests; undefined elsewhere. */
function actionOf(url: string | undefined): string | undefined {
  if (!url || !(url.startsWith('/api') || url.startsWith('/rest'))) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const params = new URLSearchParams(url.slice(q + 1));
  return params.get('action') ?? params.get('~action') ?? undefined;
}

const actionStrategy = {
  name: ACTION,
  storage() {
    const handlers = new Map<string, unknown>();
    return { get: (k: string) => (handlers.get(k) ?? null) as never, set: (k: string, v: unknown) => void handlers.set(k, v) };
  },
  deriveConstraint: (req: { url?: string }) => actionOf(req.url) as string,
  mustMatchWhenDerived: false,
  validate(value: unknown) {
    if (typeof value !== 'string') throw new Error('vcenterAction constraint must be a string');
  },
};

export function vcenterPlugin(engine: VcenterEngine, config: Config): FastifyPluginAsync {
  /** The live session named by the `vmware-api-session-id` header or cookie (recorded on the request). */
  const liveSession = (req: FastifyRequest): Session | undefined => {
    const sid = header(req, SESSION_HEADER)?.trim() || cookieSession(header(req, 'cookie'));
    const s = sid ? engine.session(sid) : undefined;
    if (s) Object.assign(ctx(req), { user: s.user, sessionId: s.id, session: s });
    return s;
  };

  /** A session, or Basic credentials on the call itself. */
  const authenticate = async (req: FastifyRequest) => {
    const c = ctx(req);
    if (liveSession(req)) return;
    const basic = parseBasic(header(req, 'authorization'));
    const user = basic && engine.checkPassword(basic.username, basic.password);
    if (user) {
      c.user = user;
      return;
    }
    throw unauthenticated();
  };

  const requireSession = async (req: FastifyRequest) => {
    if (!liveSession(req)) throw unauthenticated();
  };

  const basicLogin = (req: FastifyRequest): string => {
    const basic = parseBasic(header(req, 'authorization'));
    const user = basic && engine.checkPassword(basic.username, basic.password);
    if (!user) throw unauthenticated();
    return user;
  };

  const subject = (req: FastifyRequest): string | undefined => {
    const b = req.body as { piece?: { location?: unknown }; location?: unknown } | undefined;
    const loc = b?.piece?.location ?? b?.location;
    return typeof loc === 'string' ? loc : undefined;
  };

  /**
   * Route options: the fault-rule operation id, the action constraint, and the schema (schemas.ts `ROUTES`, by
   * generation and `doc` key, default the operation id). An operation told apart from another on the same method
   * and path by its action is documented under the path with its query (`…/job?action=cancel`), as VMware's own
   * specs do, since one OpenAPI path holds one operation per method.
   */
  const opts = (
    operation: string,
    summary: string,
    extra: { auth?: 'any' | 'session' | 'none'; gen: Generation; action?: string; doc?: string; docQuery?: string },
  ): RouteShorthandOptions => {
    const doc = (ROUTES[extra.gen] as Record<string, RouteDoc>)[extra.doc ?? operation];
    if (!doc) throw new Error(`vcenter: no schema for ${extra.gen} ${extra.doc ?? operation}`);
    return {
      config: {
        sim: { api: 'vcenter', operation, subject },
        ...(extra.docQuery ? { swaggerTransform: ({ schema, url }: { schema: FastifySchema; url: string }) => ({ schema, url: `${url}?${extra.docQuery}` }) } : {}),
      },
      ...(extra.action ? { constraints: { [ACTION]: extra.action } } : {}),
      schema: {
        tags: [TAG],
        summary: `${summary} (${extra.gen === 'rest' ? 'legacy /rest' : '/api'})`,
        security: extra.auth === 'none' ? [{ basicAuth: [] }] : [{ vmwareSession: [] }, { basicAuth: [] }],
        ...(doc.querystring ? { querystring: doc.querystring } : {}),
        ...(doc.body ? { body: doc.body } : {}),
        response: doc.response,
      },
      onRequest: extra.auth === 'session' ? [requireSession] : extra.auth === 'none' ? [] : [authenticate],
    };
  };

  /** Reads the operation's RestoreRequest from a /rest body (`{"piece": …}` or `<ns0:{Op}-Input><piece>`) or an /api body. */
  const restoreRequest = (req: FastifyRequest, gen: Generation, kind: 'job' | 'validate') => {
    const c = ctx(req);
    const expectedRoot = kind === 'job' ? 'Create-Input' : 'Validate-Input';
    if (c.xmlRoot !== undefined && c.xmlRoot !== expectedRoot)
      throw vapiError('invalid_argument', 'com.vmware.vapi.rest.badRequest.xml', `The XML request body must be rooted at <ns0:${expectedRoot}>, not <${c.xmlRoot}>`, [expectedRoot, c.xmlRoot]);
    const body = req.body as Record<string, unknown> | undefined;
    if (gen === 'rest') {
      if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body)))
        throw vapiError('invalid_argument', 'vapi.data.structure.invalid', "Expected structure 'operation-input'", ['operation-input']);
      return readRestoreRequest(body?.piece, kind, { xml: c.xmlRoot !== undefined, operationInput: body });
    }
    return readRestoreRequest(body, kind);
  };

  const common = (gen: Generation) => async (f: FastifyInstance) => {
    // The route schemas (schemas.ts) document the API; they do not validate it. Fastify's validation would coerce
    // values (`"true"` → true), refuse XML bodies and answer its own messages, where the vAPI answers are
    // `readRestoreRequest`'s (missing field, type mismatch, unexpected_input, …, built on the same schemas). So
    // every schema of these routes compiles to a pass-through: request bodies and query strings reach the handlers
    // as parsed.
    f.setValidatorCompiler(() => (data: unknown) => ({ value: data }));
    f.setErrorHandler(renderError(gen, config));
    f.setNotFoundHandler(async (req) => {
      throw vapiError('not_found', 'com.vmware.vapi.rest.httpNotFound', `No matching method available for the requested URL and HTTP method: ${req.method} ${req.url.split('?')[0]}`, [req.method, req.url.split('?')[0]]);
    });
    // Representation first: a request whose Accept we cannot satisfy gets 406 before anything else.
    f.addHook('onRequest', async (req) => {
      const rep = negotiate(header(req, 'accept'), gen, header(req, 'content-type'));
      if (!rep) {
        ctx(req).rep = 'json';
        throw vapiError('invalid_request', 'com.vmware.vapi.rest.notAcceptable', `Cannot produce a representation acceptable to Accept: ${header(req, 'accept')}; use application/json${gen === 'rest' ? ' or application/xml' : ''}`, [header(req, 'accept') ?? ''], 406);
      }
      ctx(req).rep = rep;
    });
    // Any other content type (text/plain included): an empty body is no body; anything else is 415.
    f.removeContentTypeParser('text/plain');
    f.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
      if ((body as string).trim() === '') return done(null, undefined);
      done(
        vapiError('invalid_request', 'com.vmware.vapi.rest.unsupportedMediaType', `Unsupported Content-Type: use application/json${gen === 'rest' ? ', application/xml or text/xml' : ''}`, [], 415),
        undefined,
      );
    });
  };

  return async (fastify) => {
    // Operations told apart by `?action=` (/api) or `?~action=` (/rest generic mapping) are separate routes, so each
    // has its own operation id for fault rules: a router constraint on the action query parameter.
    if (!fastify.hasConstraintStrategy(ACTION)) fastify.addConstraintStrategy(actionStrategy);
    // The shared structures the route schemas `$ref` (one definition each; components of the OpenAPI document).
    for (const schema of SHARED_SCHEMAS) fastify.addSchema(schema);
    // ---- legacy /rest ----
    await fastify.register(
      async (f) => {
        await common('rest')(f);
        f.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (req, body, done) => {
          const text = body as string;
          if (text.trim() === '') return done(null, undefined);
          try {
            const x = parseXml(text);
            ctx(req).xmlRoot = x.root;
            done(null, x.body);
          } catch (err) {
            done(err as Error, undefined);
          }
        });

        // `?~action=` of the generic vAPI mapping; an action a service does not have is operation_not_found.
        const action = (req: FastifyRequest) => (req.query as Record<string, string | undefined>)['~action'];
        const noOp = (req: FastifyRequest, service: string) => {
          throw vapiError('operation_not_found', 'com.vmware.vapi.rest.operationNotFound', `Operation '${action(req) ?? ''}' not found in service '${service}'`, [action(req) ?? '', service]);
        };

        f.post('/com/vmware/cis/session', opts('session.get', 'Read the current session (?~action=get)', { auth: 'session', gen: 'rest', action: 'get', docQuery: '~action=get' }), async (req, reply) =>
          send(reply, req, 200, { value: sessionInfo(ctx(req).session!) }, { root: 'Get-Result', ns: NS_SESSION }),
        );
        f.post('/com/vmware/cis/session', opts('session.create', 'Create a session (Basic)', { auth: 'none', gen: 'rest' }), async (req, reply) => {
          const a = action(req);
          if (a !== undefined && a !== '') return noOp(req, 'com.vmware.cis.session');
          const id = engine.createSession(basicLogin(req));
          if (req.headers['vmware-use-header-authn'] === undefined) reply.header('set-cookie', `${SESSION_HEADER}=${id};Path=/rest;Secure;HttpOnly`);
          return send(reply, req, 200, { value: id }, { root: 'Create-Result', ns: NS_SESSION });
        });
        f.delete('/com/vmware/cis/session', opts('session.delete', 'Delete the session', { auth: 'session', gen: 'rest' }), async (req, reply) => {
          engine.deleteSession(ctx(req).sessionId!);
          return reply.code(200).send();
        });

        const validate = async (req: FastifyRequest, reply: FastifyReply) => {
          const meta = engine.validate(restoreRequest(req, 'rest', 'validate'));
          return send(reply, req, 200, { value: meta }, { root: 'Validate-Result', ns: NS_RESTORE });
        };
        const create = async (req: FastifyRequest, reply: FastifyReply) => {
          const status = engine.create(restoreRequest(req, 'rest', 'job'), req.simEffects ?? {});
          return send(reply, req, 200, { value: status }, { root: 'Create-Result', ns: NS_JOB });
        };
        const get = async (req: FastifyRequest, reply: FastifyReply) =>
          send(reply, req, 200, { value: engine.get() }, { root: 'Get-Result', ns: NS_JOB });
        const cancel = async (req: FastifyRequest, reply: FastifyReply) =>
          send(reply, req, 200, { value: engine.cancel(ctx(req).user!) }, { root: 'Cancel-Result', ns: NS_JOB });

        f.post('/appliance/recovery/restore/validate', opts('restore.validate', 'Get metadata before restore', { gen: 'rest' }), validate);
        f.post('/appliance/recovery/restore/job', opts('job.create', 'Initiate restore', { gen: 'rest' }), create);
        f.get('/appliance/recovery/restore/job', opts('job.get', 'See restore job progress/result', { gen: 'rest' }), get);
        f.post('/appliance/recovery/restore/job/cancel', opts('job.cancel', 'Cancel the restore job', { gen: 'rest' }), cancel);

        // The generic vAPI mapping of the same operations (`/rest/com/vmware/<service>?~action=<op>`), accepted too.
        f.post('/com/vmware/appliance/recovery/restore', opts('restore.validate', 'Get metadata before restore (generic mapping, ?~action=validate)', { gen: 'rest', action: 'validate', doc: 'restore.validate.generic' }), validate);
        f.post('/com/vmware/appliance/recovery/restore/job', opts('job.cancel', 'Cancel the restore job (generic mapping, ?~action=cancel)', { gen: 'rest', action: 'cancel', doc: 'job.cancel.generic', docQuery: '~action=cancel' }), cancel);
        f.post('/com/vmware/appliance/recovery/restore/job', opts('job.create', 'Initiate restore (generic mapping)', { gen: 'rest', doc: 'job.create.generic' }), async (req, reply) => {
          const a = action(req);
          if (a !== undefined && a !== '') return noOp(req, 'com.vmware.appliance.recovery.restore.job');
          return create(req, reply);
        });
        f.get('/com/vmware/appliance/recovery/restore/job', opts('job.get', 'See restore job progress/result (generic mapping)', { gen: 'rest' }), get);
      },
      { prefix: '/rest' },
    );

    // ---- /api ----
    await fastify.register(
      async (f) => {
        await common('api')(f);
        const query = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
        const noOp = (req: FastifyRequest) => {
          throw vapiError('not_found', 'com.vmware.vapi.rest.httpNotFound', `No matching method available for the requested URL and HTTP method: ${req.method} ${req.url}`, [req.method, req.url]);
        };

        f.post('/session', opts('session.create', 'Create a session (Basic)', { auth: 'none', gen: 'api' }), async (req, reply) => {
          const id = engine.createSession(basicLogin(req));
          return send(reply, req, 201, id);
        });
        f.get('/session', opts('session.get', 'Read the current session', { auth: 'session', gen: 'api' }), async (req, reply) =>
          send(reply, req, 200, sessionInfo(ctx(req).session!)),
        );
        f.delete('/session', opts('session.delete', 'Delete the session', { auth: 'session', gen: 'api' }), async (req, reply) => {
          engine.deleteSession(ctx(req).sessionId!);
          return reply.code(204).send();
        });
        f.post('/appliance/recovery/restore', opts('restore.validate', 'Get metadata before restore (?action=validate)', { gen: 'api', action: 'validate' }), async (req, reply) =>
          send(reply, req, 200, engine.validate(restoreRequest(req, 'api', 'validate'))),
        );
        f.post('/appliance/recovery/restore/job', opts('job.cancel', 'Cancel the restore job (?action=cancel)', { gen: 'api', action: 'cancel', docQuery: 'action=cancel' }), async (req, reply) =>
          send(reply, req, 200, engine.cancel(ctx(req).user!)),
        );
        f.post('/appliance/recovery/restore/job', opts('job.create', 'Initiate restore', { gen: 'api' }), async (req, reply) => {
          if (query(req).action !== undefined) return noOp(req);
          return send(reply, req, 201, engine.create(restoreRequest(req, 'api', 'job'), req.simEffects ?? {}));
        });
        f.get('/appliance/recovery/restore/job', opts('job.get', 'See restore job progress/result', { gen: 'api' }), async (req, reply) => send(reply, req, 200, engine.get()));

        jsonRpcRoute(f, engine, subject, (err) => toVapiError(err, config));
      },
      { prefix: '/api' },
    );
  };
}
