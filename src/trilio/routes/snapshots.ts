// The snapshot reads: list (?workload_id, ?status, ?host, ?all for admins) and show, each with its derived status.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { MSG, TrilioFault } from '../errors.js';
import { snapshotStatus } from '../lifecycle.js';
import * as S from '../schemas.js';
import { snapshotDetail, snapshotSummary } from '../views.js';
import { caller, newestFirst, type RouteDeps, route, send, truthy, viewContext } from './context.js';

export function snapshotRoutes(v1: FastifyInstance, deps: RouteDeps): void {
  const { repo } = deps;

  const LIST = 'List snapshots (?workload_id, ?status, ?host, ?all for admins)';
  const listSchema = {
    params: S.ProjectParams,
    querystring: S.SnapshotListQuery,
    response: S.responses({ 200: S.SnapshotList }),
  };
  v1.get('/:project_id/snapshots', route('snapshots.list', LIST, listSchema), async (request, reply) => {
    const who = caller(request);
    const query = request.query as Static<typeof S.SnapshotListQuery>;
    const { workload_id: workload, status, host } = query;
    const all = who.admin && truthy(query.all);
    // The derived statuses of every listed snapshot, in one query over the active restores.
    const restoring = repo.withActiveRestores('snapshot_id');
    const appliance = repo.config();
    const snapshots = newestFirst(repo.snapshots(all ? undefined : who.project))
      .filter((s) => (!workload || s.workload_id === workload) && (!host || (s.host ?? appliance.host) === host))
      .map((snapshot) => ({ snapshot, status: snapshotStatus(snapshot, restoring.has(snapshot.id)) }))
      .filter((s) => !status || s.status === status);
    const vc = viewContext(request, deps);
    return send(request, reply, 200, { snapshots: snapshots.map((s) => snapshotSummary(vc, s)) });
  });

  const show = async (request: FastifyRequest, reply: FastifyReply) => {
    const id = (request.params as Static<typeof S.SnapshotParams>).snapshot_id;
    const snapshot = repo.snapshot(id);
    if (!snapshot || snapshot.project_id !== caller(request).project) {
      throw new TrilioFault(404, MSG.snapshotNotFound(id));
    }
    const status = snapshotStatus(snapshot, repo.hasActiveRestore('snapshot_id', id));
    const detail = snapshotDetail(viewContext(request, deps), { snapshot, status }, repo.restoresInfo(id));
    return send(request, reply, 200, { snapshot: detail });
  };
  const SHOW = 'Show a snapshot (status restoring while a restore of it runs)';
  const showSchema = (params: typeof S.SnapshotParams | typeof S.WorkloadSnapshotParams) => ({
    params,
    response: S.responses({ 200: S.SnapshotEnvelope }),
  });
  v1.get('/:project_id/snapshots/:snapshot_id', route('snapshots.get', SHOW, showSchema(S.SnapshotParams)), show);
  const underWorkload = '/:project_id/workloads/:workload_id/snapshots/:snapshot_id';
  v1.get(underWorkload, route('snapshots.get', SHOW, showSchema(S.WorkloadSnapshotParams)), show);
}
