// The simulation: clock + store + event bus, with no HTTP in sight. The API folders plug their
// `settle` functions in; every request and every clock change settles first, so each read sees committed state.
import { EventEmitter } from 'node:events';
import { Clock, type ClockMode } from './clock.js';
import { Store } from './store.js';
import type { ApiName } from './rules.js';

export interface TransitionEvent {
  api: ApiName;
  kind: string; // 'restore' | 'job'
  id: string;
  from: string;
  to: string;
  /** Clock time of the transition (ms). */
  at: number;
}

export interface SimulationOptions {
  db: string;
  clock: ClockMode;
  speed: number;
  /** Start of the virtual clock (ms); defaults to the wall clock. */
  start?: number;
}

type Settler = (now: number) => void;

export class Simulation extends EventEmitter<{ transition: [TransitionEvent] }> {
  readonly store: Store;
  readonly clock: Clock;
  private readonly settlers: Settler[] = [];

  constructor(opts: SimulationOptions) {
    super();
    this.store = new Store(opts.db);
    this.clock = new Clock({ mode: opts.clock, speed: opts.speed, start: opts.start });
    // A file database keeps simulated time across restarts: never resume earlier than we were.
    const saved = Number(this.store.getMeta('clock.now') ?? NaN);
    if (Number.isFinite(saved)) this.clock.resume(saved);
  }

  now(): number {
    return this.clock.now();
  }

  onSettle(fn: Settler): void {
    this.settlers.push(fn);
  }

  /** Commits every transition due at the current clock time. */
  settle(): number {
    const now = this.now();
    for (const fn of this.settlers) fn(now);
    return now;
  }

  advance(seconds: number): number {
    const now = this.clock.advance(seconds);
    this.persistClock();
    this.settle();
    return now;
  }

  persistClock(): void {
    this.store.setMeta('clock.now', String(this.now()));
  }

  /**
   * Announces a committed state change. The clock is saved with it, so a restart after a crash (no close) never
   * resumes before a change it has already shown: in real mode at --speed > 1 time would otherwise jump back, and a
   * restore created since the last save would have a `created_at` in the future.
   */
  transition(e: TransitionEvent): void {
    this.persistClock();
    this.emit('transition', e);
  }

  close(): void {
    try {
      this.persistClock();
    } catch {
      /* closed already */
    }
    this.store.close();
  }
}
