// vCenter /rest XML (6.5 rules) and the seed page: its XML request parses into its JSON twin, its response shapes
// are reproduced element for element; XML errors; XXE and billion laughs refused quickly.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { testApp } from './helpers.js';
import { parseXml } from '../src/vcenter/xml.js';
import { readRestoreRequest } from '../src/vcenter/input.js';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

const seed = (name: string) => fs.readFileSync(new URL(`./data/vcenter-seed/${name}`, import.meta.url), 'utf8');
/** The page was copied from HTML: its indentation (and the space inside its XML tags) is U+00A0. */
const spaces = (text: string) => text.replace(/\u00a0/g, ' ');
/** The seed page lost its colons in rendering (`"piece"{`, `"progress"1`): put them back to read it as JSON. */
const repairSeedJson = (text: string) => JSON.parse(spaces(text).replace(/"(\w+)"(?=\s*[[{"\d])/g, '"$1":'));

const GOOD = 'sftp://backup.example.com/backups/vcsa01/2026-11-01';
const WARN = 'sftp://backup.example.com/backups/vcsa03/2026-10-15';
const XML = { 'content-type': 'application/xml' };
const AX = { accept: 'application/xml' };
const basic = `Basic ${Buffer.from('root:VMware1!').toString('base64')}`;
const H = (sid: string) => ({ 'vmware-api-session-id': sid });
const advance = (seconds: number) => app.inject({ method: 'POST', url: '/_sim/clock/advance', payload: { seconds } });
async function start(): Promise<string> {
  app = await testApp();
  const r = await app.inject({
    method: 'POST',
    url: '/rest/com/vmware/cis/session',
    headers: { authorization: basic },
  });
  return r.json().value as string;
}
const createInput = (fields: string) =>
  `<?xml version="1.0" ?>\n<ns0:Create-Input xmlns:ns0="http://vmware.com/appliance/recovery/restore/job" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n  <piece>\n${fields}\n  </piece>\n</ns0:Create-Input>\n`;
const goodFields = (loc = GOOD, extra = '') =>
  `    <location_type>SFTP</location_type>\n    <location>${loc}</location>\n    <location_user>backup</location_user>\n    <location_password>VMware1!</location_password>\n    <backup_password>VMware1!</backup_password>${extra}`;

/** Replaces every value by the seed's placeholders, keeping element names, order and nesting. */
const placeholdersXml = (xml: string) =>
  xml
    .replace(/<progress>\d+<\/progress>/g, '<progress>1</progress>')
    .replace(/>([^<>]*[^<>\s][^<>]*)<\/(default_message|id|array-item)>/g, '>string</$2>');
const placeholdersJson = (v: unknown, key = ''): unknown => {
  if (Array.isArray(v)) return v.map((x) => placeholdersJson(x));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, placeholdersJson(x, k)]));
  if (typeof v === 'number') return 1;
  if (typeof v === 'string' && key !== 'state') return 'string';
  return v;
};

describe('vcenter seed page', () => {
  it('the seed XML request parses into the same request as its JSON twin', () => {
    const json = repairSeedJson(seed('create-request.json'));
    const x = parseXml(seed('create-request.xml'));
    expect(x.root).toBe('Create-Input');
    expect(x.body).toEqual(json);
    expect(readRestoreRequest(x.body.piece, 'job', { xml: true })).toEqual(readRestoreRequest(json.piece, 'job'));
    expect(readRestoreRequest(json.piece, 'job')).toEqual({
      location_type: 'FTPS',
      location: 'string',
      backup_password: 'secret string',
      location_user: 'string',
      location_password: 'secret string',
    });
  });

  it('the seed XML request, posted as written, makes the same job as its JSON twin (its placeholder location fails at download)', async () => {
    const sid = await start();
    const x = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...XML },
      payload: seed('create-request.xml'),
    });
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-type']).toMatch(/^application\/xml/);
    expect(x.body).toMatch(
      /^<\?xml version="1\.0" \?>\n<ns0:Create-Result xmlns:ns0="http:\/\/vmware.com\/appliance\/recovery\/restore\/job" xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance">\n {2}<value>\n {4}<progress>0<\/progress>\n {4}<state>INPROGRESS<\/state>\n {4}<messages-array>/,
    );
    await advance(600);
    const fromXml = (
      await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(sid) })
    ).json();
    expect(fromXml.value.state).toBe('FAILED');
    expect(fromXml.value.messages.at(-1).default_message).toBe(
      'Backup location string is not accessible: No such file or directory',
    );

    await app.inject({ method: 'POST', url: '/_sim/reset', payload: {} });
    const j = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), 'content-type': 'application/json' },
      payload: JSON.stringify(repairSeedJson(seed('create-request.json'))),
    });
    expect(j.statusCode).toBe(200);
    await advance(600);
    const fromJson = (
      await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(sid) })
    ).json();
    expect(fromJson).toEqual(fromXml);
  });

  it('reproduces the seed response element for element: FAILED with two messages of two args each', async () => {
    const sid = await start();
    // A backup with a validation warning and no ignore_warnings fails in its validate phase with exactly two messages.
    const c = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...XML, ...AX },
      payload: createInput(goodFields(WARN)),
    });
    expect(c.statusCode).toBe(200);
    await advance(5);
    const g = await app.inject({
      method: 'GET',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...AX },
    });
    expect(g.statusCode).toBe(200);
    expect(g.body).toContain('<state>FAILED</state>');
    // The page documents create; get has the same RestoreJobStatus under <ns0:Get-Result>.
    expect(placeholdersXml(g.body).replace(/Get-Result/g, 'Create-Result')).toBe(spaces(seed('create-response.xml')));

    const j = await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(sid) });
    expect(placeholdersJson(j.json())).toEqual(repairSeedJson(seed('create-response.json')));
    expect(j.body).toMatch(/"state":"FAILED"/);
    expect(j.body).toMatch(/"progress":\d+/);
  });
});

describe('vcenter XML representation', () => {
  it('validate: <ns0:Validate-Input> → <ns0:Validate-Result> with booleans, lists and messages', async () => {
    const sid = await start();
    const body = `<?xml version="1.0" ?>\n<ns0:Validate-Input xmlns:ns0="http://vmware.com/appliance/recovery/restore"><piece>${goodFields(WARN)}</piece></ns0:Validate-Input>`;
    const r = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: { ...H(sid), 'content-type': 'text/xml', accept: 'text/xml' },
      payload: body,
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(
      [
        '<?xml version="1.0" ?>',
        '<ns0:Validate-Result xmlns:ns0="http://vmware.com/appliance/recovery/restore" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        '  <value>',
        '    <applicable>true</applicable>',
        '    <boxname>vcsa03.example.com</boxname>',
        '    <comment>Weekly backup of vcsa03</comment>',
        '    <sso_login_required>false</sso_login_required>',
        '    <timestamp>2026-10-15T02:00:09.044Z</timestamp>',
        '    <version>8.0.2.00300</version>',
        '    <messages-array>',
        '      <array-item>',
        '        <default_message>The backup was taken on version 8.0.2.00300; this appliance runs 8.0.3.00500.</default_message>',
        '        <id>com.vmware.appliance.recovery.restore.warning.version_mismatch</id>',
        '        <args-array>',
        '          <array-item>8.0.2.00300</array-item>',
        '          <array-item>8.0.3.00500</array-item>',
        '        </args-array>',
        '      </array-item>',
        '    </messages-array>',
        '    <parts-array>',
        '      <array-item>common</array-item>',
        '      <array-item>seat</array-item>',
        '    </parts-array>',
        '  </value>',
        '</ns0:Validate-Result>',
        '',
      ].join('\n'),
    );
  });

  it('get, cancel and session answer XML when Accept asks; NONE has an empty messages list', async () => {
    const sid = await start();
    const g = await app.inject({
      method: 'GET',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...AX },
    });
    expect(g.body).toBe(
      '<?xml version="1.0" ?>\n<ns0:Get-Result xmlns:ns0="http://vmware.com/appliance/recovery/restore/job" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
        '  <value>\n    <progress>0</progress>\n    <state>NONE</state>\n    <messages-array/>\n  </value>\n</ns0:Get-Result>\n',
    );
    const c = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job/cancel',
      headers: { ...H(sid), ...AX },
    });
    expect(c.body).toContain('<ns0:Cancel-Result xmlns:ns0="http://vmware.com/appliance/recovery/restore/job"');
    expect(c.body).toContain('<status>FAIL</status>');
    const s = await app.inject({
      method: 'POST',
      url: '/rest/com/vmware/cis/session',
      headers: { authorization: basic, ...AX },
    });
    expect(s.body).toMatch(
      /^<\?xml version="1.0" \?>\n<ns0:Create-Result xmlns:ns0="http:\/\/vmware.com\/cis\/session" xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance">\n {2}<value>[0-9a-f]{32}<\/value>\n<\/ns0:Create-Result>\n$/,
    );
    // XML asked for with a lower quality than JSON: JSON wins.
    const q = await app.inject({
      method: 'GET',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), accept: 'application/xml;q=0.5, application/json' },
    });
    expect(q.headers['content-type']).toMatch(/^application\/json/);
  });

  it('XML requests: ignore_warnings as text, parts as <parts-array>, escaped characters, empty elements', async () => {
    const sid = await start();
    const r = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...XML },
      payload: createInput(
        goodFields(
          WARN,
          '\n    <ignore_warnings>true</ignore_warnings>\n    <parts-array><array-item>common</array-item></parts-array>\n    <sso_admin_user_name/>',
        ),
      ),
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('<parts-array>\n      <array-item>common</array-item>\n    </parts-array>');
    await advance(600);
    expect(
      (await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(sid) })).json().value
        .state,
    ).toBe('SUCCEEDED');

    const amp = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: { ...H(sid), ...XML },
      payload: `<ns0:Validate-Input xmlns:ns0="http://vmware.com/appliance/recovery/restore"><piece><location_type>SFTP</location_type><location>sftp://backup.example.com/a&amp;b&lt;c</location></piece></ns0:Validate-Input>`,
    });
    expect(amp.statusCode).toBe(500);
    expect(amp.body).toContain(
      '<default_message>Backup location sftp://backup.example.com/a&amp;b&lt;c is not accessible: No such file or directory</default_message>',
    );
    expect(amp.body).toContain('<type>com.vmware.vapi.std.errors.error</type>');

    const bad = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...XML },
      payload: createInput(goodFields(GOOD, '\n    <ignore_warnings>perhaps</ignore_warnings>')),
    });
    expect(bad.statusCode).toBe(400);
  });

  it('errors in the documented XML shape: <ns0:Error> with <type> and <value>', async () => {
    const sid = await start();
    await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...XML },
      payload: createInput(goodFields()),
    });
    const r = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...XML },
      payload: createInput(goodFields()),
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/xml/);
    expect(r.body).toBe(
      [
        '<?xml version="1.0" ?>',
        '<ns0:Error xmlns:ns0="http://vmware.com/vapi/std/errors" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        '  <type>com.vmware.vapi.std.errors.feature_in_use</type>',
        '  <value>',
        '    <error_type>FEATURE_IN_USE</error_type>',
        '    <messages-array>',
        '      <array-item>',
        '        <default_message>A backup or restore is already in progress</default_message>',
        '        <id>com.vmware.appliance.recovery.restore.job.feature_in_use</id>',
        '        <args-array/>',
        '      </array-item>',
        '    </messages-array>',
        '  </value>',
        '</ns0:Error>',
        '',
      ].join('\n'),
    );
    // An XML request with Accept: application/json gets a JSON error.
    const j = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/job',
      headers: { ...H(sid), ...XML, accept: 'application/json' },
      payload: createInput(goodFields()),
    });
    expect(j.json().type).toBe('com.vmware.vapi.std.errors.feature_in_use');
    // A 401 for an XML client is XML too.
    const u = await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: AX });
    expect(u.statusCode).toBe(401);
    expect(u.body).toContain('<id>com.vmware.vapi.endpoint.method.authentication.required</id>');
  });

  it('refuses malformed XML, a wrong root and XML on /api', async () => {
    const sid = await start();
    const cases: [string, string][] = [
      ['<ns0:Create-Input><piece><location>x</piece></ns0:Create-Input>', 'Malformed XML'],
      ['<ns0:Validate-Input><piece/></ns0:Validate-Input>', 'must be rooted at &lt;ns0:Create-Input&gt;'],
      ['<a/><b/>', ''],
      ['just text', ''],
    ];
    for (const [payload, text] of cases) {
      const r = await app.inject({
        method: 'POST',
        url: '/rest/appliance/recovery/restore/job',
        headers: { ...H(sid), ...XML },
        payload,
      });
      expect(r.statusCode, payload).toBe(400);
      expect(r.body).toContain('<type>com.vmware.vapi.std.errors.invalid_argument</type>');
      expect(r.body).toContain(text);
    }
  });

  it('character references to no XML character and nesting past the parser limit → 400 invalid_argument at once, never 500', async () => {
    const sid = await start();
    const deep = (n: number) =>
      `<ns0:Create-Input><piece>${'<a>'.repeat(n)}x${'</a>'.repeat(n)}</piece></ns0:Create-Input>`;
    const cases: [string, string][] = [
      [createInput(goodFields('sftp://h/&#x110000;')), 'Invalid character reference &amp;#x110000;'],
      [createInput(goodFields('sftp://h/&#99999999999;')), 'Invalid character reference &amp;#99999999999;'],
      [createInput(goodFields(`sftp://h/&#${'9'.repeat(400)};`)), 'Invalid character reference'],
      [createInput(goodFields('sftp://h/&#xD800;')), 'Invalid character reference &amp;#xD800;'],
      [deep(1500), 'Maximum nested tags exceeded'],
      [deep(20000), 'Maximum nested tags exceeded'],
    ];
    for (const [payload, text] of cases) {
      for (const url of ['/rest/appliance/recovery/restore/job', '/rest/appliance/recovery/restore/validate']) {
        const t0 = performance.now();
        const r = await app.inject({ method: 'POST', url, headers: { ...H(sid), ...XML }, payload });
        expect(performance.now() - t0).toBeLessThan(1000);
        expect(r.statusCode, `${url} ${payload.slice(0, 200)}`).toBe(400);
        expect(r.body).toContain('<type>com.vmware.vapi.std.errors.invalid_argument</type>');
        expect(r.body).toContain('com.vmware.vapi.rest.badRequest.xml');
        expect(r.body).toContain(text);
      }
    }
    // The largest code point is fine.
    const ok = parseXml('<r><x>&#x10FFFF;&#65;</x></r>');
    expect(ok.body.x).toBe('\u{10FFFF}A');
    expect(
      (await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(sid) })).json().value
        .state,
    ).toBe('NONE');
  });

  it('never expands entities: XXE and billion laughs → 400 at once', async () => {
    const sid = await start();
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${createInput('<location_type>SFTP</location_type><location>&xxe;</location>').replace('<?xml version="1.0" ?>\n', '')}`;
    const lol = ['<?xml version="1.0"?>', '<!DOCTYPE lolz [', ' <!ENTITY lol "lol">'];
    for (let i = 1; i < 10; i++) lol.push(` <!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    lol.push(
      ']>',
      '<ns0:Create-Input xmlns:ns0="http://vmware.com/appliance/recovery/restore/job"><piece><location_type>SFTP</location_type><location>&lol9;</location></piece></ns0:Create-Input>',
    );
    const internalOnly = '<!DOCTYPE x [<!ENTITY a "b">]><ns0:Create-Input><piece/></ns0:Create-Input>';
    for (const payload of [xxe, lol.join('\n'), internalOnly]) {
      const t0 = performance.now();
      const r = await app.inject({
        method: 'POST',
        url: '/rest/appliance/recovery/restore/job',
        headers: { ...H(sid), ...XML },
        payload,
      });
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(r.statusCode).toBe(400);
      expect(r.body).toContain('XML document type declarations and entity declarations are not allowed.');
      expect(r.body).not.toContain('root:');
    }
    // A bare entity reference without a declaration stays literal text: it is never resolved.
    const lit = await app.inject({
      method: 'POST',
      url: '/rest/appliance/recovery/restore/validate',
      headers: { ...H(sid), ...XML, accept: 'application/json' },
      payload:
        '<ns0:Validate-Input><piece><location_type>SFTP</location_type><location>&xxe;</location></piece></ns0:Validate-Input>',
    });
    expect([400, 500]).toContain(lit.statusCode);
    expect(lit.body).not.toContain('root:');
    // Nothing was created by any of these.
    expect(
      (await app.inject({ method: 'GET', url: '/rest/appliance/recovery/restore/job', headers: H(sid) })).json().value
        .state,
    ).toBe('NONE');
  });
});
