// One setting: its CLI flag, its RESTORESIM_* environment variable, its kind, range and default. The core's
// settings are in src/config.ts; an API declares its own in its descriptor (`settings`) and adds its key to Config.
import type { Config } from '../config.js';

export type SettingKind = 'int' | 'number' | 'string' | 'enum';

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
