// One setting: its CLI flag, its RESTORESIM_* environment variable, its kind, range and default. The core's
// settings are in src/config.ts; an API declares its own in its descriptor (`settings`) and adds its key to Config.
import type { Config } from '../config.js';

/** `bool` is a switch: a flag without a value (`--tls`); its variable takes true/false, 1/0 or yes/no. */
export type SettingKind = 'int' | 'number' | 'string' | 'enum' | 'bool';

export interface Setting<K extends keyof Config = keyof Config> {
  key: K;
  flag: string;
  env: string;
  kind: SettingKind;
  choices?: readonly string[];
  min?: number;
  max?: number;
  default: Config[K];
  /** How the default is shown in --help and the README when it is not a literal. */
  defaultText?: string;
  description: string;
}

/** A setting whose environment variable is RESTORESIM_<FLAG> unless given. */
export const setting = <K extends keyof Config>(x: Omit<Setting<K>, 'env'> & { env?: string }): Setting<K> =>
  ({ env: `RESTORESIM_${x.flag.replace(/-/g, '_').toUpperCase()}`, ...x }) as Setting<K>;

/** Configuration mistakes, one line each (the CLI prints them and exits with status 2). */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** The words a switch's environment variable (or a library option given as text) may take. */
export const BOOL_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

/** One raw value (flag, variable or library option, named by `source`) as the setting's type, or the problem. */
export function coerce(setting: Setting, raw: string, source: string): { value?: unknown; problem?: string } {
  const where = `${source} ${source.startsWith('--') ? '' : '= '}${JSON.stringify(raw)}`.replace('  ', ' ');
  switch (setting.kind) {
    case 'string':
      if (raw === '') return { problem: `${where}: must not be empty` };
      return { value: raw };
    case 'enum':
      if (!setting.choices!.includes(raw))
        return { problem: `${where}: must be one of ${setting.choices!.join(', ')}` };
      return { value: raw };
    case 'bool': {
      const value = BOOL_WORDS.get(raw.trim().toLowerCase());
      if (value === undefined) return { problem: `${where}: must be true or false (or 1/0, yes/no)` };
      return { value };
    }
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) return { problem: `${where}: must be a number` };
      if (setting.kind === 'int' && !Number.isInteger(n)) return { problem: `${where}: must be a whole number` };
      if (setting.min !== undefined && n < setting.min) return { problem: `${where}: must be at least ${setting.min}` };
      if (setting.max !== undefined && n > setting.max) return { problem: `${where}: must be at most ${setting.max}` };
      return { value: n };
    }
  }
}
