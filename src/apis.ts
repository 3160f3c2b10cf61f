// The emulated APIs: the one place that names them. Adding an API is one folder (src/<api>/, the same file names as
// the others, its descriptor in index.ts) and one line here. See docs/architecture.md.
import { keystone } from './keystone/index.js';
import { trilio } from './trilio/index.js';
import { vcenter } from './vcenter/index.js';

export const APIS = [trilio, vcenter, keystone] as const;

/** The name of an emulated API (a fixtures section, `?api=`, a rule's `match.api`). */
export type ApiName = (typeof APIS)[number]['name'];
