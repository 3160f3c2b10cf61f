// Keystone's use cases, without HTTP: load fixtures, issue a token (password and token methods, project, domain or
// no scope, Keystone's default project), validate, revoke, resolve a token for the other APIs, and the directory's
// questions (a user's roles on a project or a domain, the projects a user has roles on). Each takes the instant it
// acts at (`now`, the request's settled instant); writes are one store.commit each.
import type { Static } from '@sinclair/typebox';
import type { Principal } from '../core/api.js';
import type { Store } from '../core/store.js';
import { AUTH_METHODS, badRequest, KeystoneError, MSG, unauthorized, unsupportedMethod } from './errors.js';
import { type Directory, type DomainFx, mergeSections, normalizeSection, type RoleFx } from './fixtures.js';
import { auditIds, expiryOf, methodsOf, newTokenId, type TokenRow, tokenState, wholeSecond } from './lifecycle.js';
import type { KeystoneRepository } from './repository.js';
import type { Auth } from './schemas.js';
import type { TokenFacts } from './views.js';

/** The request's `auth` object (schema-checked). */
export type AuthBody = Static<typeof Auth>;
type PasswordData = NonNullable<AuthBody['identity']['password']>;
type ScopeData = Exclude<NonNullable<AuthBody['scope']>, string>;
type User = Directory['users'][number];
type Project = Directory['projects'][number];
/** What a token is scoped to. */
type Scope = { project_id: string | null; domain_id: string | null };

/** A valid token: its row and what its body says (no catalog). */
export interface LiveToken {
  row: TokenRow;
  facts: TokenFacts;
}

export class KeystoneService {
  constructor(
    private readonly store: Store,
    private readonly repo: KeystoneRepository,
    /** --token-ttl, read when a token is issued. */
    private readonly ttl: () => number,
  ) {}

  // ---- fixtures ------------------------------------------------------------------------------------------------

  /** Loads a (valid) section at `now`: `replace` also drops every token issued; the section's tokens are seeded. */
  load(raw: unknown, mode: 'replace' | 'merge', now: number): void {
    this.store.commit(() => {
      if (mode === 'replace') this.repo.deleteTokens();
      const base = mode === 'replace' ? {} : this.repo.directory();
      const directory = normalizeSection(mergeSections(base, raw));
      this.repo.saveDirectory(directory);
      const issued = wholeSecond(now);
      const seeded = (raw as { tokens?: Directory['tokens'] } | undefined)?.tokens ?? [];
      for (const t of seeded) {
        this.repo.putToken({
          id: t.id,
          user_id: t.user_id,
          project_id: t.project_id ?? null,
          domain_id: t.domain_id ?? null,
          methods: ['password'],
          audit_ids: auditIds(undefined),
          issued_ms: issued,
          expires_ms: t.expires_at !== undefined ? wholeSecond(Date.parse(t.expires_at)) : issued + this.ttl() * 1000,
          revoked_ms: null,
        });
      }
    });
  }

  directory(): Directory {
    return this.repo.directory();
  }

  // ---- the directory -------------------------------------------------------------------------------------------

  domain(ref: { id?: string; name?: string }): DomainFx | undefined {
    const d = this.directory().domains;
    return ref.id !== undefined ? d.find((x) => x.id === ref.id) : d.find((x) => x.name === ref.name);
  }

  user(id: string): User | undefined {
    return this.directory().users.find((u) => u.id === id);
  }

  project(id: string): Project | undefined {
    return this.directory().projects.find((p) => p.id === id);
  }

  /** The user's roles on a project or a domain, with the roles they imply (admin → member → reader). */
  roles(user: User, on: Scope): RoleFx[] {
    const all = this.directory().roles;
    const names: string[] = [];
    for (const a of user.roles ?? []) {
      const hit = on.project_id !== null ? a.project_id === on.project_id : a.domain_id === on.domain_id;
      if (hit && !names.includes(a.role)) names.push(a.role);
    }
    for (let i = 0; i < names.length; i++) {
      for (const implied of all.find((r) => r.name === names[i])?.implies ?? [])
        if (!names.includes(implied)) names.push(implied);
    }
    return names.flatMap((n) => all.filter((r) => r.name === n));
  }

  /** The projects the user has a role on, in the directory's order. */
  projectsOf(user: User): Project[] {
    const ids = new Set((user.roles ?? []).flatMap((a) => (a.project_id ? [a.project_id] : [])));
    return this.directory().projects.filter((p) => ids.has(p.id));
  }

  // ---- tokens --------------------------------------------------------------------------------------------------

  /**
   * POST /v3/auth/tokens: authenticates `auth` (the request's `auth` object, schema-checked) at `now` and issues a
   * token. 400 for a request Keystone finds malformed, 401 for failed authentication or a scope the user has no
   * role on, 404 for an invalid token of the token method.
   */
  issue(auth: AuthBody, now: number): LiveToken {
    checkIds(auth);
    const { identity } = auth;
    const methods = identity.methods;
    let user: User | undefined;
    let parent: TokenRow | undefined;
    for (const method of methods) {
      if (!(AUTH_METHODS as readonly string[]).includes(method)) throw unsupportedMethod();
      const data = method === 'password' ? identity.password : identity.token;
      if (data === undefined) throw badRequest(MSG.expecting(method, 'identity'));
      let u: User;
      if (method === 'password') u = this.passwordUser(identity.password!);
      else {
        parent = this.tokenUser(identity.token!.id, now).row;
        u = this.user(parent.user_id)!;
      }
      if (user && user.id !== u.id) throw unauthorized();
      user = u;
    }
    if (!user) throw unauthorized();
    const scope = this.scopeOf(auth.scope, user);
    return this.store.commit(() => {
      const issued = wholeSecond(now);
      const row: TokenRow = {
        id: newTokenId(issued),
        user_id: user.id,
        ...scope,
        methods: methodsOf(methods, parent),
        audit_ids: auditIds(parent),
        issued_ms: issued,
        expires_ms: expiryOf(issued, this.ttl(), parent),
        revoked_ms: null,
      };
      this.repo.putToken(row);
      return { row, facts: this.facts(row)! };
    });
  }

  /** The password method's user: by id, or by name in a domain (by id or name); 401 unless the password is its. */
  private passwordUser(data: PasswordData): User {
    const u = data.user;
    if (!u) throw badRequest(MSG.expecting('user', 'password'));
    let user: User | undefined;
    if (u.name !== undefined) {
      if (u.domain === undefined) throw badRequest(MSG.expecting('domain', 'user'));
      const domain = this.domain(u.domain);
      user = domain && this.directory().users.find((x) => x.name === u.name && x.domain_id === domain.id);
    } else {
      user = this.user(u.id ?? '');
    }
    if (!user || typeof u.password !== 'string' || u.password !== user.password) throw unauthorized();
    return user;
  }

  /** The token method's token: valid at `now`, else 404 (Keystone's TokenNotFound). */
  private tokenUser(id: string, now: number): LiveToken {
    const live = this.live(id, now);
    if (!live) throw new KeystoneError(404, MSG.tokenNotFound(id));
    return live;
  }

  /** What the request scopes the token to, checked against the user's roles (none: 401). */
  private scopeOf(scope: AuthBody['scope'], user: User): Scope {
    const none: Scope = { project_id: null, domain_id: null };
    if (scope === undefined) {
      // Keystone scopes an unscoped request to the user's default project when the user has a role there.
      const p = user.default_project_id ? this.project(user.default_project_id) : undefined;
      const s = { project_id: p?.id ?? null, domain_id: null };
      return p && this.roles(user, s).length ? s : none;
    }
    const kinds = ['project', 'domain', 'OS-TRUST:trust', 'system', 'unscoped'];
    const given = typeof scope === 'string' ? kinds.filter((k) => scope.includes(k)) : Object.keys(scope);
    if (given.filter((k) => kinds.includes(k)).length !== 1)
      throw badRequest(MSG.expecting('project, domain, OS-TRUST:trust or unscoped', 'scope'));
    if (typeof scope === 'string') return none;
    const s: ScopeData = scope;
    let target: Scope;
    if (s.project) {
      const p = s.project;
      let project: Project | undefined;
      if (p.name !== undefined) {
        if (p.domain === undefined) throw badRequest(MSG.expecting('domain', 'project'));
        const domain = this.domain(p.domain);
        project = domain && this.directory().projects.find((x) => x.name === p.name && x.domain_id === domain.id);
      } else project = this.project(p.id ?? '');
      if (!project) throw unauthorized();
      target = { project_id: project.id, domain_id: null };
    } else if (s.domain) {
      const domain = this.domain(s.domain);
      if (!domain) throw unauthorized();
      target = { project_id: null, domain_id: domain.id };
    } else throw unauthorized(); // trusts and system scope: no such role here
    if (!this.roles(user, target).length) throw unauthorized();
    return target;
  }

  /** A token valid at `now` (not revoked, not expired, its user and scope still there, roles on it), with its facts. */
  live(id: string, now: number): LiveToken | undefined {
    const row = this.repo.token(id);
    if (!row || tokenState(row, now) !== 'valid') return undefined;
    const facts = this.facts(row);
    return facts ? { row, facts } : undefined;
  }

  private facts(row: TokenRow): TokenFacts | undefined {
    const user = this.user(row.user_id);
    const userDomain = user && this.domain({ id: user.domain_id });
    if (!user || !userDomain) return undefined;
    const roles = this.roles(user, row);
    if (row.project_id !== null) {
      const project = this.project(row.project_id);
      const domain = project && this.domain({ id: project.domain_id });
      if (!project || !domain || !roles.length) return undefined;
      return { user, userDomain, project: { project, domain }, roles };
    }
    if (row.domain_id !== null) {
      const domain = this.domain({ id: row.domain_id });
      if (!domain || !roles.length) return undefined;
      return { user, userDomain, domain, roles };
    }
    return { user, userDomain, roles: [] };
  }

  /** DELETE /v3/auth/tokens: revokes a valid token at `now`; false when there is none to revoke. */
  revoke(id: string, now: number): boolean {
    return this.store.commit(() => (this.live(id, now) ? this.repo.revoke(id, now) : false));
  }

  /** The principal of a token valid at `now` (the other APIs' view of it); null otherwise. */
  resolve(id: string, now: number): Principal | null {
    const live = this.live(id, now);
    if (!live) return null;
    const roles = live.facts.roles.map((r) => r.name);
    return { user: live.row.user_id, project: live.row.project_id, roles, admin: roles.includes('admin') };
  }

  counts(now: number): Record<string, number> {
    return this.repo.counts(now);
  }
}

/** Keystone's checks after its schema (validate_issue_token_auth): a user, project or domain needs an id or a name. */
function checkIds(auth: AuthBody): void {
  const need = (o: { id?: string; name?: string } | undefined, field: string) => {
    if (o && o.id === undefined && o.name === undefined)
      throw badRequest(`Invalid input for field ${field}: id or name must be present.`);
  };
  const user = auth.identity.password?.user;
  need(user, 'identity/password/user');
  need(user?.domain, 'identity/password/user/domain');
  const scope = typeof auth.scope === 'object' ? auth.scope : undefined;
  need(scope?.project, 'scope/project');
  need(scope?.project?.domain, 'scope/project/domain');
  need(scope?.domain, 'scope/domain');
}
