// Fault rules (types shared by the API folders; the engine lives in this file too).
// A rule matches requests by api, operation, method, project and a regex over the restore's name or the backup
// location; when it fires, its effects apply: an outcome and/or duration for the restore or job being created,
// an immediate vendor-dialect HTTP error, added latency, or a dropped connection.

export type ApiName = 'trilio' | 'vcenter';

/** What a route tells the rule engine about the request it is serving. */
export interface MatchContext {
  api: ApiName;
  /** Operation id from the route's config, e.g. `restores.create`, `job.create`. */
  operation: string;
  method: string;
  /** Route pattern as Fastify registered it, e.g. `/v1/:project_id/restores/:restore_id`. */
  route: string;
  project?: string;
  /** Restore name (Trilio create) or backup location (vCenter create/validate). */
  subject?: string;
}

export interface OutcomeEffect {
  /** Trilio: available | error | cancelled; vCenter: SUCCEEDED | FAILED. */
  state: string;
  message?: string;
}

/** Effects the creating handler applies to the restore or job it creates. */
export interface CreateEffects {
  outcome?: OutcomeEffect;
  /** Total duration in seconds of clock time. */
  durationSeconds?: number;
}

/**
 * An HTTP error injected by a fault rule. Thrown from a hook before the handler runs; each API's error handler
 * renders it in that vendor's dialect (Trilio fault envelope, vAPI error) and representation (JSON or XML).
 */
export class InjectedFault extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** vCenter only: the vAPI error type in snake case (e.g. `service_unavailable`); derived from the status when absent. */
    readonly vendorError?: string,
  ) {
    super(message);
    this.name = 'InjectedFault';
  }
}
