// OpenAPI documents and the docs UI. One @fastify/swagger instance collects every route schema (this plugin is
// registered before any route); the full document is then split by path: one document per API (the paths under its
// descriptor's prefixes) and the control plane's (/_sim/…), each with only the components it references.
// Served at /openapi/<name>.json, with Swagger UI at /docs showing all three; those routes are hidden from the
// documents. `npm run openapi` writes the same documents to openapi/ (scripts/openapi.ts).
import fp from 'fastify-plugin';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';
import type { ApiDescriptor } from '../core/api.js';
import { APIS } from '../apis.js';

export type DocumentName = string;

interface DocumentSpec {
  title: string;
  /** Label in the docs UI's document picker. */
  label: string;
  description: string;
  /** A path belongs to the document when it starts with one of these. */
  prefixes: readonly string[];
  /** Security schemes (components.securitySchemes) this document defines. */
  securitySchemes: Record<string, Record<string, unknown>>;
}

const CONTROL: DocumentSpec = {
  title: 'restoresim control plane',
  label: 'restoresim control plane',
  description:
    'The /_sim control plane: health, clock, fixtures, reset, fault rules, request journal and forced state changes. ' +
    'Not part of any vendor API.',
  prefixes: ['/_sim/', '/_sim'],
  securitySchemes: {
    simAdminToken: {
      type: 'apiKey',
      in: 'header',
      name: 'X-Sim-Admin-Token',
      description: 'Required on /_sim calls (except health) when restoresim runs with --admin-token.',
    },
  },
};

/** One document per API (its descriptor's `docs` and `prefixes`), then the control plane's. */
export function documents(apis: readonly ApiDescriptor[]): Record<DocumentName, DocumentSpec> {
  const out: Record<DocumentName, DocumentSpec> = {};
  for (const a of apis) out[a.name] = { ...a.docs, prefixes: a.prefixes };
  out.control = CONTROL;
  return out;
}

/** The documents' names, in the order of the API list: what `npm run openapi` writes to openapi/. */
export const DOCUMENT_NAMES: DocumentName[] = Object.keys(documents(APIS));

type Json = Record<string, unknown>;

function belongs(path: string, spec: DocumentSpec): boolean {
  return spec.prefixes.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}

/** Every `#/components/<kind>/<name>` reference in a value. */
function collectRefs(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/')) out.add(v);
      else collectRefs(v, out);
    }
  }
}

/** One document out of the full one: its paths, the components they reach, the tags they use. */
function splitDocument(full: Json, spec: DocumentSpec): Json {
  const allPaths = (full.paths ?? {}) as Record<string, Json>;
  const paths: Record<string, Json> = {};
  for (const p of Object.keys(allPaths).sort()) if (belongs(p, spec)) paths[p] = allPaths[p]!;

  // Components reachable from the paths (transitively).
  const components = (full.components ?? {}) as Record<string, Record<string, unknown>>;
  const keep = new Set<string>();
  const queue = new Set<string>();
  collectRefs(paths, queue);
  while (queue.size) {
    const [ref] = queue;
    queue.delete(ref!);
    if (keep.has(ref!)) continue;
    keep.add(ref!);
    const [, , kind, key] = ref!.split('/');
    collectRefs(components[kind!]?.[decodeURIComponent(key!)], queue);
  }
  const outComponents: Record<string, Record<string, unknown>> = {};
  for (const ref of [...keep].sort()) {
    const [, , kind, key] = ref.split('/');
    const v = components[kind!]?.[decodeURIComponent(key!)];
    if (v === undefined) continue;
    outComponents[kind!] ??= {};
    outComponents[kind!]![decodeURIComponent(key!)] = v;
  }
  outComponents.securitySchemes = spec.securitySchemes;

  const usedTags = new Set<string>();
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item))
      for (const t of ((op as Json)?.tags as string[] | undefined) ?? []) usedTags.add(t);
  }
  const tags = ((full.tags ?? []) as { name: string }[]).filter((t) => usedTags.has(t.name));
  for (const t of [...usedTags].sort()) if (!tags.some((x) => x.name === t)) tags.push({ name: t });

  const doc: Json = {
    openapi: full.openapi,
    info: { title: spec.title, description: spec.description, version: VERSION },
  };
  if (tags.length) doc.tags = tags;
  doc.paths = paths;
  doc.components = outComponents;
  return doc;
}

export default fp(
  async (fastify: FastifyInstance) => {
    const specs = documents(fastify.emulator.apis.map((a) => a.descriptor));
    const names = Object.keys(specs);
    const schemes = Object.assign({}, ...Object.values(specs).map((d) => d.securitySchemes)) as Record<string, unknown>;
    await fastify.register(fastifySwagger, {
      // Shared schemas keep their $id as the component name (e.g. RestoreJobStatus) instead of def-N.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      openapi: {
        openapi: '3.1.0',
        info: { title: 'restoresim (all APIs)', version: VERSION },
        components: { securitySchemes: schemes as never },
      },
    });

    // Built once, on first request (the routes are all known by then). The app plugin is encapsulated, so other
    // code (scripts/openapi.ts, tests) reads the documents through these routes, e.g. with inject.
    const cache = new Map<DocumentName, Json>();
    const openapiDocument = (name: DocumentName): Json => {
      let doc = cache.get(name);
      if (!doc) {
        doc = splitDocument(structuredClone(fastify.swagger()) as unknown as Json, specs[name]!);
        cache.set(name, doc);
      }
      return doc;
    };

    for (const name of names) {
      fastify.get(`/openapi/${name}.json`, { schema: { hide: true } }, async (_request, reply) => {
        reply.header('cache-control', 'no-cache');
        return openapiDocument(name);
      });
    }

    await fastify.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      uiConfig: {
        urls: names.map((name) => ({ url: `/openapi/${name}.json`, name: specs[name]!.label })),
        'urls.primaryName': specs[names[0]!]!.label,
        deepLinking: true,
        displayRequestDuration: true,
        tryItOutEnabled: false,
      } as never,
    });
  },
  { name: 'restoresim-docs' },
);
