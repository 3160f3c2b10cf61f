// The vCenter fixtures section: the appliance, its users, the SSO administrator the restored backups know, and the
// catalogue of backups (each reachable at one or more locations). Its TypeBox schema (with the defaults of absent
// keys), its types, its validation (one line per problem: core's schemaProblems, then what no schema can say: a
// location's scheme against its type, duplicate ids), normalisation and merge. The built-in section is the file
// fixtures/vcenter.json, read once (the same path from src/ and dist/).
import fs from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isObj, mergeBy, schemaProblems, type Obj } from '../core/fixtures.js';

export const LOCATION_TYPES = ['FTP', 'HTTP', 'FTPS', 'HTTPS', 'SCP', 'SFTP', 'NFS', 'SMB'] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];

/** The URL scheme each location type expects (`<scheme>://host/path`). */
export const SCHEME_OF: Record<LocationType, string> = {
  FTP: 'ftp',
  HTTP: 'http',
  FTPS: 'ftps',
  HTTPS: 'https',
  SCP: 'scp',
  SFTP: 'sftp',
  NFS: 'nfs',
  SMB: 'smb',
};

const APPLIANCE_STATES = ['DEPLOYED', 'CONFIGURED'] as const;

export const PHASES = ['validate', 'download', 'decrypt', 'restore configuration', 'start services'] as const;
export type PhaseName = (typeof PHASES)[number];

// ---- the schema ------------------------------------------------------------------------------------------------

const oneOf = <T extends string>(values: readonly T[], options: object = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { errorMessage: `must be one of ${values.join(', ')}`, ...options },
  );
const text = (options: object = {}) => Type.String({ errorMessage: 'must be a string', ...options });
const nonEmpty = () => Type.String({ minLength: 1, errorMessage: 'must be a non-empty string' });
const flag = (options: object = {}) => Type.Boolean({ errorMessage: 'must be true or false', ...options });
const strings = (options: object = {}) =>
  Type.Array(Type.String({ errorMessage: 'must be a string' }), {
    errorMessage: 'must be an array of strings',
    ...options,
  });
/** A string, or null (no login, not encrypted). */
const textOrNull = (options: object = {}) =>
  Type.Union([Type.String(), Type.Null()], { errorMessage: 'must be a string or null', ...options });

const Credentials = Type.Object(
  { username: nonEmpty(), password: text() },
  { errorMessage: 'must be an object {"username","password"}' },
);

const Appliance = Type.Object(
  { hostname: Type.Optional(text()), version: Type.Optional(text()), state: Type.Optional(oneOf(APPLIANCE_STATES)) },
  { errorMessage: 'must be an object' },
);

const Location = Type.Object(
  {
    location_type: oneOf(LOCATION_TYPES),
    location: nonEmpty(),
    /** Overrides the backup's location credentials for this location; null = no login needed (e.g. NFS). */
    location_user: Type.Optional(textOrNull()),
    location_password: Type.Optional(textOrNull()),
  },
  { errorMessage: 'must be an object' },
);

const Warning = Type.Object(
  { id: text(), default_message: text(), args: Type.Optional(strings({ default: [] })) },
  { errorMessage: 'must be {"id": string, "default_message": string, "args": [string]}' },
);

/** What validate answers for the backup; absent keys take these defaults. */
const Metadata = Type.Object(
  {
    version: Type.Optional(text({ default: '8.0.3.00500' })),
    boxname: Type.Optional(text({ default: 'vcsa01.example.com' })),
    timestamp: Type.Optional(text({ default: '2026-11-01T02:00:13.512Z' })),
    parts: Type.Optional(strings({ default: ['common', 'seat'] })),
    comment: Type.Optional(text({ default: '' })),
    applicable: Type.Optional(flag({ default: true })),
    sso_login_required: Type.Optional(flag({ default: false })),
    /** Validation warnings (short-form LocalizableMessages); a job fails on them unless ignore_warnings is true. */
    warnings: Type.Optional(Type.Array(Warning, { default: [], errorMessage: 'must be an array' })),
  },
  { default: {}, errorMessage: 'must be an object' },
);

/** A restore of the backup fails at this phase with this message (a corrupt backup, a service that will not start). */
const Failure = Type.Object({ phase: oneOf(PHASES), message: text() });

const Backup = Type.Object(
  {
    id: nonEmpty(),
    description: Type.Optional(text()),
    locations: Type.Array(Location, { minItems: 1, errorMessage: 'must be a non-empty array' }),
    /** Login at the location; null = anonymous. */
    location_user: Type.Optional(textOrNull({ default: null })),
    location_password: Type.Optional(textOrNull({ default: null })),
    /** Encryption password; null = the backup is not encrypted. */
    backup_password: Type.Optional(textOrNull({ default: null })),
    /** Size of the backup files; the download phase takes size_bytes / --restore-rate seconds. */
    size_bytes: Type.Optional(
      Type.Number({ minimum: 0, default: 1_610_612_736, errorMessage: 'must be a number >= 0' }),
    ),
    /** false: the host does not answer (the job fails at download, validate answers an error). */
    reachable: Type.Optional(flag({ default: true })),
    failure: Type.Optional(
      Type.Union([Failure, Type.Null()], {
        default: null,
        errorMessage: 'must be an object {"phase","message"} or null',
      }),
    ),
    metadata: Type.Optional(Metadata),
  },
  { errorMessage: 'must be an object' },
);

/** The `vcenter` section of a fixtures document. */
export const VcenterSectionSchema = Type.Object(
  {
    appliance: Type.Optional(Appliance),
    users: Type.Optional(Type.Array(Credentials, { errorMessage: 'must be an array' })),
    /** The SSO administrator of the backed-up vCenter (needed by backups with sso_login_required). */
    sso: Type.Optional(Credentials),
    backups: Type.Optional(Type.Array(Backup, { errorMessage: 'must be an array' })),
  },
  { additionalProperties: false },
);

type SectionInput = Static<typeof VcenterSectionSchema>;
export type Credentials = Static<typeof Credentials>;
export type BackupLocation = Static<typeof Location>;
type Warning = Required<Static<typeof Warning>>;
type BackupMetadata = Required<Omit<Static<typeof Metadata>, 'warnings'>> & { warnings: Warning[] };
export type Failure = Static<typeof Failure>;
type BackupInput = Static<typeof Backup>;
export type Backup = Required<Omit<BackupInput, 'description' | 'metadata' | 'failure'>> & {
  description?: string;
  metadata: BackupMetadata;
  failure: Failure | null;
};
export type Appliance = Required<Static<typeof Appliance>>;
/** A normalised section: every key present. */
export interface VcenterSection {
  appliance: Appliance;
  users: Credentials[];
  sso: Credentials;
  backups: Backup[];
}

// ---- validation ------------------------------------------------------------------------------------------------

type Segment = string | number;
/** `.backups[0].failure` → ['backups', 0, 'failure']. */
const segments = (path: string): Segment[] =>
  [...path.matchAll(/\.([^.[]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));

/** A union's member that is a structure or a list (a nullable structure's structure); the schema itself otherwise. */
const container = (s: TSchema): TSchema =>
  (s.anyOf as TSchema[] | undefined)?.find((m) => m.type === 'object' || m.type === 'array') ?? s;

/** The schema at `path`, and the rank of each step (a key's place in its structure, -1 if unknown; an index). */
function walk(schema: TSchema, path: Segment[]): { schema: TSchema | undefined; rank: number[] } {
  let s: TSchema | undefined = schema;
  const rank: number[] = [];
  for (const seg of path) {
    s = s && container(s);
    if (typeof seg === 'number') {
      rank.push(seg);
      s = s?.items as TSchema | undefined;
    } else {
      const props = (s?.properties ?? {}) as Record<string, TSchema>;
      rank.push(Object.keys(props).indexOf(seg));
      s = props[seg];
    }
  }
  return { schema: s, rank };
}

const pathOf = (line: string) => line.slice(0, line.indexOf(': '));
const valueAt = (value: unknown, path: Segment[]): unknown =>
  path.reduce<unknown>((v, seg) => (v && typeof v === 'object' ? (v as Obj)[seg] : undefined), value);

/** Problems the schema cannot see: a location whose URL scheme is another type's, a backup id used twice. */
function crossProblems(section: Obj): string[] {
  const out: string[] = [];
  const ids = new Set<unknown>();
  (Array.isArray(section.backups) ? section.backups : []).forEach((b: unknown, i) => {
    if (!isObj(b)) return;
    if (typeof b.id === 'string' && b.id !== '' && ids.has(b.id)) out.push(`.backups[${i}].id: duplicate id "${b.id}"`);
    ids.add(b.id);
    (Array.isArray(b.locations) ? b.locations : []).forEach((l: unknown, j) => {
      if (
        !isObj(l) ||
        typeof l.location !== 'string' ||
        !(LOCATION_TYPES as readonly unknown[]).includes(l.location_type)
      )
        return;
      const scheme = schemeOf(l.location);
      if (scheme && scheme !== SCHEME_OF[l.location_type as LocationType])
        out.push(
          `.backups[${i}].locations[${j}].location: scheme "${scheme}" does not match location_type ${l.location_type}`,
        );
    });
  });
  return out;
}

/**
 * One line per problem, `.path: message`, in the order of the schema (unknown keys first). A nullable structure set
 * to an object reports that object's own problems.
 */
export function validateSection(section: unknown): string[] {
  if (section === undefined || section === null) return [];
  if (!isObj(section)) return ['must be an object'];
  const lines = schemaProblems(VcenterSectionSchema, section).flatMap((line) => {
    const path = segments(pathOf(line));
    const at = walk(VcenterSectionSchema, path).schema;
    const value = valueAt(section, path);
    const member = at?.anyOf && isObj(value) ? container(at) : undefined;
    return member && member !== at ? schemaProblems(member, value).map((l) => pathOf(line) + l) : [line];
  });
  lines.push(...crossProblems(section));
  const ranked = lines.map((line) => ({ line, rank: walk(VcenterSectionSchema, segments(pathOf(line))).rank }));
  const compare = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  };
  return ranked.sort((a, b) => compare(a.rank, b.rank)).map((x) => x.line);
}

/** The scheme of a `scheme://…` location, lower case; undefined for a bare path. */
export function schemeOf(location: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(location);
  return m ? m[1]!.toLowerCase() : undefined;
}

// ---- normalisation and merge -----------------------------------------------------------------------------------

const normalizeBackup = (b: BackupInput): Backup => Value.Default(Backup, structuredClone(b)) as Backup;

function readDefaults(): VcenterSection {
  const file = new URL('../../fixtures/vcenter.json', import.meta.url);
  const section = (JSON.parse(fs.readFileSync(file, 'utf8')) as { vcenter?: unknown }).vcenter;
  const problems = validateSection(section);
  const s = section as SectionInput;
  if (problems.length || !s.appliance || !s.users || !s.sso || !s.backups)
    throw new Error(`${file.pathname}: not a complete vcenter section: ${problems.join('; ')}`);
  return {
    appliance: s.appliance as Appliance,
    users: s.users,
    sso: s.sso,
    backups: s.backups.map(normalizeBackup),
  };
}

/** The built-in section: fixtures/vcenter.json. */
const DEFAULT_SECTION: VcenterSection = readDefaults();

/** Fills the defaults in a (valid) section. Absent keys take the built-in ones (backups: the default catalogue). */
export function normalizeSection(section: unknown): VcenterSection {
  const s = (isObj(section) ? section : {}) as SectionInput;
  const d = DEFAULT_SECTION;
  return {
    appliance: { ...d.appliance, ...s.appliance },
    users: (s.users ?? d.users).map((u) => ({ username: u.username, password: u.password })),
    sso: { ...(s.sso ?? d.sso) },
    backups: (s.backups ?? d.backups).map(normalizeBackup),
  };
}

/** Merges two sections: appliance and sso field by field, users by username, backups by id (extra wins). */
export function mergeSections(base: unknown, extra: unknown): unknown {
  const b = isObj(base) ? base : {};
  const e = isObj(extra) ? extra : {};
  const out: Obj = { ...b };
  if (isObj(e.appliance)) out.appliance = { ...(isObj(b.appliance) ? b.appliance : {}), ...e.appliance };
  if (e.sso !== undefined) out.sso = e.sso;
  const list = (v: unknown, fallback: readonly Obj[]) => (Array.isArray(v) ? (v as Obj[]) : fallback);
  if (Array.isArray(e.users)) out.users = mergeBy('username', list(b.users, DEFAULT_SECTION.users), e.users as Obj[]);
  if (Array.isArray(e.backups))
    out.backups = mergeBy('id', list(b.backups, DEFAULT_SECTION.backups), e.backups as Obj[]);
  return out;
}
