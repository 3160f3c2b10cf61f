// The XML representation of a Trilio answer (docs/trilio.md, "XML"), written by fast-xml-parser's XMLBuilder: the
// root is the body's one key (`<response>` around several), objects nest in key order, an array repeats a singular
// child name, null is an empty element with nil="true", text is escaped. Only the element names are ours.
import { XMLBuilder } from 'fast-xml-parser';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const SINGULAR: Record<string, string> = {
  restores: 'restore',
  snapshots: 'snapshot',
  workloads: 'workload',
  links: 'link',
  restores_links: 'link',
  instances: 'instance',
  networks: 'network',
  subnets: 'subnet',
  routers: 'router',
  metadata: 'meta',
  vdisks: 'vdisk',
  nics: 'nic',
};

/** An element name for a key: characters names cannot hold become `_`, and a name starts with a letter or `_`. */
function tag(key: string): string {
  const t = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(t) ? t : `_${t}`;
}

/** The one escaper: text content (&, <, > and "; an apostrophe stays as it is). */
const escapeText = (text: unknown) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The builder's ordered form of an element: `{name: children}`, text as `{'#text': value}`. */
type Node = Record<string, Node[] | string | number | boolean>;
/** A null's element: its name with the nil attribute, written as an unpaired tag (`<name nil="true"/>`). */
const nilName = (name: string) => `${name} nil="true"`;

function element(name: string, value: unknown, nils: Set<string>): Node {
  const t = tag(name);
  if (value === null || value === undefined) {
    nils.add(nilName(t));
    return { [nilName(t)]: [] };
  }
  if (Array.isArray(value)) {
    const child = SINGULAR[name] ?? 'item';
    return { [t]: value.map((item) => element(child, item, nils)) };
  }
  if (typeof value === 'object') {
    return { [t]: Object.entries(value).map(([k, v]) => element(k, v, nils)) };
  }
  return { [t]: [{ '#text': value as string | number | boolean }] };
}

/** A body as an XML document; the body's single key is the root, several are wrapped in `<response>`. */
export function toXml(body: Record<string, unknown>): string {
  const keys = Object.keys(body);
  const nils = new Set<string>();
  const root = keys.length === 1 ? element(keys[0]!, body[keys[0]!], nils) : element('response', body, nils);
  const builder = new XMLBuilder({
    preserveOrder: true,
    processEntities: false,
    tagValueProcessor: (_name, value) => escapeText(value),
    // Only nil elements are unpaired: their names carry the attribute, so no other element shares one.
    unpairedTags: [...nils],
    suppressUnpairedNode: false,
  });
  return DECLARATION + builder.build([root]);
}
