// Real OpenStack clients against a listening emulator: python-openstackclient (`openstack token issue`, `catalog
// list`, `project list`) and keystoneauth1 reaching the Trilio endpoint through the catalog. Skipped when there is
// no `openstack` executable on PATH, unless RESTORESIM_REQUIRE_CLIENTS is set (CI): then a missing client fails.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APIS } from '../src/apis.js';
import { type Harness, listeningHarness } from './helpers.js';

const DEMO = 'c76b3355a164498aa95ddbc960adc238';
const README = fs.readFileSync(path.resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
/** A fenced block of the README between `<!-- name … -->` and `<!-- /name -->`. */
function readmeBlock(name: string): string {
  const m = new RegExp(`<!-- ${name}[^>]*-->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /${name} -->`).exec(README);
  if (!m) throw new Error(`README has no ${name} block`);
  return m[1]!;
}
const DEMO_USER = 'ccddc7e7a015487fa02920f4d4979779';
const REQUIRED = !!process.env.RESTORESIM_REQUIRE_CLIENTS;

/** An executable on PATH. */
function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}
const OPENSTACK = which('openstack');

/** The Python that runs `openstack` (its shebang): the one that has keystoneauth1. */
function pythonOf(executable: string | undefined): string {
  const first = executable ? fs.readFileSync(executable, 'utf8').split('\n', 1)[0]! : '';
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
  if (!m) return 'python3';
  return m[1]!.endsWith('/env') && m[2] ? m[2] : m[1]!;
}

/** Runs a command with a clean environment (no OS_* variables of the machine); resolves with its stdout. */
function run(file: string, args: string[], home: string): Promise<string> {
  const env = { PATH: process.env.PATH ?? '', HOME: home, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' };
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const KEYSTONEAUTH = `
import sys
from keystoneauth1 import session
from keystoneauth1.identity import v3
auth = v3.Password(auth_url=sys.argv[1], username='demo', password='demo', project_name='demo',
                   user_domain_name='Default', project_domain_name='Default')
sess = session.Session(auth=auth)
r = sess.get('/restores/detail', endpoint_filter={'service_type': 'workloads', 'interface': 'public'})
print(r.status_code, len(r.json()['restores']))
print(sess.get_endpoint(service_type='workloads', service_name='TrilioVaultWLM', interface='internal'))
`;

describe.skipIf(!OPENSTACK && !REQUIRED)('real OpenStack clients', () => {
  let h: Harness;
  let home: string;
  const login = (user: string) => [
    ...['--os-auth-url', '', '--os-username', user, '--os-password', user, '--os-project-name', user],
    ...['--os-user-domain-name', 'Default', '--os-project-domain-name', 'Default', '--os-identity-api-version', '3'],
  ];
  const openstack = async (user: string, ...command: string[]) => {
    const args = login(user);
    args[1] = `${h.url}/v3`;
    return JSON.parse(await run(OPENSTACK!, [...args, ...command, '-f', 'json'], home));
  };

  beforeAll(async () => {
    h = await listeningHarness(APIS);
    // Clients compare token expiry with the wall clock: start the virtual clock there.
    await h.sim.clock.set({ now: new Date() });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'restoresim-openstack-'));
  });
  afterAll(async () => {
    await h?.sim.close();
    await h?.app.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('has the openstack executable (required when RESTORESIM_REQUIRE_CLIENTS is set)', () => {
    expect(OPENSTACK, 'RESTORESIM_REQUIRE_CLIENTS is set, but there is no `openstack` on PATH').toBeDefined();
  });

  it('openstack token issue, catalog list and project list', { timeout: 30_000 }, async () => {
    const [token, catalog, projects, all] = await Promise.all([
      openstack('demo', 'token', 'issue'),
      openstack('demo', 'catalog', 'list'),
      openstack('demo', 'project', 'list'),
      openstack('admin', 'project', 'list'),
    ]);
    expect(token).toMatchObject({ project_id: DEMO, user_id: DEMO_USER });
    expect(token.id).toMatch(/^gAAAAAB[A-Za-z0-9_-]+$/);
    expect(Date.parse(token.expires.replace(/\+0000$/, 'Z'))).toBeGreaterThan(Date.now());

    expect(catalog.map((s: { Name: string; Type: string }) => `${s.Type} ${s.Name}`)).toEqual([
      'identity keystone',
      'workloads TrilioVaultWLM',
    ]);
    const trilio = catalog[1].Endpoints as { interface: string; url: string; region_id: string }[];
    expect(trilio.map((e) => e.interface)).toEqual(['public', 'internal', 'admin']);
    for (const e of trilio) expect(e).toMatchObject({ url: `${h.url}/v1/${DEMO}`, region_id: 'RegionOne' });

    // A member may not list every project: the CLI falls back to the user's own.
    expect(projects).toEqual([{ ID: DEMO, Name: 'demo' }]);
    expect(all.map((p: { Name: string }) => p.Name).sort()).toEqual(['admin', 'demo', 'tenant-b']);

    const seen = (await h.sim.requests({ api: 'keystone' })).map((e) => `${e.method} ${e.operation} ${e.status}`);
    expect(seen).toContain('GET versions.get 200');
    expect(seen).toContain('POST tokens.create 201');
    expect(seen).toContain('GET projects.list 403');
    expect(seen).toContain('GET users.projects 200');
  });

  it("the README's openstack commands and keystoneauth script work as written", { timeout: 30_000 }, async () => {
    const shell = readmeBlock('readme-openstack').replaceAll('http://127.0.0.1:8780', h.url);
    const out = await run('/bin/bash', ['-euc', shell], home);
    expect(out).toContain(DEMO); // token issue and project list
    expect(out).toContain('TrilioVaultWLM'); // catalog list
    expect(out).toContain(`${h.url}/v1/${DEMO}`);
    const script = readmeBlock('readme-keystoneauth').replaceAll('http://127.0.0.1:8780', h.url);
    const token = await h.sim.keystone.token('demo', 'demo', 'demo');
    const direct = await fetch(`${h.url}/v1/${DEMO}/restores/detail`, { headers: { 'x-auth-token': token } });
    const count = ((await direct.json()) as { restores: unknown[] }).restores.length;
    expect((await run(pythonOf(OPENSTACK), ['-c', script], home)).trim()).toBe(String(count));
  });

  it('keystoneauth1 finds the Trilio endpoint in the catalog and lists restores there', {
    timeout: 20_000,
  }, async () => {
    const token = await h.sim.keystone.token('demo', 'demo', 'demo');
    const direct = await fetch(`${h.url}/v1/${DEMO}/restores/detail`, { headers: { 'x-auth-token': token } });
    const count = ((await direct.json()) as { restores: unknown[] }).restores.length;
    const out = await run(pythonOf(OPENSTACK), ['-c', KEYSTONEAUTH, `${h.url}/v3`], home);
    expect(out.trim().split('\n')).toEqual([`200 ${count}`, `${h.url}/v1/${DEMO}`]);
  });
});
