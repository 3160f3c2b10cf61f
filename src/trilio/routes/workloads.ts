// The workload reads: list (?all_workloads for admins) and show, each with its derived status.
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { MSG, TrilioFault } from '../errors.js';
import { snapshotStatus, workloadStatus } from '../lifecycle.js';
import * as S from '../schemas.js';
import { workloadDetail, workloadSummary } from '../views.js';
import { caller, newestFirst, type RouteDeps, route, send, truthy, viewContext } from './context.js';

export function workloadRoutes(v1: FastifyInstance, deps: RouteDeps): void {
  const { repo } = deps;

  const LIST = 'List workloads (?all_workloads for admins)';
  const listSchema = {
    params: S.ProjectParams,
    querystring: S.WorkloadListQuery,
    response: S.responses({ 200: S.WorkloadList }),
  };
  v1.get('/:project_id/workloads', route('workloads.list', LIST, listSchema), async (request, reply) => {
    const who = caller(request);
    const all = who.admin && truthy((request.query as Static<typeof S.WorkloadListQuery>).all_workloads);
    // The derived statuses of every listed workload, in one query over the active restores.
    const locked = repo.withActiveRestores('workload_id');
    const vc = viewContext(request, deps);
    const workloads = newestFirst(repo.workloads(all ? undefined : who.project)).map((workload) =>
      workloadSummary(vc, { workload, status: workloadStatus(workload, locked.has(workload.id)) }),
    );
    return send(request, reply, 200, { workloads });
  });

  const SHOW = 'Show a workload (status locked while a restore of it runs)';
  const showSchema = { params: S.WorkloadParams, response: S.responses({ 200: S.WorkloadEnvelope }) };
  v1.get('/:project_id/workloads/:workload_id', route('workloads.get', SHOW, showSchema), async (request, reply) => {
    const id = (request.params as Static<typeof S.WorkloadParams>).workload_id;
    const workload = repo.workload(id);
    if (!workload || workload.project_id !== caller(request).project) {
      throw new TrilioFault(404, MSG.workloadNotFound(id));
    }
    const status = workloadStatus(workload, repo.hasActiveRestore('workload_id', id));
    const restoring = repo.withActiveRestores('snapshot_id');
    const snapshots = repo.snapshots(workload.project_id).filter((s) => s.workload_id === id);
    const available = snapshots.filter((s) => snapshotStatus(s, restoring.has(s.id)) === 'available').length;
    const detail = workloadDetail(
      viewContext(request, deps),
      { workload, status },
      { total: snapshots.length, available },
    );
    return send(request, reply, 200, { workload: detail });
  });
}
