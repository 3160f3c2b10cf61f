// Restoring a snapshot (R6–R8, R13): one-click, selective or in-place. The body passed its schema (the vendor's
// option checks, in its order); the preconditions and what the worker will find are the service's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { isObj } from '../../core/fixtures.js';
import { askedInstances } from '../worker.js';
import * as S from '../schemas.js';
import { restoreDetail } from '../views.js';
import { caller, type RouteDeps, route, send, simNow, viewContext } from './context.js';

/** `?test=` values that make a test restore (the CLI sends 1). */
const TEST_VALUES = ['1', 'true', 'True'];

/** The create body's envelope: `restore`, else `testbubble` (a test restore); undefined when neither is an object. */
function envelopeOf(body: unknown): { request: Record<string, unknown>; bubble: boolean } | undefined {
  if (!isObj(body)) return undefined;
  if (isObj(body.restore)) return { request: body.restore, bubble: false };
  if (isObj(body.testbubble)) return { request: body.testbubble, bubble: true };
  return undefined;
}

/** A new restore's name: the envelope's, else `restore` (also a fault rule's subject, whatever the body holds). */
function restoreNameOf(request: Record<string, unknown> | undefined): string {
  const name = request?.name;
  return typeof name === 'string' && name.trim() !== '' ? name : 'restore';
}

export function createRoutes(v1: FastifyInstance, deps: RouteDeps): void {
  const create = async (request: FastifyRequest, reply: FastifyReply) => {
    const who = caller(request);
    const { request: order, bubble } = envelopeOf(request.body)!;
    const { options, description } = order as S.RestoreRequest;
    const test = (request.query as Static<typeof S.CreateQuery>).test;
    const r = deps.service.create(
      {
        project: who.project,
        user: who.user,
        snapshotId: (request.params as { snapshot_id: string }).snapshot_id,
        name: restoreNameOf(order),
        description: typeof description === 'string' && description !== '' ? description : 'no-description',
        test: bubble || TEST_VALUES.includes(test ?? ''),
        kind: options.restore_type,
        options,
        asked: askedInstances(options),
        effects: request.simEffects ?? {},
      },
      simNow(request),
    );
    return send(request, reply, 202, { restore: restoreDetail(viewContext(request, deps), r, true) });
  };

  const SUMMARY =
    'Restore a snapshot: one-click, selective or in-place (202 with the detail view); ?test=1 for a test restore';
  const subject = (request: FastifyRequest) => restoreNameOf(envelopeOf(request.body)?.request);
  const options = (params: typeof S.SnapshotParams | typeof S.WorkloadSnapshotParams) =>
    route(
      'restores.create',
      SUMMARY,
      {
        params,
        querystring: S.CreateQuery,
        body: S.CreateBody,
        response: S.responses({ 202: S.RestoreCreated }, [413, 415]),
      },
      subject,
    );
  v1.post('/:project_id/snapshots/:snapshot_id', options(S.SnapshotParams), create);
  v1.post('/:project_id/workloads/:workload_id/snapshots/:snapshot_id', options(S.WorkloadSnapshotParams), create);
  v1.post(
    '/:project_id/workloads/:workload_id/snapshots/:snapshot_id/restores',
    options(S.WorkloadSnapshotParams),
    create,
  );
}
