// The simulation clock. Real: wall time, optionally sped up. Virtual: time moves only when advanced.
// Nothing holds state in timers: every state is computed from persisted timestamps and `now()`.

export type ClockMode = 'real' | 'virtual';

export interface ClockState {
  mode: ClockMode;
  /** Milliseconds since the epoch, simulated. */
  now: number;
  speed: number;
}

export class Clock {
  private mode: ClockMode;
  private speed: number;
  /** Simulated time at the anchor. */
  private anchorSim: number;
  /** Wall time at the anchor (real mode only). */
  private anchorWall: number;

  constructor(opts: { mode: ClockMode; speed?: number; start?: number; wall?: () => number }) {
    this.wall = opts.wall ?? Date.now;
    this.mode = opts.mode;
    this.speed = opts.speed ?? 1;
    this.anchorWall = this.wall();
    this.anchorSim = opts.start ?? this.anchorWall;
  }

  private readonly wall: () => number;

  now(): number {
    if (this.mode === 'virtual') return this.anchorSim;
    return Math.floor(this.anchorSim + (this.wall() - this.anchorWall) * this.speed);
  }

  state(): ClockState {
    return { mode: this.mode, now: this.now(), speed: this.speed };
  }

  /** Moves simulated time forward (both modes; in real mode the offset stays). */
  advance(seconds: number): number {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('seconds must be a finite number >= 0');
    this.rebase();
    this.anchorSim += Math.round(seconds * 1000);
    return this.now();
  }

  /** Switches mode and/or speed without a jump in simulated time. */
  set(opts: { mode?: ClockMode; speed?: number }): ClockState {
    this.rebase();
    if (opts.mode) this.mode = opts.mode;
    if (opts.speed !== undefined) {
      if (!(opts.speed > 0) || !Number.isFinite(opts.speed)) throw new RangeError('speed must be a positive number');
      this.speed = opts.speed;
    }
    return this.state();
  }

  /** Sets simulated time (used to resume a persisted virtual clock); never moves backwards. */
  resume(at: number): void {
    this.rebase();
    if (at > this.anchorSim) this.anchorSim = at;
  }

  private rebase(): void {
    const now = this.now();
    this.anchorWall = this.wall();
    this.anchorSim = now;
  }
}

/** Timestamp format of both vendors' examples: `2020-11-05T10:17:40.048656` (UTC, microseconds, no zone). */
export function isoMicro(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000');
}

/** ISO-8601 with milliseconds and Z, as vAPI date-times are rendered. */
export function isoZ(ms: number): string {
  return new Date(ms).toISOString();
}
