// OpenAPI documents and the docs UI. One @fastify/swagger instance collects every route schema (this plugin is
// registered before any route); the full document is then split by path into three: the Trilio API (/v1/…), the
// vCenter API (/rest/… and /api/…) and the control plane (/_sim/…), each with only the components it references.
// Served at /openapi/<name>.json, with Swagger UI at /docs showing all three; those routes are hidden from the
// documents. `npm run openapi` writes the same documents to openapi/ (scripts/openapi.ts).
import fp from 'fastify-plugin';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';

export type DocumentName = 'trilio' | 'vcenter' | 'control';

interface DocumentSpec {
  title: string;
  /** Label in the docs UI's document picker. */
  label: string;
  description: string;
  /** A path belongs to the document when it starts with one of these. */
  prefixes: string[];
  /** Security schemes (components.securitySchemes) this document defines. */
  securitySchemes: string[];
}

export const DOCUMENTS: Record<DocumentName, DocumentSpec> = {
  trilio: {
    title: 'TrilioVault for OpenStack restore API (restoresim)',
    label: 'TrilioVault for OpenStack',
    description:
      'The TrilioVault for OpenStack (workloadmgr) restore API as emulated by restoresim: snapshots, restores and their ' +
      'state machine. Every response here is what the emulator answers.',
    prefixes: ['/v1/'],
    securitySchemes: ['keystoneToken'],
  },
  vcenter: {
    title: 'VMware vCenter appliance file-based restore API (restoresim)',
    label: 'vCenter appliance restore',
    description:
      'The vCenter Server appliance file-based restore API (appliance/recovery/restore) and the sessions it needs, as ' +
      'emulated by restoresim. Every response here is what the emulator answers.',
    prefixes: ['/rest/', '/api/'],
    securitySchemes: ['vmwareSession', 'basicAuth'],
  },
  control: {
    title: 'restoresim control plane',
    label: 'restoresim control plane',
    description:
      'The /_sim control plane: health, clock, fixtures, reset, fault rules, request journal and forced state changes. ' +
      'Not part of either vendor API.',
    prefixes: ['/_sim/', '/_sim'],
    securitySchemes: ['simAdminToken'],
  },
};

export const DOCUMENT_NAMES = Object.keys(DOCUMENTS) as DocumentName[];

/** Security schemes route schemas may name in `security` (each document keeps only its own). */
const SECURITY_SCHEMES = {
  keystoneToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'Keystone token.' },
  vmwareSession: { type: 'apiKey', in: 'header', name: 'vmware-api-session-id', description: 'vCenter API session id.' },
  basicAuth: { type: 'http', scheme: 'basic', description: 'vCenter user name and password (session creation).' },
  simAdminToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Sim-Admin-Token',
    description: 'Required on /_sim calls (except health) when restoresim runs with --admin-token.',
  },
} as const;

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
export function splitDocument(full: Json, name: DocumentName): Json {
  const spec = DOCUMENTS[name];
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
    if (v !== undefined) (outComponents[kind!] ??= {})[decodeURIComponent(key!)] = v;
  }
  const schemes: Record<string, unknown> = {};
  for (const s of spec.securitySchemes) schemes[s] = SECURITY_SCHEMES[s as keyof typeof SECURITY_SCHEMES];
  outComponents.securitySchemes = schemes;

  const usedTags = new Set<string>();
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item)) for (const t of ((op as Json)?.tags as string[] | undefined) ?? []) usedTags.add(t);
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
    await fastify.register(fastifySwagger, {
      // Shared schemas keep their $id as the component name (e.g. RestoreJobStatus) instead of def-N.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      openapi: {
        openapi: '3.1.0',
        info: { title: 'restoresim (all APIs)', version: VERSION },
        components: { securitySchemes: SECURITY_SCHEMES as never },
      },
    });

    // Built once, on first request (the routes are all known by then). The app plugin is encapsulated, so other
    // code (scripts/openapi.ts, tests) reads the documents through these routes, e.g. with inject.
    const cache = new Map<DocumentName, Json>();
    const openapiDocument = (name: DocumentName): Json => {
      let doc = cache.get(name);
      if (!doc) {
        doc = splitDocument(structuredClone(fastify.swagger()) as unknown as Json, name);
        cache.set(name, doc);
      }
      return doc;
    };

    for (const name of DOCUMENT_NAMES) {
      fastify.get(`/openapi/${name}.json`, { schema: { hide: true } }, async (_request, reply) => {
        reply.header('cache-control', 'no-cache');
        return openapiDocument(name);
      });
    }

    await fastify.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      uiConfig: {
        urls: DOCUMENT_NAMES.map((name) => ({ url: `/openapi/${name}.json`, name: DOCUMENTS[name].label })),
        'urls.primaryName': DOCUMENTS.trilio.label,
        deepLinking: true,
        displayRequestDuration: true,
        tryItOutEnabled: false,
      } as never,
    });
  },
  { name: 'restoresim-docs' },
);
