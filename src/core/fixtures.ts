// Reads a fixtures document: a JSON file, or a folder whose *.json files are merged in name order. Only the JSON is
// checked here; its shape (an object of API sections) is Emulator.validate's. A document has one optional section
// per API, named as the API. Also the helpers every API's fixtures.ts uses: problems from a TypeBox schema, one
// line each, and the merge by id.
import fs from 'node:fs';
import path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';

export type FixtureDocument = Record<string, unknown>;

export class FixtureError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'FixtureError';
  }
}

export function readFixtureFiles(target: string): { file: string; doc: unknown }[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new FixtureError([`fixtures: ${target}: no such file or folder`]);
  }
  const files = stat.isDirectory()
    ? fs
        .readdirSync(target)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => path.join(target, f))
    : [target];
  if (files.length === 0) throw new FixtureError([`fixtures: ${target}: the folder holds no *.json file`]);
  return files.map((file) => {
    try {
      return { file, doc: JSON.parse(fs.readFileSync(file, 'utf8')) as unknown };
    } catch (err) {
      throw new FixtureError([`fixtures: ${file}: not valid JSON (${(err as Error).message})`]);
    }
  });
}

export type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);

/** `extra`'s entries replace `base`'s with the same `key` (kept in place); new ones are appended. */
export function mergeBy<T extends Obj>(key: string, base: readonly T[], extra: readonly T[]): T[] {
  const out = [...base];
  for (const item of extra) {
    const i = out.findIndex((x) => x[key] === item[key]);
    if (i >= 0) out[i] = item;
    else out.push(item);
  }
  return out;
}

/** `/tokens/0/user_id` → `.tokens[0].user_id`. */
const dotted = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('');

/**
 * One line per problem of `value` against a fixtures schema: `.path[0].field: message`, the message being the
 * failing schema's `errorMessage` option when it has one, else TypeBox's; an unknown key (additionalProperties false)
 * is `.key: unknown key (expected one of a, b)`. The first problem of each path only.
 */
export function schemaProblems(schema: TSchema, value: unknown): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of Value.Errors(schema, value)) {
    let line: string;
    if (e.type === ValueErrorType.ObjectAdditionalProperties) {
      const known = Object.keys((e.schema as { properties?: object }).properties ?? {});
      line = `${dotted(e.path)}: unknown key (expected one of ${known.join(', ')})`;
    } else {
      const custom = (e.schema as { errorMessage?: unknown }).errorMessage;
      line = `${dotted(e.path)}: ${typeof custom === 'string' ? custom : e.message.toLowerCase()}`;
    }
    const at = line.slice(0, line.indexOf(': '));
    if (seen.has(at)) continue;
    seen.add(at);
    out.push(line);
  }
  return out;
}
