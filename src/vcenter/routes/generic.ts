// The generic vAPI mapping of the restore operations on /rest (`/rest/com/vmware/<service>?~action=<op>`, reference
// §3.1): the same handlers as the standard paths; a `~action` the service does not have is operation_not_found.
import type { FastifyInstance } from 'fastify';
import { noRestAction, routeOptions, type Deps, type RouteSpec } from './common.js';
import { restHandlers } from './restore.js';

export function genericRoutes(f: FastifyInstance, deps: Deps): void {
  const h = restHandlers(deps);
  const opts = (operation: string, summary: string, more: Partial<RouteSpec>) =>
    routeOptions(deps, { gen: 'rest', operation, summary, ...more });
  const job = '/com/vmware/appliance/recovery/restore/job';
  f.post(
    '/com/vmware/appliance/recovery/restore',
    opts('restore.validate', 'Get metadata before restore (generic mapping, ?~action=validate)', {
      action: 'validate',
      doc: 'restore.validate.generic',
    }),
    h.validate,
  );
  f.post(
    job,
    opts('job.cancel', 'Cancel the restore job (generic mapping, ?~action=cancel)', {
      action: 'cancel',
      doc: 'job.cancel.generic',
      docQuery: '~action=cancel',
    }),
    h.cancel,
  );
  f.post(
    job,
    opts('job.create', 'Initiate restore (generic mapping)', {
      doc: 'job.create.generic',
      refuse: noRestAction('com.vmware.appliance.recovery.restore.job'),
    }),
    h.create,
  );
  f.get(job, opts('job.get', 'See restore job progress/result (generic mapping)', {}), h.get);
}
