// The layout rules of docs/architecture.md, checked on the source tree: the core, the control plane and the plugins
// never name an API (only src/apis.ts lists them), every API folder has the same files, an API folder imports no
// other, and no source file is long.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { APIS } from '../src/apis.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
/** The files every API folder has (docs/architecture.md); a folder may add protocol extras (e.g. xml.ts). */
const API_FILES = [
  'index.ts',
  'lifecycle.ts',
  'repository.ts',
  'service.ts',
  'errors.ts',
  'schemas.ts',
  'fixtures.ts',
  'views.ts',
  'routes/index.ts',
];
/** Folders of src/ that are not APIs. */
const CORE_FOLDERS = ['core', 'control', 'plugins'];

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
}
const rel = (f: string) => path.relative(ROOT, f);
const names = APIS.map((a) => a.name);
const apiOf = (file: string) => names.find((n) => rel(file).startsWith(`src/${n}/`));

describe('architecture', () => {
  it('the folders of src/ are the core ones and one per API of src/apis.ts', () => {
    const folders = fs
      .readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual([...CORE_FOLDERS, ...names].sort());
  });

  it('no file outside an API folder names an API, except the list of APIs (src/apis.ts)', () => {
    const word = new RegExp(`\\b(${names.join('|')})\\b`, 'i');
    const offenders: string[] = [];
    for (const file of files(SRC)) {
      if (apiOf(file) || rel(file) === 'src/apis.ts') continue;
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (word.test(line)) offenders.push(`${rel(file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it.each(names)('src/%s has the file set of every API folder', (name) => {
    const have = new Set(files(path.join(SRC, name)).map((f) => path.relative(path.join(SRC, name), f)));
    expect(API_FILES.filter((f) => !have.has(f))).toEqual([]);
  });

  it('an API folder imports no other API folder; only src/apis.ts imports API folders', () => {
    const bad: string[] = [];
    for (const file of files(SRC)) {
      const own = apiOf(file);
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        const api = apiOf(target);
        if (api && api !== own && rel(file) !== 'src/apis.ts') bad.push(`${rel(file)} imports ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no source file is over 300 lines, no line over 120 characters', () => {
    const long: string[] = [];
    for (const file of [...files(SRC), ...files(path.join(ROOT, 'scripts'))]) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      if (file.startsWith(SRC) && lines.length > 300) long.push(`${rel(file)}: ${lines.length} lines`);
      lines.forEach((l, i) => {
        if (l.length > 120) long.push(`${rel(file)}:${i + 1}: ${l.length} characters`);
      });
    }
    expect(long).toEqual([]);
  });

  it('every descriptor declares distinct prefixes, operations and force routes', () => {
    const all = (f: (a: (typeof APIS)[number]) => readonly string[]) => APIS.flatMap(f);
    for (const list of [
      all((a) => a.prefixes),
      all((a) => a.operations.map((o) => o.id)),
      all((a) => (a.force ? [a.force.url] : [])),
    ]) {
      expect(new Set(list).size).toBe(list.length);
    }
  });
});
