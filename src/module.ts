// The contract between the app and each emulated API folder (src/trilio, src/vcenter). The app knows APIs only
// through this interface; API folders never import each other.
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from './config.js';
import type { Simulation } from './sim/simulation.js';
import type { ApiName } from './sim/rules.js';

export interface ForceResult {
  ok: boolean;
  /** Why the move was refused (ok = false), e.g. "restore is available; a finished restore cannot move". */
  reason?: string;
  /** 404 when the target does not exist, 409 when the move is impossible. */
  statusCode?: number;
  /** The new state (ok = true). */
  state?: string;
}

export interface ApiModule {
  name: ApiName;
  /** Routes, schemas, content parsers, error and not-found handlers of this API (registered at the root). */
  plugin: FastifyPluginAsync;
  /** Checks a fixtures section of this API; returns one line per problem (`path: message`), empty when valid. */
  validateFixtures(section: unknown): string[];
  /** Merges two fixture sections of this API (extra wins, entries matched by id). */
  mergeFixtures(base: unknown, extra: unknown): unknown;
  /**
   * Loads a (valid) fixtures section. `replace` first deletes this API's state (only `project`'s, for Trilio, when
   * given); `merge` upserts the section's entities and keeps everything else.
   */
  load(section: unknown, opts: { mode: 'replace' | 'merge'; project?: string }): void;
  /** Commits every transition due at `now` in one transaction; emits sim.transition for each. */
  settle(now: number): void;
  /** Current count of restores (Trilio) or jobs (vCenter) by state, for metrics. */
  stateCounts(): Record<string, number>;
  /** Moves one restore (Trilio, by id) or the job (vCenter, id ignored) to `state`, with the usual side effects. */
  forceState(target: { id?: string; state: string; message?: string }): ForceResult;
}

export type ApiModuleFactory = (sim: Simulation, config: Config) => ApiModule;
