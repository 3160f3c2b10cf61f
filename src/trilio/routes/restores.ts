// The restore routes: list (summary and detail, R1, R2, R9, R10), show (R3, R11), delete (R4, R12), cancel (R5).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import { MSG, Refusal, TrilioFault } from '../errors.js';
import { snapshotStatus } from '../lifecycle.js';
import * as S from '../schemas.js';
import { restoreDetail, restoreShow, restoreSummary } from '../views.js';
import { caller, type RouteDeps, route, send, simNow, viewContext } from './context.js';

/** The vendor's osapi_max_limit: the largest page, and the page of `limit` 0 or absent. */
const MAX_LIMIT = 1000;

type ListParams = { project_id: string; snapshot_id?: string };
type RestoreParams = Static<typeof S.RestoreParams>;

export function restoreRoutes(v1: FastifyInstance, deps: RouteDeps): void {
  const { repo, service } = deps;
  const subject = (request: FastifyRequest) => repo.restoreName((request.params as RestoreParams).restore_id);

  const list = (detail: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const who = caller(request);
    const params = request.params as ListParams;
    const query = request.query as S.RestoreListQuery;
    // Validated (schemas.ts): integers, not negative. As the vendor's `limited`: 0 or more than the maximum is it.
    const offset = query.offset === undefined ? 0 : Number.parseInt(query.offset, 10) || 0;
    const asked = query.limit === undefined ? 0 : Number.parseInt(query.limit, 10);
    const limit = Math.min(MAX_LIMIT, asked || MAX_LIMIT);
    const snapshotId = params.snapshot_id ?? (query.snapshot_id || undefined);
    if (snapshotId !== undefined) {
      const snapshot = repo.snapshot(snapshotId);
      if (!snapshot || (!who.admin && snapshot.project_id !== who.project)) {
        throw new Refusal('notFound', MSG.snapshotNotFound(snapshotId));
      }
    }
    const marker = query.marker || undefined;
    const filter = { project: who.admin ? undefined : who.project, snapshot: snapshotId };
    const rows = repo.restorePage(filter, { marker, offset, limit });
    if (!rows) throw new TrilioFault(400, MSG.markerNotFound(marker!));
    // As the vendor: page first, then drop test restores (a page can come out shorter than the limit).
    const page = rows.filter((r) => r.restore_type !== 'test');
    const vc = viewContext(request, deps);
    const body: Record<string, unknown> = {
      restores: page.map((r) => (detail ? restoreDetail(vc, r) : restoreSummary(vc, r))),
    };
    if (query.limit !== undefined && page.length === limit && page.length > 0) {
      // The marker alone says where the next page starts: an offset kept beside it would skip rows again. A snapshot
      // given in the path (R9/R10) becomes a query filter, as the link points at the project's restores.
      const search = new URLSearchParams(
        request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '',
      );
      search.delete('offset');
      if (params.snapshot_id !== undefined) search.set('snapshot_id', params.snapshot_id);
      search.set('marker', page[page.length - 1]!.id);
      body.restores_links = [{ rel: 'next', href: `${vc.base}/v1/${who.project}/restores?${search.toString()}` }];
    }
    return send(request, reply, 200, body);
  };
  const listSchema = (
    detail: boolean,
    params: TSchema = S.ProjectParams,
    querystring: TSchema = S.RestoreListQuery,
  ) => ({
    params,
    querystring,
    response: S.responses({ 200: detail ? S.RestoreDetailList : S.RestoreSummaryList }),
  });
  const LIST = 'List restores (summary view: id, status, restore_type, snapshot_id, links, name, description, host)';
  const DETAIL =
    'List restores with details (?snapshot_id, ?limit, ?offset, ?marker; restores_links when a page is full)';
  const underSnapshot = '/:project_id/workloads/:workload_id/snapshots/:snapshot_id/restores';
  const bySnapshot = [S.WorkloadSnapshotParams, S.SnapshotRestoreListQuery] as const;
  v1.get('/:project_id/restores', route('restores.list', LIST, listSchema(false)), list(false));
  v1.get('/:project_id/restores/detail', route('restores.detail', DETAIL, listSchema(true)), list(true));
  v1.get(underSnapshot, route('restores.list', LIST, listSchema(false, ...bySnapshot)), list(false));
  v1.get(`${underSnapshot}/detail`, route('restores.detail', DETAIL, listSchema(true, ...bySnapshot)), list(true));

  const show = async (request: FastifyRequest, reply: FastifyReply) => {
    const r = service.own(caller(request).project, (request.params as RestoreParams).restore_id);
    if (!r) throw new TrilioFault(404, MSG.notFound);
    const snapshot = repo.snapshot(r.snapshot_id);
    const restoring = snapshot !== undefined && repo.hasActiveRestore('snapshot_id', snapshot.id);
    const details = snapshot ? { snapshot, status: snapshotStatus(snapshot, restoring) } : null;
    return send(request, reply, 200, { restore: restoreShow(viewContext(request, deps), r, details) });
  };
  const remove = async (request: FastifyRequest, reply: FastifyReply) => {
    service.remove(caller(request).project, (request.params as RestoreParams).restore_id, simNow(request));
    return send(request, reply, 200, null);
  };
  const SHOW = 'Show a restore (detail view plus snapshot_details, workload_id, instances, networks, subnets, routers)';
  const DELETE = 'Delete a finished restore (200, empty body; 400 while it runs)';
  const showSchema = (params: TSchema = S.RestoreParams) => ({
    params,
    response: S.responses({ 200: S.RestoreEnvelope }),
  });
  const deleteSchema = (params: TSchema = S.RestoreParams) => ({
    params,
    response: S.responses({ 200: S.Empty }, [413, 415]),
  });
  const oneUnderSnapshot = `${underSnapshot}/:restore_id`;
  const underParams = S.WorkloadSnapshotRestoreParams;
  v1.get('/:project_id/restores/:restore_id', route('restores.get', SHOW, showSchema(), subject), show);
  v1.get(oneUnderSnapshot, route('restores.get', SHOW, showSchema(underParams), subject), show);
  v1.delete('/:project_id/restores/:restore_id', route('restores.delete', DELETE, deleteSchema(), subject), remove);
  v1.delete(oneUnderSnapshot, route('restores.delete', DELETE, deleteSchema(underParams), subject), remove);

  const CANCEL = 'Cancel a running restore (a GET; 200, empty body; a no-op once finished)';
  const cancelSchema = { params: S.RestoreParams, response: S.responses({ 200: S.Empty }) };
  v1.get(
    '/:project_id/restores/:restore_id/cancel',
    route('restores.cancel', CANCEL, cancelSchema, subject),
    async (request, reply) => {
      service.cancel(caller(request).project, (request.params as RestoreParams).restore_id, simNow(request));
      return send(request, reply, 200, null);
    },
  );
}
