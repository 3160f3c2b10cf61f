// The shapes of the vCenter answers (reference §4), built in the reference's field order (a JSON answer is rendered
// as built): LocalizableMessage, Metadata, SessionInfo, ReturnResult, RestoreJobStatus. Types from their schemas.
// Pure: no SQL, no HTTP.
import type { Static } from '@sinclair/typebox';
import type {
  LocalizableMessage as LocalizableMessageSchema,
  Metadata as MetadataSchema,
  RestoreJobStatus as RestoreJobStatusSchema,
  ReturnResult as ReturnResultSchema,
  SessionInfo as SessionInfoSchema,
} from './schemas.js';
import type { Backup } from './fixtures.js';

/** `{id, default_message, args}`. */
export type LocalizableMessage = Static<typeof LocalizableMessageSchema>;
export type RestoreJobStatus = Static<typeof RestoreJobStatusSchema>;
export type ReturnResult = Static<typeof ReturnResultSchema>;
export type Metadata = Static<typeof MetadataSchema>;
/** What `com.vmware.cis.session.get` answers. */
export type SessionInfo = Static<typeof SessionInfoSchema>;
/** A live session: its id and its SessionInfo. */
export type Session = SessionInfo & { id: string };

/** The prefix of the restore service's own message ids. */
export const M = 'com.vmware.appliance.recovery.restore';

export function msg(id: string, default_message: string, args: unknown[] = []): LocalizableMessage {
  return { id, default_message, args: args.map(String) };
}

/** The SessionInfo of a session (every generation and JSON-RPC answer this same object). */
export const sessionInfo = (s: Session): SessionInfo => ({
  user: s.user,
  created_time: s.created_time,
  last_accessed_time: s.last_accessed_time,
});

/** What validate answers: the backup's metadata, its warnings as messages. */
export function metadataOf(backup: Backup): Metadata {
  const m = backup.metadata;
  return {
    timestamp: m.timestamp,
    parts: [...m.parts],
    version: m.version,
    boxname: m.boxname,
    sso_login_required: m.sso_login_required,
    comment: m.comment,
    applicable: m.applicable,
    messages: m.warnings.map((w) => msg(w.id, w.default_message, w.args)),
  };
}

/** Cancel's answer: OK when a running job was canceled, FAIL when none was running (not an error). */
export const cancelResult = (canceled: boolean): ReturnResult =>
  canceled
    ? { status: 'OK', messages: [msg(`${M}.job.cancel.ok`, 'The restore job was canceled')] }
    : {
        status: 'FAIL',
        messages: [msg(`${M}.job.cancel.nothing`, 'No restore job is in progress: there is nothing to cancel')],
      };

/** The job before any job ran. */
export const noJob = (): RestoreJobStatus => ({ state: 'NONE', messages: [], progress: 0 });
