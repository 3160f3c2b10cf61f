// Every setting restoresim has, defined once: the CLI flags, the RESTORESIM_* environment variables,
// `--help`, the library options and the README's configuration table are all generated from SETTINGS: the core's
// below, the TLS ones (src/tls.ts), then each API's own (its descriptor's `settings`; it adds its keys to Config by
// declaration merging).
import { parseArgs } from 'node:util';
import { coerce, ConfigError, setting as s, type Setting } from './core/settings.js';
import { APIS } from './apis.js';
import { TLS_SETTINGS, tlsProblems } from './tls.js';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Root of the installed package (one level above src/ or dist/). */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_FIXTURES = path.join(PACKAGE_ROOT, 'fixtures');

/** The core's settings; each API folder adds its own keys (declaration merging). */
export interface Config {
  port: number;
  host: string;
  db: string;
  fixtures: string;
  clock: 'real' | 'virtual';
  speed: number;
  seed: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  adminToken: string | undefined;
  publicUrl: string | undefined;
  auth: 'permissive' | 'strict';
  restoreRate: number;
  journalSize: number;
  bodyLimit: number;
  /** HTTPS on `port` (src/tls.ts). */
  tls: boolean;
  /** An HTTPS listener beside plain HTTP on `port`. */
  tlsPort: number | undefined;
  /** More names of the generated certificate, comma-separated. */
  tlsSan: string | undefined;
  /** The user's certificate PEM file (with `tlsKey`). */
  tlsCert: string | undefined;
  /** The user's private key PEM file (with `tlsCert`). */
  tlsKey: string | undefined;
}

const CORE_SETTINGS: readonly Setting[] = [
  s({
    key: 'port',
    flag: 'port',
    kind: 'int',
    min: 0,
    max: 65535,
    default: 8780,
    description: 'TCP port to listen on; 0 picks a free port (the URL is printed on one line at start).',
  }),
  s({
    key: 'host',
    flag: 'host',
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address to listen on (the Docker image uses 0.0.0.0).',
  }),
  s({
    key: 'db',
    flag: 'db',
    kind: 'string',
    default: 'data/restoresim.db',
    description: 'SQLite database file (created with its folder), or :memory:.',
  }),
  s({
    key: 'fixtures',
    flag: 'fixtures',
    kind: 'string',
    default: DEFAULT_FIXTURES,
    defaultText: 'built-in fixtures/',
    description: 'Fixture file or folder of *.json files loaded into an empty database and by reset.',
  }),
  s({
    key: 'clock',
    flag: 'clock',
    kind: 'enum',
    choices: ['real', 'virtual'],
    default: 'real',
    description: 'real: time flows (times --speed); virtual: time moves only when advanced through /_sim/clock.',
  }),
  s({
    key: 'speed',
    flag: 'speed',
    kind: 'number',
    min: 0.001,
    max: 1_000_000,
    default: 1,
    description: 'Speed factor of the real clock (10 = restores finish ten times sooner).',
  }),
  s({
    key: 'seed',
    flag: 'seed',
    kind: 'int',
    min: 0,
    max: 2 ** 32 - 1,
    default: 42,
    description: 'Seed of the random source behind probabilistic fault rules and latency.',
  }),
  s({
    key: 'logLevel',
    flag: 'log-level',
    kind: 'enum',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'pino log level (JSON on stdout; pretty only on a TTY).',
  }),
  s({
    key: 'adminToken',
    flag: 'admin-token',
    kind: 'string',
    default: undefined,
    defaultText: '(none)',
    description: 'When set, every /_sim call except health needs header X-Sim-Admin-Token with this value.',
  }),
  s({
    key: 'publicUrl',
    flag: 'public-url',
    kind: 'string',
    default: undefined,
    defaultText: '(request Host)',
    description: 'Base URL of the links in answers (e.g. http://wlm_backend as in the vendor docs).',
  }),
  s({
    key: 'auth',
    flag: 'auth',
    kind: 'enum',
    choices: ['permissive', 'strict'],
    default: 'permissive',
    description:
      'permissive: any token works, with the project in the URL; strict: only tokens issued here (identity API) or ' +
      'listed in fixtures, for their own project (admin role: every project).',
  }),
  s({
    key: 'restoreRate',
    flag: 'restore-rate',
    kind: 'int',
    min: 1,
    max: 2 ** 50,
    default: 41_943_040,
    description: 'Simulated restore throughput in bytes per second of clock time (2 GiB takes about a minute).',
  }),
  s({
    key: 'journalSize',
    flag: 'journal-size',
    kind: 'int',
    min: 0,
    max: 1_000_000,
    default: 1000,
    description: 'How many requests the /_sim/requests journal keeps (oldest dropped first).',
  }),
  s({
    key: 'bodyLimit',
    flag: 'body-limit',
    kind: 'int',
    min: 1024,
    max: 1 << 30,
    default: 1_048_576,
    description: 'Largest request body in bytes; larger ones get 413 in the vendor error format.',
  }),
];

export const SETTINGS: readonly Setting[] = [...CORE_SETTINGS, ...TLS_SETTINGS, ...APIS.flatMap((api) => api.settings)];

export const DEFAULT_CONFIG: Config = Object.fromEntries(SETTINGS.map((x) => [x.key, x.default])) as unknown as Config;

export type { Setting };

export { ConfigError };

/** Problems of settings taken together (each one alone is checked by its kind). */
const crossProblems = (config: Config): string[] => tlsProblems(config);

/** Checks a whole config object (used for library options); throws ConfigError listing every problem. */
export function validateConfig(partial: Partial<Config>): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const setting of SETTINGS) {
    const v = partial[setting.key];
    if (v === undefined) continue;
    const r = coerce(setting, String(v), setting.key);
    if (r.problem) problems.push(r.problem);
    else out[setting.key] = r.value;
  }
  for (const key of Object.keys(partial)) {
    if (!SETTINGS.some((x) => x.key === key)) problems.push(`${key}: unknown setting`);
  }
  if (!problems.length) problems.push(...crossProblems(out as unknown as Config));
  if (problems.length) throw new ConfigError(problems);
  return out as unknown as Config;
}

export interface CliResult {
  config: Config;
  help: boolean;
  version: boolean;
}

/** Parses argv and the environment: flag wins over environment variable, which wins over the default. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const x of SETTINGS) options[x.flag] = { type: x.kind === 'bool' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new ConfigError([(err as Error).message.replace(/\. To specify.*$/s, '')]);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const problems: string[] = [];
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const x of SETTINGS) {
    const fromFlag = values[x.flag];
    const fromEnv = env[x.env];
    const [raw, source] =
      fromFlag !== undefined
        ? [String(fromFlag), `--${x.flag}`]
        : fromEnv !== undefined
          ? [fromEnv, x.env]
          : [undefined, ''];
    if (raw === undefined) continue;
    const r = coerce(x, raw, source);
    if (r.problem) problems.push(r.problem);
    else config[x.key] = r.value;
  }
  if (!problems.length) problems.push(...crossProblems(config as unknown as Config));
  if (problems.length) throw new ConfigError(problems);
  return { config: config as unknown as Config, help: values.help === true, version: values.version === true };
}

function defaultText(x: Setting): string {
  return x.defaultText ?? (x.default === undefined ? '' : String(x.default));
}

export function helpText(version: string): string {
  const lines = [
    `restoresim ${version} — stateful emulator of restore APIs: ${APIS.map((api) => api.docs.label).join(', ')}`,
    '',
    'Usage: restoresim [options]',
    '',
    'Options (each also an environment variable; a flag wins over its variable):',
  ];
  for (const x of SETTINGS) {
    const choices = x.choices ? ` (${x.choices.join('|')})` : '';
    lines.push(x.kind === 'bool' ? `  --${x.flag}` : `  --${x.flag} <value>${choices}`);
    lines.push(`      ${x.description}`);
    const words = x.kind === 'bool' ? ' (true|false, 1|0, yes|no)' : '';
    lines.push(`      env ${x.env}${words}; default ${defaultText(x) || '(none)'}`);
  }
  lines.push('  -h, --help       Show this help.', '  -v, --version    Print the version.');
  return lines.join('\n');
}

/** The README's configuration table (a test checks the README contains exactly this). */
export function markdownTable(): string {
  const rows = SETTINGS.map((x) => {
    const choices = x.choices
      ? ` One of ${x.choices.map((c) => `\`${c}\``).join(', ')}.`
      : x.kind === 'bool'
        ? ' A switch: the flag takes no value; the variable takes `true`/`false`, `1`/`0` or `yes`/`no`.'
        : '';
    const def = defaultText(x);
    const meaning = `${x.description.replace(/\|/g, '\\|')}${choices}`;
    return `| \`--${x.flag}\` | \`${x.env}\` | ${def ? `\`${def}\`` : ''} | ${meaning} |`;
  });
  return ['| Flag | Environment variable | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
