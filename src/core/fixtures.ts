// Reads a fixtures document: a JSON file, or a folder whose *.json files are merged in name order. Only the JSON is
// checked here; its shape (an object of API sections) is Runtime.validate's.
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

export function readFixtureFiles(target: string): { file: string; doc: unknown }[] {
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
    try {
      return { file, doc: JSON.parse(fs.readFileSync(file, 'utf8')) as unknown };
    } catch (err) {
      throw new FixtureError([`fixtures: ${file}: not valid JSON (${(err as Error).message})`]);
    }
  });
}
