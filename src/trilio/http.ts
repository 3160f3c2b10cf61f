// The Trilio HTTP surface under /v1: auth and content negotiation, routes R1–R13 and the snapshot/workload reads,
// the fault envelope for every error (ours, Fastify's and injected ones), JSON or XML.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import { InjectedFault } from '../core/rules.js';
import { TERMINAL, isObj, type Obj, type RestoreKind, type SnapshotFx } from './model.js';
import type { TrilioState } from './state.js';
import * as S from './schemas.js';
import {
  restoreDetail, restoreSummary, snapshotDetail, snapshotSummary, toXml, workloadDetail, workloadSummary, type ViewCtx,
} from './views.js';

export interface TrilioContext {
  project: string;
  user: string;
  admin: boolean;
  known: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    trilio: TrilioContext | null;
  }
}

/** An error rendered as `{"<faultName>": {"code", "message"}}`. */
export class TrilioFault extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'TrilioFault';
  }
}

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 501: 'notImplemented', 503: 'serviceUnavailable',
};
export const faultName = (code: number) => FAULT_NAMES[code] ?? 'Error';
export const faultBody = (code: number, message: string) => ({ [faultName(code)]: { code, message } });

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
  serverError: 'The server has either erred or is incapable of performing the requested operation.',
};

/** `json`, `xml`, or null when nothing the client accepts is offered. */
export function negotiate(accept: string | undefined): 'json' | 'xml' | null {
  if (accept === undefined || accept.trim() === '') return 'json';
  const items = accept
    .split(',')
    .map((part, i) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
      return { type: (type ?? '').trim(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((x) => x.type !== '' && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const x of items) {
    if (x.type === 'application/json' || x.type === 'application/*' || x.type === '*/*') return 'json';
    if (x.type === 'application/xml' || x.type === 'text/xml') return 'xml';
  }
  return null;
}

function send(request: FastifyRequest, reply: FastifyReply, status: number, body: Obj | null): FastifyReply {
  reply.code(status).header('x-compute-request-id', request.id);
  // Buffers keep the Content-Type exactly as the vendor sends it (Fastify would append a charset to strings).
  if (body === null) return reply.header('content-type', 'application/json').send(Buffer.alloc(0));
  if (negotiate(request.headers.accept) === 'xml') return reply.header('content-type', 'application/xml').send(Buffer.from(toXml(body)));
  return reply.header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
}

const INT = /^\s*[+-]?\d+\s*$/;
const MAX_LIMIT = 1000;

/** The create body's envelope: `restore`, or `testbubble` (a test restore); undefined when neither is an object. */
function envelopeOf(body: unknown): { env: Obj; test: boolean } | undefined {
  if (!isObj(body)) return undefined;
  if (isObj(body.restore)) return { env: body.restore, test: false };
  if (isObj(body.testbubble)) return { env: body.testbubble, test: true };
  return undefined;
}

/** A new restore's name: the envelope's, else `restore`. */
function restoreNameOf(env: Obj | undefined): string {
  const name = env?.name;
  return typeof name === 'string' && name.trim() !== '' ? name : 'restore';
}

/** Newest first by `created_at` (the vendor's list order for snapshots and workloads). */
function newestFirst<T extends { created_at: string }>(rows: T[]): T[] {
  return rows.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
}

function last(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return v === undefined ? undefined : String(v);
}

function projectFromUrl(url: string): string | undefined {
  const seg = url.split('?')[0]!.split('/');
  return seg[1] === 'v1' && seg[2] ? decodeURIComponent(seg[2]) : undefined;
}

type P = { project_id: string; restore_id?: string; snapshot_id?: string; workload_id?: string };

export function registerRoutes(v1: FastifyInstance, deps: { sim: Clock; config: Config; state: TrilioState }): void {
  const { sim, config, state } = deps;

  /** A failed create precondition: the documented 2018 server answers 500 "Error"; `modern` answers 400/404. */
  const precondition = (kind: 'notFound' | 'bad', message: string) =>
    new TrilioFault(config.trilioErrors === 'legacy' ? 500 : kind === 'notFound' ? 404 : 400, message);

  /** The instant the request's state was settled at (app.ts preHandler): status and progress agree. */
  const nowOf = (request: FastifyRequest): number => request.simNow ?? sim.now();
  const viewCtx = (request: FastifyRequest): ViewCtx => ({
    base: (config.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`).replace(/\/+$/, ''),
    now: nowOf(request),
    state,
  });
  const ctxOf = (request: FastifyRequest): TrilioContext => request.trilio!;

  // ---- content parsers: JSON (the app's) only; an empty body of any type is no body --------------------------
  v1.removeContentTypeParser('text/plain');
  v1.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    if ((body as Buffer).length === 0) return done(null, undefined);
    done(new TrilioFault(415, MSG.badMediaType), undefined);
  });

  v1.decorateRequest('trilio', null);

  // ---- auth and negotiation ------------------------------------------------------------------------------------
  v1.addHook('onRequest', async (request, reply) => {
    reply.header('x-compute-request-id', request.id);
    const token = request.headers['x-auth-token'];
    if (typeof token !== 'string' || token.trim() === '') throw new TrilioFault(401, MSG.unauthorized);
    if (negotiate(request.headers.accept) === null) {
      throw new TrilioFault(406, `Unsupported Accept header "${request.headers.accept}": this API answers application/json or application/xml.`);
    }
    const urlProject = projectFromUrl(request.url) ?? '';
    const known = state.token(token);
    if (known) {
      if (urlProject !== '' && urlProject !== known.project_id) throw new TrilioFault(400, MSG.malformedUrl);
      request.trilio = { project: known.project_id, user: known.user_id, admin: known.admin === true, known: true };
    } else {
      // Unknown tokens are accepted (no Keystone here): the project comes from the URL, the user from the token.
      request.trilio = { project: urlProject, user: createHash('md5').update(token).digest('hex'), admin: false, known: false };
    }
  });

  // ---- errors -----------------------------------------------------------------------------------------------
  v1.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    let status: number;
    let message: string;
    if (error instanceof TrilioFault || error instanceof InjectedFault) {
      status = error.statusCode;
      message = error.message;
    } else if (error.code === 'RESTORESIM_BAD_JSON') {
      status = 400;
      message = MSG.badJson;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      message = MSG.tooLarge;
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      status = error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : 400;
      message = status === 415 ? MSG.badMediaType : MSG.badJson;
    } else if (error.validation) {
      status = 400;
      message = `Invalid request: ${error.message}`;
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      message = error.message;
    } else {
      request.log.error({ err: error }, 'trilio: unexpected error');
      status = 500;
      message = MSG.serverError;
    }
    return send(request, reply, status, faultBody(status, message));
  });

  v1.setNotFoundHandler(async () => {
    throw new TrilioFault(404, MSG.notFound);
  });

  const SUMMARIES: Record<string, [string, string]> = {
    'restores.list': ['Restores', 'List restores (summary view: id, status, restore_type, snapshot_id, links, name, description, host)'],
    'restores.detail': ['Restores', 'List restores with details (?snapshot_id, ?limit, ?offset, ?marker; restores_links when a page is full)'],
    'restores.get': ['Restores', 'Show a restore (detail view plus snapshot_details, workload_id, instances, networks, subnets, routers)'],
    'restores.delete': ['Restores', 'Delete a finished restore (200, empty body; 400 while it runs)'],
    'restores.cancel': ['Restores', 'Cancel a running restore (a GET; 200, empty body; a no-op once finished)'],
    'restores.create': ['Restores', 'Restore a snapshot: one-click, selective or in-place (202 with the detail view); ?test=1 for a test restore'],
    'snapshots.list': ['Snapshots', 'List snapshots (?workload_id, ?status, ?host, ?all for admins)'],
    'snapshots.get': ['Snapshots', 'Show a snapshot (status restoring while a restore of it runs)'],
    'workloads.list': ['Workloads', 'List workloads (?all_workloads for admins)'],
    'workloads.get': ['Workloads', 'Show a workload (status locked while a restore of it runs)'],
  };
  type RouteSchema = { params: TSchema; querystring?: TSchema; body?: TSchema; response: Record<string, TSchema> };
  const route = (operation: string, schema: RouteSchema, subject?: (r: FastifyRequest) => string | undefined): RouteShorthandOptions => ({
    config: { sim: { api: 'trilio', operation, subject } },
    schema: {
      tags: [`Trilio ${SUMMARIES[operation]![0]}`],
      summary: SUMMARIES[operation]![1],
      security: [{ keystoneToken: [] }],
      ...schema,
    },
  });

  // The schemas (schemas.ts) describe; they do not validate. The handlers check requests in the vendor's order with
  // the vendor's faults (legacy/modern create errors, `limit param must be an integer`, …), which Fastify's
  // validation would pre-empt with other statuses and messages: every schema compiles to a pass-through validator.
  // Answers are Buffers rendered by `send` (views' key order, Content-Type exactly application/json), which Fastify
  // never serialises: response schemas compile to a plain JSON.stringify that is never called.
  v1.setValidatorCompiler(() => (data: unknown) => ({ value: data }));
  // The shared structures the route schemas `$ref` (components of the OpenAPI document).
  for (const schema of S.SHARED_SCHEMAS) v1.addSchema(schema);
  v1.setSerializerCompiler(() => (data: unknown) => JSON.stringify(data));

  const listSchema = (detail: boolean, params: TSchema, querystring: TSchema): RouteSchema => ({
    params,
    querystring,
    response: S.responses({ 200: detail ? S.RestoreDetailList : S.RestoreSummaryList }),
  });
  const restoreSchema = (params: TSchema, ok: TSchema): RouteSchema => ({ params, response: S.responses({ 200: ok }) });
  const deleteSchema = (params: TSchema): RouteSchema => ({ params, response: S.responses({ 200: S.Empty }, [413, 415]) });
  const createSchema = (params: TSchema): RouteSchema => ({
    params,
    querystring: S.CreateQuery,
    body: S.CreateBody,
    response: S.responses({ 202: S.RestoreEnvelope }, [413, 415]),
  });
  const restoreSubject = (r: FastifyRequest) => {
    const id = (r.params as P).restore_id;
    return id ? state.restoreName(id) : undefined;
  };
  const createSubject = (r: FastifyRequest) => restoreNameOf(envelopeOf(r.body)?.env);

  /** A restore the caller may see by id: same project only (admins too, as the vendor's snapshot lookup is project-scoped). */
  const ownRestore = (request: FastifyRequest, id: string) => {
    const r = state.restore(id);
    return r && r.project_id === ctxOf(request).project ? r : undefined;
  };

  // ---- listing ----------------------------------------------------------------------------------------------
  const list = (request: FastifyRequest, reply: FastifyReply, detail: boolean) => {
    const ctx = ctxOf(request);
    const params = request.params as P;
    const q = request.query as Record<string, unknown>;
    const offRaw = last(q.offset);
    const limRaw = last(q.limit);
    if (offRaw !== undefined && !INT.test(offRaw)) throw new TrilioFault(400, 'offset param must be an integer');
    if (limRaw !== undefined && !INT.test(limRaw)) throw new TrilioFault(400, 'limit param must be an integer');
    const offset = offRaw === undefined ? 0 : parseInt(offRaw, 10);
    let limit = limRaw === undefined ? MAX_LIMIT : parseInt(limRaw, 10);
    if (limit < 0) throw new TrilioFault(400, 'limit param must be positive');
    if (offset < 0) throw new TrilioFault(400, 'offset param must be positive');
    limit = Math.min(MAX_LIMIT, limit || MAX_LIMIT);
    const snapshotId = params.snapshot_id ?? (last(q.snapshot_id) || undefined);
    if (snapshotId !== undefined) {
      const snap = state.snapshot(snapshotId);
      if (!snap || (!ctx.admin && snap.project_id !== ctx.project)) throw precondition('notFound', `Snapshot ${snapshotId} could not be found.`);
    }
    const marker = last(q.marker) || undefined;
    const rows = state.restorePage({ project: ctx.admin ? undefined : ctx.project, snapshot: snapshotId }, { marker, offset, limit });
    if (!rows) throw new TrilioFault(400, `marker [${marker}] not found`);
    // As the vendor: page first, then drop test restores (a page can come out shorter than the limit).
    const page = rows.filter((r) => r.restore_type !== 'test');
    const vc = viewCtx(request);
    const body: Obj = { restores: page.map((r) => (detail ? restoreDetail(vc, r) : restoreSummary(vc, r))) };
    if (limRaw !== undefined && page.length === limit && page.length > 0) {
      // The marker alone says where the next page starts: an offset kept beside it would skip rows again. A snapshot
      // given in the path (R9/R10) becomes a query filter, as the link points at the project's restores.
      const qs = new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '');
      qs.delete('offset');
      if (params.snapshot_id !== undefined) qs.set('snapshot_id', params.snapshot_id);
      qs.set('marker', page[page.length - 1]!.id);
      body.restores_links = [{ rel: 'next', href: `${vc.base}/v1/${ctx.project}/restores?${qs.toString()}` }];
    }
    return send(request, reply, 200, body);
  };

  v1.get('/:project_id/restores', route('restores.list', listSchema(false, S.ProjectParams, S.RestoreListQuery)), async (req, reply) => list(req, reply, false));
  v1.get('/:project_id/restores/detail', route('restores.detail', listSchema(true, S.ProjectParams, S.RestoreListQuery)), async (req, reply) => list(req, reply, true));
  v1.get('/:project_id/workloads/:workload_id/snapshots/:snapshot_id/restores', route('restores.list', listSchema(false, S.WorkloadSnapshotParams, S.SnapshotRestoreListQuery)), async (req, reply) => list(req, reply, false));
  v1.get('/:project_id/workloads/:workload_id/snapshots/:snapshot_id/restores/detail', route('restores.detail', listSchema(true, S.WorkloadSnapshotParams, S.SnapshotRestoreListQuery)), async (req, reply) => list(req, reply, true));

  // ---- show / delete / cancel -------------------------------------------------------------------------------
  const show = async (request: FastifyRequest, reply: FastifyReply) => {
    const r = ownRestore(request, (request.params as P).restore_id!);
    if (!r) throw new TrilioFault(404, MSG.notFound);
    return send(request, reply, 200, { restore: restoreDetail(viewCtx(request), r, { show: true }) });
  };
  const del = async (request: FastifyRequest, reply: FastifyReply) => {
    const r = ownRestore(request, (request.params as P).restore_id!);
    if (!r) throw new TrilioFault(404, MSG.notFound);
    if (!TERMINAL.has(r.status)) throw new TrilioFault(400, MSG.deleteRunning);
    state.softDelete(r, nowOf(request));
    return send(request, reply, 200, null);
  };
  v1.get('/:project_id/restores/:restore_id', route('restores.get', restoreSchema(S.RestoreParams, S.RestoreShowEnvelope), restoreSubject), show);
  v1.get('/:project_id/workloads/:workload_id/snapshots/:snapshot_id/restores/:restore_id', route('restores.get', restoreSchema(S.WorkloadSnapshotRestoreParams, S.RestoreShowEnvelope), restoreSubject), show);
  v1.delete('/:project_id/restores/:restore_id', route('restores.delete', deleteSchema(S.RestoreParams), restoreSubject), del);
  v1.delete('/:project_id/workloads/:workload_id/snapshots/:snapshot_id/restores/:restore_id', route('restores.delete', deleteSchema(S.WorkloadSnapshotRestoreParams), restoreSubject), del);

  v1.get('/:project_id/restores/:restore_id/cancel', route('restores.cancel', restoreSchema(S.RestoreParams, S.Empty), restoreSubject), async (request, reply) => {
    const id = (request.params as P).restore_id!;
    const r = ownRestore(request, id);
    if (!r) throw precondition('notFound', `Restore ${id} could not be found.`);
    if (!TERMINAL.has(r.status)) state.cancel(r, nowOf(request));
    return send(request, reply, 200, null);
  });

  // ---- create -----------------------------------------------------------------------------------------------
  const create = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = ctxOf(request);
    const snapshotId = (request.params as P).snapshot_id!;
    const q = request.query as Record<string, unknown>;
    let test = ['1', 'true', 'True'].includes(last(q.test) ?? '');
    const envelope = envelopeOf(request.body);
    if (!envelope) throw precondition('bad', config.trilioErrors === 'legacy' ? MSG.noRestoreKey : "The request body must hold a 'restore' object");
    const env = envelope.env;
    if (envelope.test) test = true;
    const name = restoreNameOf(env);
    const description = typeof env.description === 'string' && env.description !== '' ? env.description : 'no-description';
    let options: unknown = env.options;
    if (options === undefined || options === null || (isObj(options) && Object.keys(options).length === 0) || options === '') options = { type: 'openstack' };

    // 1. options (workloads/api.py::_validate_restore_options)
    const invalid = (detail: string) =>
      precondition('bad', config.trilioErrors === 'legacy' ? MSG.invalidOptions : `${MSG.invalidOptions} ${detail}`);
    if (!isObj(options)) throw invalid("'options' must be an object");
    if (options.type !== 'openstack') throw invalid("'type' must be 'openstack'");
    if (!isObj(options.openstack)) throw invalid("'openstack' key is missing");
    const kind = options.restore_type as RestoreKind;
    if (!['inplace', 'selective', 'oneclick'].includes(options.restore_type as string)) {
      throw invalid("'restore_type' must be one of inplace, selective, oneclick");
    }
    const asked = options.openstack.instances;
    if ((kind === 'inplace' || kind === 'selective') && asked === undefined) throw invalid(`'openstack.instances' is required for a ${kind} restore`);
    if ((kind === 'inplace' || kind === 'selective') && !Array.isArray(asked)) throw invalid("'openstack.instances' must be a list");

    // 2–5. snapshot exists, workload exists, snapshot available, workload available (vendor order)
    const snap = state.snapshot(snapshotId);
    if (!snap || snap.project_id !== ctx.project) throw precondition('notFound', `Snapshot ${snapshotId} could not be found.`);
    const wl = state.workload(snap.workload_id);
    if (!wl) throw precondition('notFound', `Workload ${snap.workload_id} could not be found.`);
    if (state.snapshotStatus(snap) !== 'available') throw precondition('bad', MSG.snapshotNotAvailable);
    if (state.workloadStatus(wl) !== 'available') throw precondition('bad', MSG.workloadNotAvailable);

    // What the worker will find (the failure happens asynchronously: the restore ends in `error`).
    const { failure, names } = workerCheck(kind, snap, (Array.isArray(asked) ? asked : []) as Obj[]);
    const now = nowOf(request);
    const plan = state.buildPlan({ kind, snapshot: snap, instanceNames: names, failure, effects: request.simEffects ?? {}, test });
    const r = state.newRestore({ project_id: ctx.project, user_id: ctx.user, snapshot: snap, name, description, test, options, kind, plan, now });
    return send(request, reply, 202, { restore: restoreDetail(viewCtx(request), r, { fresh: true }) });
  };

  const workerCheck = (kind: RestoreKind, snap: SnapshotFx, asked: Obj[]): { failure: string | null; names: string[] } => {
    const byId = new Map(snap.instances.map((i) => [i.id, i]));
    if (kind === 'oneclick') {
      const present = snap.instances.find((i) => state.server(i.id));
      return {
        failure: present ? `Original instance ${present.name} is still present. Please delete this instance and try again.` : null,
        names: snap.instances.map((i) => i.name),
      };
    }
    const included = asked.filter((a) => a.include !== false && typeof a.id === 'string');
    const names = included.map((a) => (kind === 'selective' && typeof a.name === 'string' && a.name ? a.name : (byId.get(a.id as string)?.name ?? (a.id as string))));
    if (kind === 'inplace') {
      for (const a of included) {
        if (!state.server(a.id as string)) return { failure: `instance '${a.id}' in nova is not found`, names };
        for (const d of Array.isArray(a.vdisks) ? (a.vdisks as Obj[]) : []) {
          if (d.restore_cinder_volume === false || typeof d.id !== 'string') continue;
          if (!state.volume(d.id)) return { failure: `'${d.id}' is not a valid cinder volume`, names };
        }
      }
    }
    return { failure: null, names };
  };

  v1.post('/:project_id/snapshots/:snapshot_id', route('restores.create', createSchema(S.SnapshotParams), createSubject), create);
  v1.post('/:project_id/workloads/:workload_id/snapshots/:snapshot_id', route('restores.create', createSchema(S.WorkloadSnapshotParams), createSubject), create);
  v1.post('/:project_id/workloads/:workload_id/snapshots/:snapshot_id/restores', route('restores.create', createSchema(S.WorkloadSnapshotParams), createSubject), create);

  // ---- snapshot and workload reads ----------------------------------------------------------------------------
  const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes'].includes(v.toLowerCase());
  v1.get('/:project_id/snapshots', route('snapshots.list', { params: S.ProjectParams, querystring: S.SnapshotListQuery, response: S.responses({ 200: S.SnapshotList }) }), async (request, reply) => {
    const ctx = ctxOf(request);
    const q = request.query as Record<string, unknown>;
    const all = ctx.admin && truthy(last(q.all));
    const wid = last(q.workload_id);
    const status = last(q.status);
    const host = last(q.host);
    const vc = viewCtx(request);
    const snaps = newestFirst(
      state
        .snapshots(all ? undefined : ctx.project)
        .filter((s) => (!wid || s.workload_id === wid) && (!host || (s.host ?? state.config().host) === host))
        .filter((s) => !status || state.snapshotStatus(s) === status),
    );
    return send(request, reply, 200, { snapshots: snaps.map((s) => snapshotSummary(vc, s)) });
  });
  const getSnapshot = async (request: FastifyRequest, reply: FastifyReply) => {
    const id = (request.params as P).snapshot_id!;
    const s = state.snapshot(id);
    if (!s || s.project_id !== ctxOf(request).project) throw new TrilioFault(404, `Snapshot ${id} could not be found.`);
    return send(request, reply, 200, { snapshot: snapshotDetail(viewCtx(request), s) });
  };
  v1.get('/:project_id/snapshots/:snapshot_id', route('snapshots.get', restoreSchema(S.SnapshotParams, S.SnapshotEnvelope)), getSnapshot);
  v1.get('/:project_id/workloads/:workload_id/snapshots/:snapshot_id', route('snapshots.get', restoreSchema(S.WorkloadSnapshotParams, S.SnapshotEnvelope)), getSnapshot);

  v1.get('/:project_id/workloads', route('workloads.list', { params: S.ProjectParams, querystring: S.WorkloadListQuery, response: S.responses({ 200: S.WorkloadList }) }), async (request, reply) => {
    const ctx = ctxOf(request);
    const all = ctx.admin && truthy(last((request.query as Record<string, unknown>).all_workloads));
    const vc = viewCtx(request);
    const wls = newestFirst(state.workloads(all ? undefined : ctx.project));
    return send(request, reply, 200, { workloads: wls.map((w) => workloadSummary(vc, w)) });
  });
  v1.get('/:project_id/workloads/:workload_id', route('workloads.get', restoreSchema(S.WorkloadParams, S.WorkloadEnvelope)), async (request, reply) => {
    const id = (request.params as P).workload_id!;
    const w = state.workload(id);
    if (!w || w.project_id !== ctxOf(request).project) throw new TrilioFault(404, `Workload ${id} could not be found.`);
    return send(request, reply, 200, { workload: workloadDetail(viewCtx(request), w) });
  });
}
