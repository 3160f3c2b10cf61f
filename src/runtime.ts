// The runtime: one Simulation, the API modules plugged into it, and the loaded fixture set. No HTTP here; the
// app decorates Fastify with it and the control plane drives it.
import type { Config } from './config.js';
import { Simulation } from './sim/simulation.js';
import { FixtureError, readFixtureFiles, type FixtureDocument } from './sim/fixtures.js';
import type { ApiModule, ApiModuleFactory } from './module.js';
import type { ApiName } from './sim/rules.js';

export class Runtime {
  readonly sim: Simulation;
  readonly modules: ApiModule[];
  /** The fixture set reset returns to: the --fixtures files, plus whatever POST /_sim/fixtures merged in. */
  fixtures: FixtureDocument = {};
  /** Set once migrations ran and fixtures are loaded (GET /_sim/ready). */
  ready = false;

  constructor(readonly config: Config, factories: ApiModuleFactory[], opts: { start?: number } = {}) {
    this.sim = new Simulation({ db: config.db, clock: config.clock, speed: config.speed, start: opts.start });
    try {
      this.modules = factories.map((f) => f(this.sim, config));
      for (const m of this.modules) this.sim.onSettle((now) => m.settle(now));
    } catch (err) {
      this.sim.close();
      throw err;
    }
  }

  module(name: ApiName): ApiModule {
    const m = this.modules.find((x) => x.name === name);
    if (!m) throw new Error(`no API module ${name}`);
    return m;
  }

  /** Reads the --fixtures path; loads it into the database unless the database already holds state. */
  init(): void {
    const files = readFixtureFiles(this.config.fixtures);
    let doc: FixtureDocument = {};
    for (const f of files) doc = this.merge(doc, f.doc, f.file);
    this.fixtures = doc;
    if (this.sim.store.getMeta('fixtures.loaded') === undefined) {
      this.sim.store.tx(() => {
        for (const m of this.modules) m.load(doc[m.name] ?? {}, { mode: 'replace' });
        this.sim.store.setMeta('fixtures.loaded', String(this.sim.now()));
      });
    }
    this.sim.persistClock();
    this.sim.settle();
    this.ready = true;
  }

  /**
   * Validates a document (an object; unknown sections and every module's problems); throws FixtureError. `where` is
   * `fixtures` for a posted document, else the file it was read from.
   */
  validate(doc: unknown, where = 'fixtures'): FixtureDocument {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      throw new FixtureError([where === 'fixtures' ? 'fixtures: must be a JSON object' : `fixtures: ${where}: must be a JSON object`]);
    }
    const problems: string[] = [];
    for (const key of Object.keys(doc)) {
      const m = this.modules.find((x) => x.name === key);
      if (!m) problems.push(`${where}: unknown section "${key}" (expected ${this.modules.map((x) => `"${x.name}"`).join(' or ')})`);
      else problems.push(...m.validateFixtures((doc as FixtureDocument)[key]).map((p) => `${where}.${key}${p.startsWith('[') || p.startsWith('.') ? '' : ': '}${p}`));
    }
    if (problems.length) throw new FixtureError(problems);
    return doc as FixtureDocument;
  }

  private merge(base: FixtureDocument, extra: unknown, where: string): FixtureDocument {
    const doc = this.validate(extra, where);
    const out: FixtureDocument = { ...base };
    for (const [key, section] of Object.entries(doc)) {
      out[key] = key in base ? this.module(key as ApiName).mergeFixtures(base[key], section) : section;
    }
    return out;
  }

  /** POST /_sim/fixtures: merge (upsert) or replace the loaded set and the database state. */
  loadFixtures(extra: unknown, mode: 'merge' | 'replace'): FixtureDocument {
    const doc = mode === 'merge' ? this.merge(this.fixtures, extra, 'fixtures') : this.merge({}, extra, 'fixtures');
    this.sim.store.tx(() => {
      for (const m of this.modules) {
        const section = (extra as FixtureDocument)[m.name];
        if (mode === 'replace') m.load(doc[m.name] ?? {}, { mode: 'replace' });
        else if (section !== undefined) m.load(section, { mode: 'merge' });
      }
    });
    this.fixtures = doc;
    this.sim.settle();
    return doc;
  }

  /** POST /_sim/reset: back to the fixtures' state; one API, or one Trilio project, when asked. */
  reset(opts: { api?: ApiName; project?: string } = {}): void {
    this.sim.store.tx(() => {
      for (const m of this.modules) {
        if (opts.api && m.name !== opts.api) continue;
        if (opts.project && m.name !== 'trilio' && !opts.api) {
          // A project reset leaves the vCenter appliance alone unless it was named.
          continue;
        }
        m.load(this.fixtures[m.name] ?? {}, { mode: 'replace', project: m.name === 'trilio' ? opts.project : undefined });
      }
    });
    this.sim.settle();
  }

  close(): void {
    this.ready = false;
    this.sim.close();
  }
}

export { FixtureError };
