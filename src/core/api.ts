// The contract between the core and an emulated API. Each API folder (src/<api>/index.ts) exports one
// ApiDescriptor; the app's list of APIs (src/apis.ts) is the only place that names them. The core, the control
// plane, the journal, the docs, the metrics and the fault rules know an API only through its descriptor.
import type { FastifyPluginAsync } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { Config } from '../config.js';
import type { Clock } from './clock.js';
import type { Store } from './store.js';
import type { Setting } from './settings.js';

/** An operation of the API, as fault rules, the journal and the metrics name it (e.g. `restores.create`). */
export interface Operation {
  id: string;
  /** It creates a long-running restore or job: rules may set its `outcome` and `durationSeconds`. */
  creates?: boolean;
  /** Its requests carry a subject (see ApiDescriptor.subject) that rules may match with `match.subject`. */
  subject?: boolean;
}

/** A control-plane move of one long-running operation to a state. */
export interface ForceTarget {
  /** The restore's id, for APIs whose force route has an `:id` (absent for a singleton job). */
  id?: string;
  state: string;
  message?: string;
}

export interface ForceResult {
  ok: boolean;
  /** Why the move was refused (ok = false). */
  reason?: string;
  /** 404 when the target does not exist, 409 when the move is impossible. */
  statusCode?: number;
  /** The new state (ok = true). */
  state?: string;
}

/** Who a token stands for, as an identity API knows it: its user, project (null when not project-scoped), roles. */
export interface Principal {
  user: string;
  project: string | null;
  roles: readonly string[];
  /** Holds the admin role: sees every project. */
  admin: boolean;
}

/** What identity APIs (an instance's `identity`) offer every API: token lookup, and where clients log in. */
export interface Identity {
  /** The principal of a token valid at `now`; null when no identity API knows it, or it expired or was revoked. */
  resolve(token: string, now: number): Principal | null;
  /** Where clients log in (the `uri` of a token-auth `WWW-Authenticate` challenge) for a base URL; undefined: none. */
  authUri(base: string): string | undefined;
}

/** An OpenStack-style service an API is: identity APIs list it in their catalog and their version document. */
export interface CatalogService {
  /** Service type and name in the catalog, e.g. `workloads` and `TrilioVaultWLM`. */
  type: string;
  name: string;
  description: string;
  /** The endpoint under the base URL; `{project_id}` stands for the token's project, e.g. `/v1/{project_id}`. */
  path: string;
  /** Its entry in a root version document: id, status, updated, and the path its `self` link names. */
  version: { id: string; status: string; updated: string; path: string };
}

/** What an API instance is given: the one clock, the one store (commit-and-announce), the settings. */
export interface ApiContext {
  clock: Clock;
  store: Store;
  config: Config;
  /** Tokens issued by any identity API (resolved when called, so the order of the APIs does not matter). */
  identity: Identity;
  /** The catalog services of every API (descriptors' `service`). */
  services: readonly CatalogService[];
}

/** A running API: its routes and the four things the core asks of its state. */
export interface ApiInstance {
  /** Routes, schemas, parsers, error and not-found handlers of the API (registered at the root). */
  plugin: FastifyPluginAsync;
  /**
   * Loads a (valid) fixtures section inside the caller's transaction. `replace` first deletes the API's state (only
   * `project`'s when given, for APIs with projects); `merge` upserts the section's entities and keeps the rest.
   */
  load(section: unknown, opts: { mode: 'replace' | 'merge'; project?: string }): void;
  /** Commits every transition due at `now` (store.commit: announced after COMMIT). */
  settle(now: number): void;
  /** How many restores or jobs are in each state now (the API's metrics gauge). */
  counts(): Record<string, number>;
  /** Moves one restore or job to `target.state` at `now`, with the usual side effects, in one commit. */
  force?(target: ForceTarget, now: number): ForceResult;
  /** An identity API's part of `ApiContext.identity`. */
  identity?: Identity;
}

/** What an API's part of the library client is given: the base URL and a control-plane call. */
export interface ClientContext {
  /** Base URL of the emulator, e.g. `http://127.0.0.1:53211`. */
  url: string;
  /** Calls the control plane (`path` under /_sim); a failure throws RestoreSimError. */
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** The client's fetch (it trusts the emulator's certificate over HTTPS), for calls to the API itself. */
  fetch: typeof fetch;
}

export interface ApiDescriptor<N extends string = string, C = unknown> {
  /** The API's name: fixture section, `?api=`, rule `match.api`, journal and metrics label. */
  name: N;
  /** Request paths of the API start with one of these (journal, docs, unmatched requests), e.g. `/v1/`. */
  prefixes: readonly string[];
  /** Its OpenAPI document: title, picker label, description and the security schemes its routes name. */
  docs: { title: string; label: string; description: string; securitySchemes: Record<string, Record<string, unknown>> };
  /** Every operation its routes declare (a route naming any other fails at start). */
  operations: readonly Operation[];
  /** What a rule's `match.subject` reads in this API, e.g. `restore name`. */
  subject: string;
  /** Terminal states a rule's `outcome` may name. */
  outcomes: readonly string[];
  /** Requests carry a project in this path parameter (rules' `match.project`, reset `?project=`). */
  project?: { param: string };
  /** Rules' `effects.error.vendorError` applies: an error type of the vendor's, matching `pattern`. */
  vendorError?: { pattern: RegExp; hint: string };
  /** Its fixtures section: validated (one line per problem, `.path: message`) and merged (extra wins). */
  fixtures: { schema: TSchema; validate(section: unknown): string[]; merge(base: unknown, extra: unknown): unknown };
  /** The metrics gauge of its restores or jobs (or tokens…) by state: `counts()`. */
  gauge: { name: string; help: string };
  /** The control-plane route that forces a state: its URL under /_sim (with `:id` when it names one) and summary. */
  force?: { url: string; summary: string };
  /** The OpenStack-style service it is, for identity APIs' catalogs. */
  service?: CatalogService;
  /**
   * Adjusts a raw request before routing (e.g. a gateway's method tunnelling, `POST …?~method=delete`): it may set
   * `method`; the URL it returns replaces the request's.
   */
  rewrite?(request: { method?: string; url?: string }): string | undefined;
  /** Settings of its own (CLI flag, environment variable), merged into the one settings table. */
  settings: readonly Setting[];
  /** Its part of the library client (`sim.<name>`): endpoints and forced moves, over HTTP. */
  client(ctx: ClientContext): C;
  /** Migrates its tables and returns the instance. */
  create(ctx: ApiContext): ApiInstance;
}

/** Types a descriptor with its literal name and its client. */
export const defineApi = <const N extends string, C>(d: ApiDescriptor<N, C>): ApiDescriptor<N, C> => d;
