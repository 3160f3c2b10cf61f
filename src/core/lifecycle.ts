// The lifecycle engine: a long-running operation's state is a pure function of its persisted plan, its start
// time, an optional cancel request and the clock. Nothing runs in the background; readers compute the state
// and the owning API commits what changed (status columns, side effects) in one transaction — see `settle`
// in each API folder. In spirit this is moto's ManagedState: a lifecycle computed when it is read.

export interface Phase {
  /** Vendor state shown while this phase runs (e.g. `executing`, `INPROGRESS`). */
  state: string;
  /** Duration in seconds of clock time (may be 0). */
  seconds: number;
  /** Progress (0–100) at the phase's start and end; interpolated in between. */
  progress: [number, number];
  /** Free text the API shows while the phase runs (e.g. a progress message, a message id). */
  label?: string;
}

export interface Terminal {
  state: string;
  message: string | null;
}

export interface Plan {
  phases: Phase[];
  /** Reached when the last phase ends. */
  terminal: Terminal;
}

export interface CancelRequest {
  /** When the cancel was requested (ms). */
  at: number;
  /** State shown between the request and the end (e.g. `cancelling`; 0 s for an API that ends at once). */
  state: string;
  seconds: number;
  terminal: Terminal;
}

export interface Evaluation {
  state: string;
  terminal: boolean;
  /** Index of the running phase; phases.length when terminal by plan; -1 while cancelling or cancelled. */
  phaseIndex: number;
  label: string | undefined;
  /** 0–100, floored to an integer. */
  progress: number;
  /** Terminal message (error text, cancel text), null otherwise. */
  message: string | null;
  /** When the operation ends (or ended), in ms. */
  endsAt: number;
  /** Set once terminal. */
  finishedAt: number | null;
}

function planSeconds(plan: Plan): number {
  return plan.phases.reduce((sum, p) => sum + p.seconds, 0);
}

function atPlan(plan: Plan, startedAt: number, t: number): Evaluation {
  const endsAt = startedAt + Math.round(planSeconds(plan) * 1000);
  let phaseStart = startedAt;
  let cum = 0;
  for (let i = 0; i < plan.phases.length; i++) {
    const p = plan.phases[i]!;
    cum += p.seconds;
    const phaseEnd = startedAt + Math.round(cum * 1000);
    if (t < phaseEnd) {
      const frac = p.seconds > 0 ? (t - phaseStart) / (phaseEnd - phaseStart) : 1;
      const progress = Math.floor(p.progress[0] + (p.progress[1] - p.progress[0]) * Math.max(0, Math.min(1, frac)));
      return {
        state: p.state,
        terminal: false,
        phaseIndex: i,
        label: p.label,
        progress,
        message: null,
        endsAt,
        finishedAt: null,
      };
    }
    phaseStart = phaseEnd;
  }
  const last = plan.phases[plan.phases.length - 1];
  return {
    state: plan.terminal.state,
    terminal: true,
    phaseIndex: plan.phases.length,
    label: last?.label,
    progress: 100,
    message: plan.terminal.message,
    endsAt,
    finishedAt: endsAt,
  };
}

/** The state of an operation at time `now`. */
export function evaluate(plan: Plan, startedAt: number, now: number, cancel?: CancelRequest | null): Evaluation {
  if (!cancel) return atPlan(plan, startedAt, now);
  const before = atPlan(plan, startedAt, cancel.at);
  if (before.terminal) return atPlan(plan, startedAt, now); // cancel after the end: a no-op
  if (now < cancel.at) return atPlan(plan, startedAt, now);
  const endsAt = cancel.at + Math.round(cancel.seconds * 1000);
  if (now < endsAt) {
    return { ...before, state: cancel.state, phaseIndex: -1, endsAt, message: null };
  }
  return {
    ...before,
    state: cancel.terminal.state,
    terminal: true,
    phaseIndex: -1,
    message: cancel.terminal.message,
    endsAt,
    finishedAt: endsAt,
  };
}

/**
 * Rewrites a plan so that, evaluated at `now`, the operation has just entered phase `target` (an index) or has
 * just ended in `target` (a Terminal). Phases already run keep their durations so progress stays monotonic.
 * Used by forced state changes from the control plane and by effects that cut a plan short.
 */
export function rebase(plan: Plan, startedAt: number, now: number, target: number | Terminal): Plan {
  const elapsed = Math.max(0, (now - startedAt) / 1000);
  const kept: Phase[] = [];
  let t = 0;
  for (const p of plan.phases) {
    if (t + p.seconds <= elapsed) {
      kept.push(p);
      t += p.seconds;
      continue;
    }
    const ran = elapsed - t;
    if (ran > 0) {
      const cur = atPlan({ phases: [p], terminal: plan.terminal }, 0, ran * 1000);
      kept.push({ ...p, seconds: ran, progress: [p.progress[0], cur.progress] });
    }
    t = elapsed;
    break;
  }
  if (typeof target !== 'number') return { phases: kept, terminal: target };
  const rest = plan.phases.slice(target);
  return { phases: [...kept, ...rest], terminal: plan.terminal };
}
