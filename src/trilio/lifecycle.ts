// The Trilio restore lifecycle, pure (no SQL, no HTTP): a restore's plan (its phases by restore type), what the clock
// makes of it (status, the live fields, pick-up, the next change, the derived workload and snapshot statuses), and
// the transitions of the row besides the worker's (worker.ts): a cancel request, a forced move. The service persists
// what these change.
import { randomUUID } from 'node:crypto';
import type { ForceResult } from '../core/api.js';
import { isoMicro } from '../core/clock.js';
import { type Evaluation, evaluate, type Phase, type Plan, rebase } from '../core/lifecycle.js';
import type { CreateEffects } from '../core/rules.js';
import type { SnapshotFx } from './fixtures.js';
import type { RestoreRow } from './repository.js';

export const TERMINAL = new Set(['available', 'error', 'cancelled']);
const STATES = ['restoring', 'starting', 'executing', 'uploading', 'cancelling', 'available', 'error', 'cancelled'];
export type RestoreKind = 'oneclick' | 'selective' | 'inplace';
export const CANCEL_MESSAGE = 'Cancel requested for restore';
const CANCEL_SECONDS = 3;

/** Bytes uploaded at `progress` percent of `size`: never more than the size. */
export const uploadedBytes = (size: number, progress: number) => Math.min(size, Math.floor((size * progress) / 100));

/** The plan of a new restore: its phases by restore type, ending in success or in the failure the worker finds. */
export function buildPlan(opts: {
  kind: RestoreKind;
  snapshot: SnapshotFx;
  instanceNames: string[];
  failure: string | null;
  effects: CreateEffects;
  test: boolean;
  /** Bytes per second of clock time (--restore-rate). */
  rate: number;
}): Plan {
  const total = Math.max(3, opts.effects.durationSeconds ?? opts.snapshot.restore_size / opts.rate);
  const starting = opts.test ? 'Create testbubble from snapshot is starting' : 'Restore from snapshot is starting';
  const phases: Phase[] = [
    { state: 'restoring', seconds: total * 0.04, progress: [0, 0], label: 'Restore operation is scheduled' },
    { state: 'starting', seconds: total * 0.04, progress: [0, 1], label: starting },
  ];
  if (opts.failure !== null && !opts.effects.outcome) {
    // The worker's validation (original VM present, in-place VM or volume missing) fails right after it starts.
    return { phases, terminal: { state: 'error', message: `Failed restoring snapshot: ${opts.failure}` } };
  }
  const inplace = opts.kind === 'inplace';
  const names = opts.instanceNames.length ? opts.instanceNames : [opts.snapshot.display_name];
  phases.push(
    inplace
      ? { state: 'executing', seconds: total * 0.04, progress: [1, 3], label: 'Preparing in-place restore' }
      : { state: 'executing', seconds: total * 0.06, progress: [1, 5], label: 'Restoring network resources' },
  );
  const start = inplace ? 3 : 5;
  const share = (total * (inplace ? 0.88 : 0.86)) / names.length;
  const step = (99 - start) / names.length;
  const from = `from snapshot ${opts.snapshot.id}`;
  names.forEach((name, i) => {
    const a = Math.floor(start + step * i);
    const b = Math.floor(start + step * (i + 1));
    const mid = Math.floor(a + (b - a) * 0.85);
    const phase = (state: string, part: number, progress: [number, number], label: string) =>
      phases.push({ state, seconds: share * part, progress, label });
    if (inplace) {
      phase('executing', 0.1, [a, a], `Restoring boot disk of instance ${name}`);
      phase('uploading', 0.8, [a, mid], `Uploading volumes of instance ${name} ${from}`);
      phase('executing', 0.1, [mid, b], `Restored VM:${name}`);
    } else {
      phase('executing', 0.05, [a, a], `Restoring VM Flavor for Instance ${name}`);
      phase('uploading', 0.75, [a, mid], `Uploading image and volumes of instance ${name} ${from}`);
      phase('executing', 0.1, [mid, mid], `Restoring network interfaces for Instance ${name}`);
      phase('executing', 0.1, [mid, b], `Created VM ${name}`);
    }
  });
  const plan: Plan = { phases, terminal: { state: 'available', message: null } };
  const outcome = opts.effects.outcome;
  if (!outcome || outcome.state === 'available') return plan;
  // A fault rule's outcome: the restore runs 60 % of its course, then fails or is cancelled.
  const cut = total * 0.6 * 1000;
  if (outcome.state === 'cancelled') {
    const kept = rebase(plan, 0, cut, { state: 'cancelled', message: outcome.message ?? CANCEL_MESSAGE });
    const p = evaluate(plan, 0, cut).progress;
    const label = kept.phases[kept.phases.length - 1]?.label;
    kept.phases.push({ state: 'cancelling', seconds: CANCEL_SECONDS, progress: [p, p], label });
    return kept;
  }
  const msg = outcome.message ?? 'Restore failed (injected fault)';
  const message = msg.startsWith('Failed restoring snapshot') ? msg : `Failed restoring snapshot: ${msg}`;
  return rebase(plan, 0, cut, { state: 'error', message });
}

/** The state of a restore at `now` by its plan; null for a restore without one (stuck). */
export function evaluateRestore(r: RestoreRow, now: number): Evaluation | null {
  if (!r.plan || r.started_at === undefined) return null;
  return evaluate(r.plan, r.started_at, now, r.cancel ?? null);
}

/**
 * Whether the worker picked the restore up at time t: once a phase after the leading `restoring` ones has started
 * (before any cancel request). A plan that ends while still `restoring` (forced to a terminal state, cut short) was
 * never picked up: no host, no size.
 */
export function pickedUpAt(r: RestoreRow, t: number): boolean {
  if (!r.plan || r.started_at === undefined) return r.status !== 'restoring';
  const phases = r.plan.phases;
  let i = 0;
  let waited = 0;
  for (; i < phases.length && phases[i]!.state === 'restoring'; i++) waited += phases[i]!.seconds;
  if (i === phases.length) return false;
  const pickup = r.started_at + Math.round(waited * 1000);
  return (r.cancel ? Math.min(t, r.cancel.at) : t) >= pickup;
}

/**
 * The earliest time after `now` at which a restore's evaluated state (status, pick-up) can differ from its state at
 * `now`: the next phase boundary of its plan, the cancel request or the cancel's end. Between two such times the
 * evaluation is constant (core/lifecycle.ts: `atPlan` changes only at phase ends). Extra boundaries only cost a look.
 */
export function nextChange(r: RestoreRow, now: number): number | null {
  if (!r.plan || r.started_at === undefined) return null;
  let next = Infinity;
  let cum = 0;
  for (const p of r.plan.phases) {
    cum += p.seconds;
    const t = r.started_at + Math.round(cum * 1000);
    if (t > now) {
      next = t;
      break;
    }
  }
  if (r.cancel) {
    for (const t of [r.cancel.at, r.cancel.at + Math.round(r.cancel.seconds * 1000)]) if (t > now && t < next) next = t;
  }
  // Nothing ahead (the plan has ended; settle commits it now): look again at the next settle.
  return next === Infinity ? now : next;
}

/** The fields that move while a restore runs, from its plan and the clock; `fresh`: the create answer's. */
export function liveFields(r: RestoreRow, now: number, fresh = false) {
  const row = {
    host: r.host,
    size: r.size,
    uploaded_size: Math.min(r.uploaded_size, r.size),
    progress_percent: r.progress_percent,
    progress_msg: r.progress_msg,
    time_taken: r.time_taken,
  };
  if (TERMINAL.has(r.status)) return row;
  // The create answer is the freshly inserted row: nothing is scheduled yet.
  if (fresh) return { host: '', size: 0, uploaded_size: 0, progress_percent: 0, progress_msg: null, time_taken: 0 };
  const ev = evaluateRestore(r, now);
  if (!ev) return row; // a stuck restore: what the row says
  const size = r.picked_up === true ? (r.restore_size ?? 0) : 0;
  const progress = Math.min(99, ev.progress);
  const host = r.picked_up === true ? r.host : '';
  return {
    host,
    size,
    uploaded_size: uploadedBytes(size, progress),
    progress_percent: progress,
    progress_msg: ev.label ?? null,
    time_taken: 0,
  };
}

/** Adds a metadata row to a restore (the vendor's restore_metadata), written at `ts`. */
export function addMetadata(r: RestoreRow, key: string, value: string, ts: string, version: string): void {
  r.metadata.push({
    created_at: ts,
    updated_at: null,
    deleted_at: null,
    deleted: false,
    version,
    id: randomUUID(),
    restore_id: r.id,
    key,
    value,
  });
}

/** A cancel request on a running restore: `cancelling` now, `cancelled` CANCEL_SECONDS later. False: nothing to do. */
export function requestCancel(r: RestoreRow, now: number, version: string): boolean {
  if (TERMINAL.has(r.status) || r.status === 'cancelling') return false;
  const terminal = { state: 'cancelled', message: CANCEL_MESSAGE };
  r.cancel = { at: now, state: 'cancelling', seconds: CANCEL_SECONDS, terminal };
  addMetadata(r, 'cancel_requested', '1', isoMicro(now), version);
  r.status = 'cancelling';
  return true;
}

/** A forced move the lifecycle does not allow. */
const impossible = (reason: string): ForceResult => ({ ok: false, statusCode: 409, reason });

/** Whether a forced move of `r` to `to` is refused (or a no-op) before anything changes; undefined: go on. */
export function forceCheck(r: RestoreRow, to: string): ForceResult | undefined {
  if (TERMINAL.has(r.status)) return impossible(`restore is ${r.status}; a finished restore cannot move`);
  if (to === r.status && !TERMINAL.has(to)) return { ok: true, state: r.status };
  if (!STATES.includes(to)) return impossible(`unknown restore state "${to}" (one of ${STATES.join(', ')})`);
  return undefined;
}

/** A stuck restore (no plan) gets a one-click plan of its snapshot (or a plain one) that starts now. */
export function adoptStuck(r: RestoreRow, snapshot: SnapshotFx | undefined, now: number, rate: number): void {
  r.kind = r.kind ?? 'oneclick';
  r.restore_size = snapshot?.restore_size ?? r.size;
  const instanceNames = snapshot?.instances.map((i) => i.name) ?? [];
  r.plan = snapshot
    ? buildPlan({ kind: r.kind, snapshot, instanceNames, failure: null, effects: {}, test: false, rate })
    : {
        phases: [{ state: 'executing', seconds: 30, progress: [0, 99] }],
        terminal: { state: 'available', message: null },
      };
  r.started_at = now;
  r.cancel = null;
}

/**
 * Rewrites a planned restore so that, evaluated at `now`, it has just entered the running state `to` or has just
 * ended in the terminal state `to` (cancelling is a cancel request). Returns the refusal of an impossible move.
 */
export function moveTo(r: RestoreRow, to: string, now: number, message?: string): ForceResult | undefined {
  const ev = evaluateRestore(r, now)!;
  const plan = r.plan!;
  if (TERMINAL.has(to)) {
    const forced = to === 'cancelled' ? CANCEL_MESSAGE : 'Failed restoring snapshot: restore forced to error';
    const terminal = { state: to, message: to === 'available' ? null : (message ?? forced) };
    // Cancelling: the cancel ends now, in `to`; else the plan is cut short here.
    if (r.cancel && ev.phaseIndex === -1) {
      r.cancel = { ...r.cancel, seconds: Math.max(0, (now - r.cancel.at) / 1000), terminal };
    } else r.plan = rebase(plan, r.started_at!, now, terminal);
    return undefined;
  }
  if (r.status === 'cancelling')
    return impossible('restore is cancelling; it can only end (cancelled, error or available)');
  const from = Math.max(0, ev.phaseIndex);
  const idx = plan.phases.findIndex((p, i) => i >= from && p.state === to);
  if (idx < 0) return impossible(`restore is ${r.status}; its lifecycle does not reach ${to} from here`);
  r.plan = rebase(plan, r.started_at!, now, idx);
  return undefined;
}

/** A snapshot reads `restoring` while a restore of it has not finished, else its own status. */
export const snapshotStatus = (s: { status: string }, restoring: boolean) => (restoring ? 'restoring' : s.status);
/** A workload reads `locked` while a restore of it has not finished, else its own status. */
export const workloadStatus = (w: { status: string }, locked: boolean) => (locked ? 'locked' : w.status);
