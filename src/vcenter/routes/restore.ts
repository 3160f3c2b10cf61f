// The restore operations (reference §3): validate a backup, and the job (create, get, cancel). /rest bodies are
// `{"piece": RestoreRequest}` (JSON or XML) and results `{"value": …}`; /api bodies and results are bare, and
// operations on one path are told apart by `?action=`. Bodies reach the handlers checked (input.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { vapiError, type Generation } from '../errors.js';
import { toRestoreRequest, type RestoreRequest } from '../input.js';
import { NS, type JobRestoreRequest } from '../schemas.js';
import { principal, routeOptions, send, type Deps, type RouteSpec } from './common.js';

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** The request's RestoreRequest: the /rest body's `piece`, or the /api body (both checked against their schema). */
const restoreRequest = (req: FastifyRequest, gen: Generation): RestoreRequest => {
  const body = req.body as { piece: Static<typeof JobRestoreRequest> } & Static<typeof JobRestoreRequest>;
  return toRestoreRequest(gen === 'rest' ? body.piece : body);
};

/** The /rest handlers of the four operations (the generic mapping serves the same ones). */
export function restHandlers({ service }: Deps): Record<'validate' | 'create' | 'get' | 'cancel', Handler> {
  const job = (root: string) => ({ root, ns: NS.job });
  return {
    validate: async (req, reply) => {
      const metadata = service.validate(restoreRequest(req, 'rest'));
      return send(reply, req, 200, { value: metadata }, { root: 'Validate-Result', ns: NS.restore });
    },
    create: async (req, reply) => {
      const status = service.createJob(restoreRequest(req, 'rest'), req.simEffects ?? {}, req.simNow!);
      return send(reply, req, 200, { value: status }, job('Create-Result'));
    },
    get: async (req, reply) => send(reply, req, 200, { value: service.getJob(req.simNow!) }, job('Get-Result')),
    cancel: async (req, reply) => {
      const result = service.cancelJob(principal(req).user, req.simNow!);
      return send(reply, req, 200, { value: result }, job('Cancel-Result'));
    },
  };
}

export function restoreRoutes(f: FastifyInstance, gen: Generation, deps: Deps): void {
  const { service } = deps;
  const opts = (operation: string, summary: string, more: Partial<RouteSpec> = {}) =>
    routeOptions(deps, { gen, operation, summary, ...more });

  if (gen === 'rest') {
    const h = restHandlers(deps);
    f.post('/appliance/recovery/restore/validate', opts('restore.validate', 'Get metadata before restore'), h.validate);
    f.post('/appliance/recovery/restore/job', opts('job.create', 'Initiate restore'), h.create);
    f.get('/appliance/recovery/restore/job', opts('job.get', 'See restore job progress/result'), h.get);
    f.post('/appliance/recovery/restore/job/cancel', opts('job.cancel', 'Cancel the restore job'), h.cancel);
    return;
  }

  f.post(
    '/appliance/recovery/restore',
    opts('restore.validate', 'Get metadata before restore (?action=validate)', { action: 'validate' }),
    async (req, reply) => send(reply, req, 200, service.validate(restoreRequest(req, 'api'))),
  );
  f.post(
    '/appliance/recovery/restore/job',
    opts('job.cancel', 'Cancel the restore job (?action=cancel)', { action: 'cancel', docQuery: 'action=cancel' }),
    async (req, reply) => send(reply, req, 200, service.cancelJob(principal(req).user, req.simNow!)),
  );
  // An action other than cancel: no such method (the action is part of the method's URL).
  const refuse = (req: FastifyRequest) => {
    if ((req.query as { action?: string }).action === undefined) return;
    const text = `No matching method available for the requested URL and HTTP method: ${req.method} ${req.url}`;
    throw vapiError('not_found', 'com.vmware.vapi.rest.httpNotFound', text, [req.method, req.url]);
  };
  f.post('/appliance/recovery/restore/job', opts('job.create', 'Initiate restore', { refuse }), async (req, reply) =>
    send(reply, req, 201, service.createJob(restoreRequest(req, 'api'), req.simEffects ?? {}, req.simNow!)),
  );
  f.get('/appliance/recovery/restore/job', opts('job.get', 'See restore job progress/result'), async (req, reply) =>
    send(reply, req, 200, service.getJob(req.simNow!)),
  );
}
