// The SQLite store: one database, WAL for files, versioned migrations per namespace (the core's and one per API),
// a small key/value table for simulation metadata (the persisted clock, fixture load marks), and the one
// commit-and-announce protocol: state changes are written in `commit(fn)` and the transitions `fn` announced are
// emitted once the transaction has committed (none when it rolls back).
import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

export type Db = Database.Database;
export type Statement = Database.Statement;

export interface Migration {
  /** 1, 2, 3…: applied in order, each once, in its own transaction. */
  version: number;
  up: string | ((db: Db) => void);
}

const CORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: `CREATE TABLE sim_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
];

/** A committed state change of a restore or job. */
export interface TransitionEvent {
  /** The API's name. */
  api: string;
  /** What moved, e.g. `restore`, `job`. */
  kind: string;
  id: string;
  from: string;
  to: string;
  /** Clock time of the transition (ms). */
  at: number;
}

export class Store extends EventEmitter<{ transition: [TransitionEvent] }> {
  readonly db: Db;
  /** Prepared statements by SQL text (see `stmt`). */
  private readonly statements = new Map<string, Statement>();
  /** Namespaces whose first migration ran in this process (new databases, or an API new to an old database). */
  readonly created = new Set<string>();
  /** Transitions announced by the commit in progress; null outside one. */
  private pending: TransitionEvent[] | null = null;

  constructor(file: string) {
    super();
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS schema_versions (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
    this.migrate('core', CORE_MIGRATIONS);
  }

  /** Applies the namespace's migrations that are newer than its recorded version. */
  migrate(namespace: string, migrations: readonly Migration[]): number {
    const row = this.db.prepare('SELECT version FROM schema_versions WHERE namespace = ?').get(namespace) as
      | { version: number }
      | undefined;
    let current = row?.version ?? 0;
    if (current === 0 && migrations.length > 0) this.created.add(namespace);
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    for (const m of sorted) {
      if (m.version <= current) continue;
      this.db.transaction(() => {
        if (typeof m.up === 'string') this.db.exec(m.up);
        else m.up(this.db);
        this.db
          .prepare(
            'INSERT INTO schema_versions (namespace, version) VALUES (?, ?) ' +
              'ON CONFLICT(namespace) DO UPDATE SET version = excluded.version',
          )
          .run(namespace, m.version);
      })();
      current = m.version;
    }
    return current;
  }

  /**
   * The prepared statement of `sql`, prepared once per store and reused: hot paths run the same few statements on
   * every request. Build `sql` from a bounded set of fragments (values go in as parameters), or the cache grows.
   */
  stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  getMeta(key: string): string | undefined {
    return (this.stmt('SELECT value FROM sim_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt(
      'INSERT INTO sim_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  /** Runs fn in one transaction (IMMEDIATE, so concurrent writers queue rather than fail; nested: a savepoint). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * Runs fn in one transaction and emits the transitions it announced once it has committed (none if it throws).
   * A nested commit joins the outer one, whose COMMIT announces them all.
   */
  commit<T>(fn: () => T): T {
    if (this.pending) return this.tx(fn);
    this.pending = [];
    let events: TransitionEvent[];
    let out: T;
    try {
      out = this.tx(fn);
      events = this.pending;
    } finally {
      this.pending = null;
    }
    for (const e of events) this.emit('transition', e);
    return out;
  }

  /** Announces a transition of the commit in progress (emitted after its COMMIT). Only inside `commit`. */
  announce(e: TransitionEvent): void {
    if (!this.pending)
      throw new Error('Store.announce: a transition is announced inside store.commit(), never outside');
    this.pending.push(e);
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}
