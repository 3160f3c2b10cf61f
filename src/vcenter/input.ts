// Request input against the declared schemas (schemas.ts), one path for JSON, XML and JSON-RPC: XML text is first
// coerced by the schema (booleans `true`/`false`, an empty element for a structure is unset), then every input is
// checked by the compiled schema (TypeBox, the shared structures as references); a failure is an InputError, which
// errors.ts answers in the vAPI dialect. Fastify runs the checks on the routes' bodies and query strings
// (`validatorCompiler`, routes with attachValidation); `rejectInvalid` throws what failed once the fault rules ran.
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { isObj } from '../core/fixtures.js';
import { InputError, vapiError } from './errors.js';
import { JobRestoreRequest, STRUCTURES, ValidateRestoreRequest, deref } from './schemas.js';
import type { XmlInput } from './xml.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  const known = compiled.get(schema);
  if (known) return known;
  const c = TypeCompiler.Compile(schema, STRUCTURES);
  compiled.set(schema, c);
  return c;
}

/** `value` when it matches `schema`; else throws the InputError. */
function checkInput<T = unknown>(schema: TSchema, value: unknown): T {
  const c = checker(schema);
  if (!c.Check(value)) throw new InputError(schema, value, [...c.Errors(value)]);
  return value as T;
}

/** Fastify's validator compiler for the vCenter routes: the declared schema, checked as is (no coercion). */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const c = checker(schema);
  return (data: unknown) =>
    c.Check(data) ? { value: data } : { error: new InputError(schema, data, [...c.Errors(data)]) };
};

/** XML text as the types `schema` declares: `true`/`false` for booleans; an empty element for a structure is unset. */
function coerceXml(schema: TSchema, value: unknown): unknown {
  const s = deref(schema);
  if (s.type === 'object') {
    if (value === '') return undefined;
    if (!isObj(value)) return value;
    const props = (s.properties ?? {}) as Record<string, TSchema>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, props[k] ? coerceXml(props[k], v) : v]));
  }
  if (s.type === 'array') return Array.isArray(value) ? value.map((x) => coerceXml(s.items as TSchema, x)) : value;
  if (s.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

type Content = Record<string, { schema: TSchema }> | undefined;
/** The body schema a route declares for a media type. */
const bodySchema = (req: FastifyRequest, mediaType: string | undefined): TSchema | undefined =>
  mediaType === undefined
    ? undefined
    : (req.routeOptions.schema?.body as { content?: Content } | undefined)?.content?.[mediaType]?.schema;

/**
 * An XML request body as the XML structure its route declares for the media type: rooted at that structure's element
 * (matched by local name), its text coerced by the schema. A route that declares none reads no body: as parsed.
 */
export function readXmlBody(req: FastifyRequest, x: XmlInput): unknown {
  const declared = bodySchema(req, req.mediaType);
  if (!declared) return x.body;
  const root = (deref(declared).xml as { name: string }).name;
  if (x.root === root) return coerceXml(declared, x.body);
  const text = `The XML request body must be rooted at <ns0:${root}>, not <${x.root}>`;
  throw vapiError('invalid_argument', 'com.vmware.vapi.rest.badRequest.xml', text, [root, x.root]);
}

/**
 * The preHandler of the vCenter routes, after the fault rules (so an injected fault comes first, as for any request):
 * throws the validation error Fastify attached. A body Fastify did not check (none: no Content-Type, or an empty
 * body of another type) is checked here as absent, so it gets the same answer.
 */
export async function rejectInvalid(req: FastifyRequest): Promise<void> {
  if (req.validationError) throw req.validationError;
  const schema = bodySchema(req, 'application/json');
  if (schema && req.body === undefined) checkInput(schema, undefined);
}

type NonNull<T> = { [K in keyof T]: Exclude<T[K], null> };
/** A checked RestoreRequest, its unset (null) optionals dropped, its location trimmed. */
export type RestoreRequest = NonNull<Static<typeof JobRestoreRequest>>;

/** A RestoreRequest (checked against its schema) as the use cases take it. */
export function toRestoreRequest(input: Static<typeof JobRestoreRequest>): RestoreRequest {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(JobRestoreRequest.properties)) {
    const v = (input as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) out[k] = v;
  }
  out.location = input.location.trim();
  return out as RestoreRequest;
}

const REQUEST = { job: JobRestoreRequest, validate: ValidateRestoreRequest } as const;

/** Checks and reads a job's or validate's RestoreRequest (`xml`: its values are XML text). */
export function readRestoreRequest(
  raw: unknown,
  kind: keyof typeof REQUEST,
  opts: { xml?: boolean } = {},
): RestoreRequest {
  const schema = REQUEST[kind];
  return toRestoreRequest(checkInput(schema, opts.xml ? coerceXml(schema, raw) : raw));
}

const TUNNELLED = new Set(['GET', 'PUT', 'PATCH', 'DELETE']);

/**
 * vAPI REST's method tunnelling, as the gateway accepts it: `POST /rest/…?~method=delete` (any case) is that method
 * (`get`, `put`, `patch`, `delete`); the parameter is taken out of the URL. Other requests are left as they are.
 */
export function tunnelledMethod(req: { method?: string; url?: string }): string | undefined {
  const url = req.url;
  if (req.method !== 'POST' || !url?.startsWith('/rest/') || !url.includes('~method=')) return undefined;
  const q = url.indexOf('?');
  const params = new URLSearchParams(url.slice(q + 1));
  const method = params.get('~method')?.toUpperCase();
  if (!method || !TUNNELLED.has(method)) return undefined;
  params.delete('~method');
  req.method = method;
  const rest = params.toString();
  return rest ? `${url.slice(0, q)}?${rest}` : url.slice(0, q);
}
