// The SQLite store: one database, WAL for files, versioned migrations per namespace (core, trilio, vcenter),
// and a small key/value table for simulation metadata (the persisted virtual clock, fixture load marks).
import Database from 'better-sqlite3';
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

export class Store {
  readonly db: Db;
  readonly file: string;
  /** Prepared statements by SQL text (see `stmt`). */
  private readonly statements = new Map<string, Statement>();

  constructor(file: string) {
    this.file = file;
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
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    for (const m of sorted) {
      if (m.version <= current) continue;
      this.db.transaction(() => {
        if (typeof m.up === 'string') this.db.exec(m.up);
        else m.up(this.db);
        this.db
          .prepare('INSERT INTO schema_versions (namespace, version) VALUES (?, ?) ON CONFLICT(namespace) DO UPDATE SET version = excluded.version')
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
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  getMeta(key: string): string | undefined {
    return (this.stmt('SELECT value FROM sim_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT INTO sim_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Runs fn in one transaction (IMMEDIATE, so concurrent writers queue rather than fail). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}
