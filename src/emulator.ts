// The emulator's state, without HTTP: one clock, one store, the running APIs and the loaded fixture set. The app
// decorates Fastify with it and the control plane drives it. It knows the APIs only through their descriptors.
import type { Config } from './config.js';
import { Clock, type ClockMode, type ClockState } from './core/clock.js';
import { Store, type TransitionEvent } from './core/store.js';
import { FixtureError, readFixtureFiles, type FixtureDocument } from './core/fixtures.js';
import type { ApiDescriptor, ApiInstance, ForceResult, ForceTarget, Identity } from './core/api.js';

/** One emulated API: its descriptor and its running instance. */
export interface RunningApi {
  descriptor: ApiDescriptor;
  instance: ApiInstance;
}

export class Emulator {
  readonly clock: Clock;
  readonly store: Store;
  readonly apis: RunningApi[];
  /** The fixture set reset returns to: the --fixtures files, plus whatever POST /_sim/fixtures merged in. */
  fixtures: FixtureDocument = {};
  /** Set once migrations ran and fixtures are loaded (GET /_sim/ready). */
  ready = false;

  constructor(
    readonly config: Config,
    descriptors: readonly ApiDescriptor[],
    opts: { start?: number } = {},
  ) {
    this.store = new Store(config.db);
    try {
      this.clock = new Clock({ mode: config.clock, speed: config.speed, start: opts.start });
      // A file database keeps simulated time across restarts: never resume earlier than we were.
      const saved = Number(this.store.getMeta('clock.now') ?? NaN);
      if (Number.isFinite(saved)) this.clock.resume(saved);
      // The clock is saved with every announced change, so a restart after a crash (no close) never resumes before
      // a change it has already shown (in real mode at --speed > 1 time would otherwise jump back).
      this.store.on('transition', () => this.persistClock());
      const running: RunningApi[] = [];
      const identity: Identity = {
        resolve: (token, now) => {
          for (const a of running) {
            const p = a.instance.identity?.resolve(token, now);
            if (p) return p;
          }
          return null;
        },
        authUri: (base) => running.find((a) => a.instance.identity)?.instance.identity?.authUri(base),
      };
      const services = descriptors.flatMap((d) => (d.service ? [d.service] : []));
      const ctx = { clock: this.clock, store: this.store, config, identity, services };
      for (const descriptor of descriptors) running.push({ descriptor, instance: descriptor.create(ctx) });
      this.apis = running;
    } catch (err) {
      this.store.close();
      throw err;
    }
  }

  /** The running API of that name; throws when there is none. */
  api(name: string): RunningApi {
    const a = this.apis.find((x) => x.descriptor.name === name);
    if (!a) throw new Error(`no API ${name}`);
    return a;
  }

  now(): number {
    return this.clock.now();
  }

  /** Commits every transition due at the current clock time, in every API; returns that instant. */
  settle(): number {
    const now = this.now();
    for (const a of this.apis) a.instance.settle(now);
    return now;
  }

  /** Moves the clock forward (and commits what became due). */
  advance(seconds: number): number {
    const now = this.clock.advance(seconds);
    this.persistClock();
    this.settle();
    return now;
  }

  /** Switches clock mode or speed without a jump in simulated time. */
  setClock(opts: { mode?: ClockMode; speed?: number }): ClockState {
    return this.clock.set(opts);
  }

  persistClock(): void {
    this.store.setMeta('clock.now', String(this.now()));
  }

  /** Subscribes to committed transitions (logs, metrics); returns the unsubscribe function. */
  onTransition(fn: (e: TransitionEvent) => void): () => void {
    this.store.on('transition', fn);
    return () => this.store.off('transition', fn);
  }

  /** Reads the --fixtures path; loads it into the database unless the database already holds state (see below). */
  init(): void {
    const files = readFixtureFiles(this.config.fixtures);
    let doc: FixtureDocument = {};
    for (const f of files) doc = this.merge(doc, f.doc, f.file);
    this.fixtures = doc;
    // An empty database gets every API's fixtures; an existing one keeps its state, except that an API whose tables
    // this start created (one added since the database was made, under the API's name) gets its own.
    const empty = this.store.getMeta('fixtures.loaded') === undefined;
    const load = this.apis.filter((a) => empty || this.store.created.has(a.descriptor.name));
    if (load.length > 0) {
      this.store.commit(() => {
        for (const a of load) a.instance.load(doc[a.descriptor.name] ?? {}, { mode: 'replace' });
        if (empty) this.store.setMeta('fixtures.loaded', String(this.now()));
      });
    }
    this.persistClock();
    this.settle();
    this.ready = true;
  }

  /**
   * Validates a document (an object; unknown sections and every API's problems); throws FixtureError. `where` is
   * `fixtures` for a posted document, else the file it was read from.
   */
  validate(doc: unknown, where = 'fixtures'): FixtureDocument {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      throw new FixtureError([
        where === 'fixtures' ? 'fixtures: must be a JSON object' : `fixtures: ${where}: must be a JSON object`,
      ]);
    }
    const problems: string[] = [];
    const names = this.apis.map((a) => `"${a.descriptor.name}"`).join(' or ');
    for (const key of Object.keys(doc)) {
      const a = this.apis.find((x) => x.descriptor.name === key);
      if (!a) {
        problems.push(`${where}: unknown section "${key}" (expected ${names})`);
        continue;
      }
      for (const p of a.descriptor.fixtures.validate((doc as FixtureDocument)[key])) {
        problems.push(`${where}.${key}${p.startsWith('[') || p.startsWith('.') ? '' : ': '}${p}`);
      }
    }
    if (problems.length) throw new FixtureError(problems);
    return doc as FixtureDocument;
  }

  private merge(base: FixtureDocument, extra: unknown, where: string): FixtureDocument {
    const doc = this.validate(extra, where);
    const out: FixtureDocument = { ...base };
    for (const [key, section] of Object.entries(doc)) {
      out[key] = key in base ? this.api(key).descriptor.fixtures.merge(base[key], section) : section;
    }
    return out;
  }

  /** POST /_sim/fixtures: merge (upsert) or replace the loaded set and the database state. */
  loadFixtures(extra: unknown, mode: 'merge' | 'replace'): FixtureDocument {
    const doc = mode === 'merge' ? this.merge(this.fixtures, extra, 'fixtures') : this.merge({}, extra, 'fixtures');
    this.store.commit(() => {
      for (const a of this.apis) {
        const name = a.descriptor.name;
        const section = (extra as FixtureDocument)[name];
        if (mode === 'replace') a.instance.load(doc[name] ?? {}, { mode: 'replace' });
        else if (section !== undefined) a.instance.load(section, { mode: 'merge' });
      }
    });
    this.fixtures = doc;
    this.settle();
    return doc;
  }

  /**
   * POST /_sim/reset: back to the fixtures' state; one API, or one project, when asked. A project reset touches only
   * the APIs with projects (unless one is named).
   */
  reset(opts: { api?: string; project?: string } = {}): void {
    this.store.commit(() => {
      for (const a of this.apis) {
        if (opts.api && a.descriptor.name !== opts.api) continue;
        const project = a.descriptor.project ? opts.project : undefined;
        if (opts.project !== undefined && project === undefined) continue;
        a.instance.load(this.fixtures[a.descriptor.name] ?? {}, { mode: 'replace', project });
      }
    });
    this.settle();
  }

  /** Moves one restore or job of an API at the current instant (the API settles around the move itself). */
  force(api: string, target: ForceTarget): ForceResult {
    const { instance } = this.api(api);
    if (!instance.force) return { ok: false, statusCode: 404, reason: `${api} has nothing to force` };
    return instance.force(target, this.now());
  }

  close(): void {
    this.ready = false;
    try {
      this.persistClock();
    } catch {
      /* closed already */
    }
    this.store.close();
  }
}

export { FixtureError };
