// The vCenter tables and every statement on them: the appliance (its normalised fixtures section and its state),
// the single job slot, the sessions. Rows in, typed values out; no decisions. Statements are prepared once per store
// (`Store.stmt`'s cache). Writes happen inside the service's commits.
import type { Migration, Store } from '../core/store.js';
import type { Plan } from '../core/lifecycle.js';
import { normalizeSection, type VcenterSection } from './fixtures.js';
import type { Job } from './lifecycle.js';
import type { LocalizableMessage } from './views.js';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE vcenter_appliance (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        section TEXT NOT NULL,          -- the normalized fixtures section (JSON)
        state TEXT NOT NULL             -- DEPLOYED (before firstboot) | CONFIGURED
      );
      CREATE TABLE vcenter_job (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL,            -- committed state: INPROGRESS | SUCCEEDED | FAILED
        progress INTEGER NOT NULL,
        plan TEXT NOT NULL,             -- lifecycle Plan; terminal.message holds a LocalizableMessage as JSON
        phase_messages TEXT NOT NULL,   -- one LocalizableMessage per planned phase (JSON array)
        parts TEXT,                     -- requested parts (JSON array) or NULL
        request TEXT NOT NULL,          -- the request, secrets masked (JSON)
        started_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE TABLE vcenter_session (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_accessed_at INTEGER NOT NULL
      );`,
  },
  {
    // progress, finished_at and request were written and never read: the job's status at any instant is computed
    // from its plan (only the committed state is stored, for transitions and counts).
    version: 2,
    up: `
      ALTER TABLE vcenter_job DROP COLUMN progress;
      ALTER TABLE vcenter_job DROP COLUMN finished_at;
      ALTER TABLE vcenter_job DROP COLUMN request;`,
  },
];

interface JobRow {
  state: string;
  plan: string;
  phase_messages: string;
  parts: string | null;
  started_at: number;
}

interface SessionRow {
  id: string;
  user: string;
  created_at: number;
  last_accessed_at: number;
}

function statements(store: Store) {
  const p = (sql: string) => store.stmt(sql);
  return {
    appliance: p('SELECT section, state FROM vcenter_appliance WHERE id = 1'),
    saveAppliance: p(
      'INSERT INTO vcenter_appliance (id, section, state) VALUES (1, ?, ?) ' +
        'ON CONFLICT(id) DO UPDATE SET section = excluded.section, state = excluded.state',
    ),
    sessions: p('SELECT id, user FROM vcenter_session'),
    session: p('SELECT id, user, created_at, last_accessed_at FROM vcenter_session WHERE id = ?'),
    insertSession: p('INSERT INTO vcenter_session (id, user, created_at, last_accessed_at) VALUES (?, ?, ?, ?)'),
    touchSession: p('UPDATE vcenter_session SET last_accessed_at = ? WHERE id = ?'),
    deleteSession: p('DELETE FROM vcenter_session WHERE id = ?'),
    job: p('SELECT state, plan, phase_messages, parts, started_at FROM vcenter_job WHERE id = 1'),
    jobState: p('SELECT state FROM vcenter_job WHERE id = 1'),
    putJob: p(
      `INSERT INTO vcenter_job (id, state, plan, phase_messages, parts, started_at) VALUES (1, 'INPROGRESS', ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, plan = excluded.plan,
         phase_messages = excluded.phase_messages,
         parts = excluded.parts, started_at = excluded.started_at`,
    ),
    setJobState: p('UPDATE vcenter_job SET state = ? WHERE id = 1'),
    setJobPlan: p('UPDATE vcenter_job SET plan = ? WHERE id = 1'),
    deleteJob: p('DELETE FROM vcenter_job'),
  };
}

export class VcenterRepository {
  private readonly q: ReturnType<typeof statements>;
  /** The appliance row, parsed: read on almost every request, written only by fixture loads and a restore's end. */
  private cache: { section: VcenterSection; state: string } | undefined;

  constructor(store: Store) {
    store.migrate('vcenter', MIGRATIONS);
    this.q = statements(store);
  }

  // ---- the appliance ---------------------------------------------------------------------------------------------

  /** Its fixtures section and its state (before any load: the built-in section, in its own state). */
  appliance(): { section: VcenterSection; state: string } {
    if (this.cache) return this.cache;
    const row = this.q.appliance.get() as { section: string; state: string } | undefined;
    const section = row ? (JSON.parse(row.section) as VcenterSection) : normalizeSection({});
    this.cache = { section, state: row?.state ?? section.appliance.state };
    return this.cache;
  }

  saveAppliance(section: VcenterSection, state: string): void {
    this.q.saveAppliance.run(JSON.stringify(section), state);
    this.cache = undefined;
  }

  // ---- the job ---------------------------------------------------------------------------------------------------

  /** The job, parsed; undefined before the first job (NONE). */
  job(): Job | undefined {
    const row = this.q.job.get() as JobRow | undefined;
    if (!row) return undefined;
    return {
      state: row.state,
      plan: JSON.parse(row.plan) as Plan,
      phaseMessages: JSON.parse(row.phase_messages) as LocalizableMessage[],
      parts: row.parts ? (JSON.parse(row.parts) as string[]) : null,
      startedAt: row.started_at,
    };
  }

  /** The job's committed state; undefined before the first job. */
  jobState(): string | undefined {
    return (this.q.jobState.get() as { state: string } | undefined)?.state;
  }

  /** A new job (INPROGRESS) in the slot. */
  putJob(job: Job): void {
    const parts = job.parts ? JSON.stringify(job.parts) : null;
    this.q.putJob.run(JSON.stringify(job.plan), JSON.stringify(job.phaseMessages), parts, job.startedAt);
  }

  setJobState(state: string): void {
    this.q.setJobState.run(state);
  }

  setJobPlan(plan: Plan): void {
    this.q.setJobPlan.run(JSON.stringify(plan));
  }

  deleteJob(): void {
    this.q.deleteJob.run();
  }

  // ---- sessions --------------------------------------------------------------------------------------------------

  session(id: string): SessionRow | undefined {
    return this.q.session.get(id) as SessionRow | undefined;
  }

  sessions(): { id: string; user: string }[] {
    return this.q.sessions.all() as { id: string; user: string }[];
  }

  insertSession(id: string, user: string, at: number): void {
    this.q.insertSession.run(id, user, at, at);
  }

  touchSession(id: string, at: number): void {
    this.q.touchSession.run(at, id);
  }

  deleteSession(id: string): void {
    this.q.deleteSession.run(id);
  }
}
