// The vCenter fixtures section: the appliance, its users, the SSO administrator the restored backups know, and the
// catalogue of backups (each reachable at one or more locations). Plain JSON a user can copy and edit; the
// defaults below are also written out, verbatim, as fixtures/vcenter.json (a test keeps the two equal).

export const LOCATION_TYPES = ['FTP', 'HTTP', 'FTPS', 'HTTPS', 'SCP', 'SFTP', 'NFS', 'SMB'] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];

/** The URL scheme each location type expects (`<scheme>://host/path`). */
export const SCHEME_OF: Record<LocationType, string> = {
  FTP: 'ftp', HTTP: 'http', FTPS: 'ftps', HTTPS: 'https', SCP: 'scp', SFTP: 'sftp', NFS: 'nfs', SMB: 'smb',
};

export const APPLIANCE_STATES = ['DEPLOYED', 'CONFIGURED'] as const;
export type ApplianceState = (typeof APPLIANCE_STATES)[number];

export const PHASES = ['validate', 'download', 'decrypt', 'restore configuration', 'start services'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface Credentials {
  username: string;
  password: string;
}

export interface BackupLocation {
  location_type: LocationType;
  location: string;
  /** Overrides the backup's location credentials for this location; null = no login needed (e.g. NFS). */
  location_user?: string | null;
  location_password?: string | null;
}

export interface BackupMetadata {
  version: string;
  boxname: string;
  timestamp: string;
  parts: string[];
  comment: string;
  applicable: boolean;
  sso_login_required: boolean;
  /** Validation warnings (short-form LocalizableMessages); a job fails on them unless ignore_warnings is true. */
  warnings: { id: string; default_message: string; args: string[] }[];
}

export interface Backup {
  id: string;
  description?: string;
  locations: BackupLocation[];
  /** Login at the location; null = anonymous. */
  location_user: string | null;
  location_password: string | null;
  /** Encryption password; null = the backup is not encrypted. */
  backup_password: string | null;
  /** Size of the backup files; the download phase takes size_bytes / --restore-rate seconds. */
  size_bytes: number;
  /** false: the host does not answer (the job fails at download, validate answers an error). */
  reachable: boolean;
  metadata: BackupMetadata;
  /** A restore of this backup fails at this phase with this message (a corrupt backup, a service that will not start). */
  failure?: { phase: PhaseName; message: string } | null;
}

export interface VcenterSection {
  appliance: { hostname: string; version: string; state: ApplianceState };
  users: Credentials[];
  /** The SSO administrator of the backed-up vCenter (needed by backups with sso_login_required). */
  sso: Credentials;
  backups: Backup[];
}

const GOOD_META: BackupMetadata = {
  version: '8.0.3.00500',
  boxname: 'vcsa01.example.com',
  timestamp: '2026-11-01T02:00:13.512Z',
  parts: ['common', 'seat'],
  comment: 'Nightly backup of vcsa01',
  applicable: true,
  sso_login_required: false,
  warnings: [],
};

export const DEFAULT_SECTION: VcenterSection = {
  appliance: { hostname: 'vcsa01.example.com', version: '8.0.3.00500', state: 'DEPLOYED' },
  users: [
    { username: 'root', password: 'VMware1!' },
    { username: 'administrator@vsphere.local', password: 'VMware1!' },
  ],
  sso: { username: 'administrator@vsphere.local', password: 'VMware1!' },
  backups: [
    {
      id: 'vcsa01-good',
      description: 'A good backup, reachable over SFTP, FTPS, SCP and NFS.',
      locations: [
        { location_type: 'SFTP', location: 'sftp://backup.example.com/backups/vcsa01/2026-11-01' },
        { location_type: 'FTPS', location: 'ftps://backup.example.com/backups/vcsa01/2026-11-01' },
        { location_type: 'SCP', location: 'scp://backup.example.com/backups/vcsa01/2026-11-01' },
        { location_type: 'NFS', location: 'nfs://backup.example.com/backups/vcsa01/2026-11-01', location_user: null, location_password: null },
      ],
      location_user: 'backup',
      location_password: 'VMware1!',
      backup_password: 'VMware1!',
      size_bytes: 1_610_612_736,
      reachable: true,
      metadata: GOOD_META,
    },
    {
      id: 'vcsa02-sso',
      description: 'An embedded vCenter backup: the restore needs sso_admin_user_name and sso_admin_user_password.',
      locations: [{ location_type: 'SFTP', location: 'sftp://backup.example.com/backups/vcsa02/2026-11-01' }],
      location_user: 'backup',
      location_password: 'VMware1!',
      backup_password: 'VMware1!',
      size_bytes: 1_610_612_736,
      reachable: true,
      metadata: { ...GOOD_META, boxname: 'vcsa02.example.com', comment: 'Nightly backup of vcsa02', sso_login_required: true },
    },
    {
      id: 'vcsa03-warning',
      description: 'Validation returns a warning: the restore fails unless ignore_warnings is true.',
      locations: [{ location_type: 'SFTP', location: 'sftp://backup.example.com/backups/vcsa03/2026-10-15' }],
      location_user: 'backup',
      location_password: 'VMware1!',
      backup_password: 'VMware1!',
      size_bytes: 1_610_612_736,
      reachable: true,
      metadata: {
        ...GOOD_META,
        version: '8.0.2.00300',
        boxname: 'vcsa03.example.com',
        timestamp: '2026-10-15T02:00:09.044Z',
        comment: 'Weekly backup of vcsa03',
        warnings: [
          {
            id: 'com.vmware.appliance.recovery.restore.warning.version_mismatch',
            default_message: 'The backup was taken on version 8.0.2.00300; this appliance runs 8.0.3.00500.',
            args: ['8.0.2.00300', '8.0.3.00500'],
          },
        ],
      },
    },
    {
      id: 'vcsa04-corrupt',
      description: 'A corrupt backup: the restore fails while restoring the configuration.',
      locations: [{ location_type: 'HTTPS', location: 'https://backup.example.com/backups/vcsa04/2026-11-01' }],
      location_user: 'backup',
      location_password: 'VMware1!',
      backup_password: null,
      size_bytes: 1_610_612_736,
      reachable: true,
      metadata: { ...GOOD_META, boxname: 'vcsa04.example.com', comment: 'Unencrypted backup of vcsa04' },
      failure: { phase: 'restore configuration', message: 'Checksum mismatch in config_files.tar.gz' },
    },
    {
      id: 'offline',
      description: 'A backup server that does not answer.',
      locations: [{ location_type: 'SFTP', location: 'sftp://offline.example.com/backups/vcsa01/2026-11-01' }],
      location_user: 'backup',
      location_password: 'VMware1!',
      backup_password: 'VMware1!',
      size_bytes: 1_610_612_736,
      reachable: false,
      metadata: GOOD_META,
    },
  ],
};

// ---------------------------------------------------------------------------------------------------------------
// Validation, normalization, merge

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function checkCreds(v: unknown, path: string, out: string[]): void {
  if (!isObj(v)) return void out.push(`${path}: must be an object {"username","password"}`);
  if (!isStr(v.username) || v.username === '') out.push(`${path}.username: must be a non-empty string`);
  if (!isStr(v.password)) out.push(`${path}.password: must be a string`);
}

const optStr = (v: unknown) => v === undefined || v === null || isStr(v);

export function validateSection(section: unknown): string[] {
  const out: string[] = [];
  if (section === undefined || section === null) return out;
  if (!isObj(section)) return ['must be an object'];
  const known = ['appliance', 'users', 'sso', 'backups'];
  for (const k of Object.keys(section)) if (!known.includes(k)) out.push(`.${k}: unknown key (expected one of ${known.join(', ')})`);
  if (section.appliance !== undefined) {
    const a = section.appliance;
    if (!isObj(a)) out.push('.appliance: must be an object');
    else {
      if (a.hostname !== undefined && !isStr(a.hostname)) out.push('.appliance.hostname: must be a string');
      if (a.version !== undefined && !isStr(a.version)) out.push('.appliance.version: must be a string');
      if (a.state !== undefined && !APPLIANCE_STATES.includes(a.state as ApplianceState))
        out.push(`.appliance.state: must be one of ${APPLIANCE_STATES.join(', ')}`);
    }
  }
  if (section.users !== undefined) {
    if (!Array.isArray(section.users)) out.push('.users: must be an array');
    else section.users.forEach((u, i) => checkCreds(u, `.users[${i}]`, out));
  }
  if (section.sso !== undefined) checkCreds(section.sso, '.sso', out);
  if (section.backups !== undefined) {
    if (!Array.isArray(section.backups)) out.push('.backups: must be an array');
    else {
      const ids = new Set<string>();
      section.backups.forEach((b, i) => {
        const p = `.backups[${i}]`;
        if (!isObj(b)) return void out.push(`${p}: must be an object`);
        if (!isStr(b.id) || b.id === '') out.push(`${p}.id: must be a non-empty string`);
        else if (ids.has(b.id)) out.push(`${p}.id: duplicate id "${b.id}"`);
        else ids.add(b.id);
        if (!Array.isArray(b.locations) || b.locations.length === 0) out.push(`${p}.locations: must be a non-empty array`);
        else
          b.locations.forEach((l, j) => {
            const q = `${p}.locations[${j}]`;
            if (!isObj(l)) return void out.push(`${q}: must be an object`);
            if (!LOCATION_TYPES.includes(l.location_type as LocationType))
              out.push(`${q}.location_type: must be one of ${LOCATION_TYPES.join(', ')}`);
            if (!isStr(l.location) || l.location === '') out.push(`${q}.location: must be a non-empty string`);
            else if (LOCATION_TYPES.includes(l.location_type as LocationType)) {
              const scheme = schemeOf(l.location);
              if (scheme && scheme !== SCHEME_OF[l.location_type as LocationType])
                out.push(`${q}.location: scheme "${scheme}" does not match location_type ${String(l.location_type)}`);
            }
            if (!optStr(l.location_user)) out.push(`${q}.location_user: must be a string or null`);
            if (!optStr(l.location_password)) out.push(`${q}.location_password: must be a string or null`);
          });
        for (const k of ['location_user', 'location_password', 'backup_password'])
          if (!optStr(b[k])) out.push(`${p}.${k}: must be a string or null`);
        if (b.size_bytes !== undefined && !(typeof b.size_bytes === 'number' && Number.isFinite(b.size_bytes) && b.size_bytes >= 0))
          out.push(`${p}.size_bytes: must be a number >= 0`);
        if (b.reachable !== undefined && typeof b.reachable !== 'boolean') out.push(`${p}.reachable: must be true or false`);
        if (b.failure !== undefined && b.failure !== null) {
          const f = b.failure;
          if (!isObj(f)) out.push(`${p}.failure: must be an object {"phase","message"} or null`);
          else {
            if (!PHASES.includes(f.phase as PhaseName)) out.push(`${p}.failure.phase: must be one of ${PHASES.join(', ')}`);
            if (!isStr(f.message)) out.push(`${p}.failure.message: must be a string`);
          }
        }
        if (b.metadata !== undefined) {
          const m = b.metadata;
          if (!isObj(m)) out.push(`${p}.metadata: must be an object`);
          else {
            for (const k of ['version', 'boxname', 'timestamp', 'comment']) if (m[k] !== undefined && !isStr(m[k])) out.push(`${p}.metadata.${k}: must be a string`);
            for (const k of ['applicable', 'sso_login_required'])
              if (m[k] !== undefined && typeof m[k] !== 'boolean') out.push(`${p}.metadata.${k}: must be true or false`);
            if (m.parts !== undefined && !(Array.isArray(m.parts) && m.parts.every(isStr))) out.push(`${p}.metadata.parts: must be an array of strings`);
            if (m.warnings !== undefined) {
              if (!Array.isArray(m.warnings)) out.push(`${p}.metadata.warnings: must be an array`);
              else
                m.warnings.forEach((w, k) => {
                  if (!isObj(w) || !isStr(w.id) || !isStr(w.default_message) || (w.args !== undefined && !(Array.isArray(w.args) && w.args.every(isStr))))
                    out.push(`${p}.metadata.warnings[${k}]: must be {"id": string, "default_message": string, "args": [string]}`);
                });
            }
          }
        }
      });
    }
  }
  return out;
}

/** The scheme of a `scheme://…` location, lower case; undefined for a bare path. */
export function schemeOf(location: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(location);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Fills the defaults in a (valid) section. Absent keys take the built-in defaults (backups: the default catalogue). */
export function normalizeSection(section: unknown): VcenterSection {
  const s = (isObj(section) ? section : {}) as Partial<VcenterSection> & Obj;
  const app = { ...DEFAULT_SECTION.appliance, ...(s.appliance ?? {}) };
  const backups = (s.backups ?? DEFAULT_SECTION.backups).map((b) => normalizeBackup(b));
  return {
    appliance: app,
    users: (s.users ?? DEFAULT_SECTION.users).map((u) => ({ username: u.username, password: u.password })),
    sso: s.sso ? { username: s.sso.username, password: s.sso.password } : { ...DEFAULT_SECTION.sso },
    backups,
  };
}

function normalizeBackup(b: Partial<Backup>): Backup {
  const m = (b.metadata ?? {}) as Partial<BackupMetadata>;
  return {
    id: b.id!,
    ...(b.description !== undefined ? { description: b.description } : {}),
    locations: (b.locations ?? []).map((l) => ({ ...l })),
    location_user: b.location_user ?? null,
    location_password: b.location_password ?? null,
    backup_password: b.backup_password ?? null,
    size_bytes: b.size_bytes ?? 1_610_612_736,
    reachable: b.reachable ?? true,
    metadata: {
      version: m.version ?? GOOD_META.version,
      boxname: m.boxname ?? GOOD_META.boxname,
      timestamp: m.timestamp ?? GOOD_META.timestamp,
      parts: m.parts ?? [...GOOD_META.parts],
      comment: m.comment ?? '',
      applicable: m.applicable ?? true,
      sso_login_required: m.sso_login_required ?? false,
      warnings: (m.warnings ?? []).map((w) => ({ id: w.id, default_message: w.default_message, args: w.args ?? [] })),
    },
    failure: b.failure ?? null,
  };
}

/** Merges two sections: appliance and sso field by field, users by username, backups by id (extra wins). */
export function mergeSections(base: unknown, extra: unknown): unknown {
  const b = (isObj(base) ? base : {}) as Obj;
  const e = (isObj(extra) ? extra : {}) as Obj;
  const out: Obj = { ...b };
  if (e.appliance !== undefined) out.appliance = { ...(isObj(b.appliance) ? b.appliance : {}), ...(e.appliance as Obj) };
  if (e.sso !== undefined) out.sso = e.sso;
  const byKey = (key: string, bl: unknown, el: unknown) => {
    const list = Array.isArray(bl) ? [...(bl as Obj[])] : [];
    for (const item of el as Obj[]) {
      const i = list.findIndex((x) => x[key] === item[key]);
      if (i >= 0) list[i] = item;
      else list.push(item);
    }
    return list;
  };
  if (Array.isArray(e.users)) out.users = byKey('username', b.users ?? DEFAULT_SECTION.users, e.users);
  if (Array.isArray(e.backups)) out.backups = byKey('id', b.backups ?? DEFAULT_SECTION.backups, e.backups);
  return out;
}
