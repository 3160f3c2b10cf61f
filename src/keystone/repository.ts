// The Keystone tables and every statement on them: the directory (the normalised fixtures section: region, domains,
// roles, projects, users) and the tokens issued. Rows in, typed values out; no decisions. Writes happen inside the
// service's commits.
import type { Migration, Store } from '../core/store.js';
import { type Directory, normalizeSection } from './fixtures.js';
import type { TokenRow } from './lifecycle.js';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE keystone_directory (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        section TEXT NOT NULL           -- the normalised fixtures section (JSON)
      );
      CREATE TABLE keystone_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        project_id TEXT,                -- project-scoped tokens
        domain_id TEXT,                 -- domain-scoped tokens
        methods TEXT NOT NULL,          -- JSON array
        audit_ids TEXT NOT NULL,        -- JSON array
        issued_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        revoked_ms INTEGER
      );`,
  },
];

interface StoredToken extends Omit<TokenRow, 'methods' | 'audit_ids'> {
  methods: string;
  audit_ids: string;
}

function statements(store: Store) {
  const p = (sql: string) => store.stmt(sql);
  const columns = 'id, user_id, project_id, domain_id, methods, audit_ids, issued_ms, expires_ms, revoked_ms';
  return {
    directory: p('SELECT section FROM keystone_directory WHERE id = 1'),
    saveDirectory: p(
      'INSERT INTO keystone_directory (id, section) VALUES (1, ?) ' +
        'ON CONFLICT(id) DO UPDATE SET section = excluded.section',
    ),
    token: p(`SELECT ${columns} FROM keystone_tokens WHERE id = ?`),
    putToken: p(
      `INSERT OR REPLACE INTO keystone_tokens (${columns}) ` +
        'VALUES (@id, @user_id, @project_id, @domain_id, @methods, @audit_ids, @issued_ms, @expires_ms, @revoked_ms)',
    ),
    revoke: p('UPDATE keystone_tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL'),
    deleteTokens: p('DELETE FROM keystone_tokens'),
    counts: p(
      `SELECT COALESCE(SUM(revoked_ms IS NOT NULL AND revoked_ms <= @now), 0) AS revoked,
              COALESCE(SUM((revoked_ms IS NULL OR revoked_ms > @now) AND expires_ms <= @now), 0) AS expired,
              COALESCE(SUM((revoked_ms IS NULL OR revoked_ms > @now) AND expires_ms > @now), 0) AS valid
       FROM keystone_tokens`,
    ),
  };
}

export class KeystoneRepository {
  private readonly q: ReturnType<typeof statements>;
  /** The directory, parsed: read on every request, written only by fixture loads. */
  private cache: Directory | undefined;

  constructor(store: Store) {
    store.migrate('keystone', MIGRATIONS);
    this.q = statements(store);
  }

  /** The directory (before any load: the defaults of an empty section). */
  directory(): Directory {
    if (this.cache) return this.cache;
    const row = this.q.directory.get() as { section: string } | undefined;
    this.cache = row ? (JSON.parse(row.section) as Directory) : normalizeSection({});
    return this.cache;
  }

  saveDirectory(directory: Directory): void {
    this.q.saveDirectory.run(JSON.stringify(directory));
    this.cache = undefined;
  }

  token(id: string): TokenRow | undefined {
    const row = this.q.token.get(id) as StoredToken | undefined;
    if (!row) return undefined;
    return { ...row, methods: JSON.parse(row.methods), audit_ids: JSON.parse(row.audit_ids) };
  }

  /** Inserts a token (replacing one with the same id: a fixture token loaded again). */
  putToken(row: TokenRow): void {
    this.q.putToken.run({ ...row, methods: JSON.stringify(row.methods), audit_ids: JSON.stringify(row.audit_ids) });
  }

  /** Marks a token revoked at `at` (once); false when it was revoked already or does not exist. */
  revoke(id: string, at: number): boolean {
    return this.q.revoke.run(at, id).changes > 0;
  }

  deleteTokens(): void {
    this.q.deleteTokens.run();
  }

  /** How many tokens are valid, expired and revoked at `now`. */
  counts(now: number): Record<'valid' | 'expired' | 'revoked', number> {
    return this.q.counts.get({ now }) as Record<'valid' | 'expired' | 'revoked', number>;
  }
}
