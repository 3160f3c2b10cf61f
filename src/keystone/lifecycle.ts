// A Keystone token's life, pure (no SQL, no HTTP): issued at an instant (Keystone keeps whole seconds), valid until
// its expiry on the simulated clock unless revoked first; its state at any instant is derived from those timestamps.
// Also what a new token is made of: a Fernet-looking id, an audit id, the expiry a rescoped token inherits.
import { randomBytes } from 'node:crypto';

export const TOKEN_STATES = ['valid', 'expired', 'revoked'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

/** A token as persisted: who, scoped to what, how it was obtained, when it was issued and until when it is valid. */
export interface TokenRow {
  id: string;
  user_id: string;
  /** The project it is scoped to; null for a domain-scoped or unscoped token. */
  project_id: string | null;
  /** The domain it is scoped to; null for a project-scoped or unscoped token. */
  domain_id: string | null;
  methods: string[];
  /** Its own audit id, then (a rescoped token) the audit id of the chain's first token. */
  audit_ids: string[];
  issued_ms: number;
  expires_ms: number;
  revoked_ms: number | null;
}

/** Keystone keeps whole seconds (Fernet timestamps): an instant truncated to its second. */
export const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

/** Keystone's time format: `2026-12-06T19:32:17.000000Z`. */
export const keystoneTime = (ms: number) => new Date(wholeSecond(ms)).toISOString().replace(/\.\d{3}Z$/, '.000000Z');

/** The token's state at `now`: revoked (when it was revoked by then), else expired once its expiry has come. */
export function tokenState(row: Pick<TokenRow, 'expires_ms' | 'revoked_ms'>, now: number): TokenState {
  if (row.revoked_ms !== null && row.revoked_ms <= now) return 'revoked';
  return now >= row.expires_ms ? 'expired' : 'valid';
}

/**
 * A new token id shaped like a Fernet token: url-safe base64 without padding of version byte 0x80, the issue time in
 * seconds (8 bytes, big endian), then random bytes standing for the IV, the ciphertext and the HMAC. It starts with
 * `gAAAAAB` as Keystone's do; nothing can be read back from it.
 */
export function newTokenId(issuedMs: number): string {
  const head = Buffer.alloc(9);
  head[0] = 0x80;
  head.writeBigUInt64BE(BigInt(Math.floor(issuedMs / 1000)), 1);
  return Buffer.concat([head, randomBytes(16 + 80 + 32)]).toString('base64url');
}

/** A new audit id: 16 random bytes, url-safe base64 without padding (22 characters), as Keystone's. */
export const newAuditId = () => randomBytes(16).toString('base64url');

/** The audit ids of a token: its own, then the chain's first when it was obtained from another token. */
export const auditIds = (parent: Pick<TokenRow, 'audit_ids'> | undefined): string[] =>
  parent ? [newAuditId(), parent.audit_ids[parent.audit_ids.length - 1]!] : [newAuditId()];

/** The methods of a token: those that authenticated it; the token method adds its parent's (Keystone's rescope). */
export function methodsOf(methods: readonly string[], parent: Pick<TokenRow, 'methods'> | undefined): string[] {
  const out = [...new Set(methods)];
  for (const m of parent?.methods ?? []) if (!out.includes(m)) out.push(m);
  return out;
}

/** The expiry of a new token: its parent's when rescoped (never extended), else `ttl` seconds after issue. */
export const expiryOf = (issuedMs: number, ttlSeconds: number, parent: Pick<TokenRow, 'expires_ms'> | undefined) =>
  parent ? parent.expires_ms : issuedMs + ttlSeconds * 1000;
