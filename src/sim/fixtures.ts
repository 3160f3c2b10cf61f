// Reads a fixtures document: a JSON file, or a folder whose *.json files are merged in name order.
// A document has one optional section per API: { "trilio": {...}, "vcenter": {...} }.
import fs from 'node:fs';
import path from 'node:path';

export type FixtureDocument = Record<string, unknown>;

export class FixtureError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'FixtureError';
  }
}

export function readFixtureFiles(target: string): { file: string; doc: FixtureDocument }[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new FixtureError([`fixtures: ${target}: no such file or folder`]);
  }
  const files = stat.isDirectory()
    ? fs.readdirSync(target).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(target, f))
    : [target];
  if (files.length === 0) throw new FixtureError([`fixtures: ${target}: the folder holds no *.json file`]);
  return files.map((file) => {
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new FixtureError([`fixtures: ${file}: not valid JSON (${(err as Error).message})`]);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new FixtureError([`fixtures: ${file}: must be a JSON object`]);
    return { file, doc: doc as FixtureDocument };
  });
}
