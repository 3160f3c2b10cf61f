// XML by the vSphere 6.5 REST rules (reference §6): `<?xml version="1.0" ?>`, a root `<ns0:{Op}-Input|Result>` in
// namespace `http://vmware.com/<service path>`, unprefixed children named like the JSON fields, lists as
// `<{field}-array><array-item>…</array-item></{field}-array>`. Written by fast-xml-parser's XMLBuilder; ours are only
// the order (the seed's: a structure's non-list fields in alphabetical order, then its list fields in alphabetical
// order), the list shape and the one escaper (`&`, `<`, `>` in text). Two-space indentation. Input order is free.
// Parsing never expands or fetches entities: a DOCTYPE or ENTITY declaration is refused before parsing.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { VapiError } from './errors.js';
import { msg } from './views.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

const escapeText = (v: unknown) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const builder = new XMLBuilder({
  ignoreAttributes: false,
  format: true,
  indentBy: '  ',
  processEntities: false,
  tagValueProcessor: (_tag, value) => escapeText(value),
});

type Node = Record<string, unknown>;

/** A structure as the builder's input: set fields only, in the seed's order; a list as `x-array` of `array-item`. */
function shape(obj: Node): Node {
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined && obj[k] !== null)
    .sort();
  const lists = keys.filter((k) => Array.isArray(obj[k]));
  const out: Node = {};
  for (const k of keys.filter((k) => !Array.isArray(obj[k]))) out[k] = item(obj[k]);
  // An empty list is `<x-array/>` (the builder writes a null as an empty element).
  for (const k of lists)
    out[`${k}-array`] = (obj[k] as unknown[]).length ? { 'array-item': (obj[k] as unknown[]).map(item) } : null;
  return out;
}
const item = (v: unknown): unknown => (v !== null && typeof v === 'object' ? shape(v as Node) : v);

/** A whole XML document: the declaration, `<ns0:{root} xmlns:ns0=… xmlns:xsi=…>` around `body`'s fields. */
export function toXml(root: string, ns: string, body: Node): string {
  const doc = { [`ns0:${root}`]: { '@_xmlns:ns0': ns, '@_xmlns:xsi': XSI, ...shape(body) } };
  return `<?xml version="1.0" ?>\n${builder.build(doc) as string}`;
}

const badXml = (text: string, args: unknown[] = []) =>
  new VapiError('invalid_argument', [
    msg(
      'com.vmware.vapi.rest.badRequest.xml',
      text.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)])),
      args,
    ),
  ]);

/**
 * Documentation pages copied from HTML (the seed page among them) carry non-breaking spaces (U+00A0) where the
 * XML has spaces: inside tags, as indentation and inside values (`secret string`). Read every U+00A0 as a space,
 * so such a page's XML parses as written into the same request as its JSON twin.
 */
function nbspToSpace(text: string): string {
  return text.includes('\u00a0') ? text.replace(/\u00a0/g, ' ') : text;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => name === 'array-item',
});

/** `<x-array>` → x: [...], nested structures → objects, text → strings (typed by the schema later: input.ts). */
function convert(v: unknown): unknown {
  if (v === '' || v === undefined || v === null) return '';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return v.map(convert);
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (k === '#text') continue;
    if (k.endsWith('-array')) {
      const items = val && typeof val === 'object' ? ((val as Record<string, unknown>)['array-item'] ?? []) : [];
      out[k.slice(0, -'-array'.length)] = (items as unknown[]).map(convert);
    } else out[k] = Array.isArray(val) ? val.map(convert) : convert(val);
  }
  return out;
}

/** XML 1.0 `Char`: what a character reference may name (no NUL, no lone surrogate, nothing above U+10FFFF). */
const isXmlChar = (c: number) =>
  c === 0x9 ||
  c === 0xa ||
  c === 0xd ||
  (c >= 0x20 && c <= 0xd7ff) ||
  (c >= 0xe000 && c <= 0xfffd) ||
  (c >= 0x10000 && c <= 0x10ffff);

function charRef(ref: string, code: number): string {
  const shown = ref.length > 24 ? `${ref.slice(0, 20)}…;` : ref;
  if (!isXmlChar(code)) throw badXml('Invalid character reference {0} in request body', [shown]);
  return String.fromCodePoint(code);
}

/**
 * Unescapes the five predefined entities and character references (nothing else: entities are never expanded).
 * A character reference to no XML character (`&#x110000;`, `&#99999999999;`, `&#0;`) is a 400.
 */
function unescapeDeep(v: unknown): unknown {
  if (typeof v === 'string')
    return v
      .replace(/&#x([0-9a-fA-F]+);/g, (m, h: string) => charRef(m, parseInt(h, 16)))
      .replace(/&#([0-9]+);/g, (m, d: string) => charRef(m, parseInt(d, 10)))
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  if (Array.isArray(v)) return v.map(unescapeDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescapeDeep(x)]));
  return v;
}

export interface XmlInput {
  /** Local name of the root element, e.g. `Create-Input`. */
  root: string;
  /** The root's children as a JSON-like object (`{piece: {...}}`). */
  body: Record<string, unknown>;
}

/** Parses an XML request body; throws a 400 invalid_argument VapiError for anything not plain, well-formed XML. */
export function parseXml(input: string): XmlInput {
  const text = nbspToSpace(input);
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text))
    throw badXml('XML document type declarations and entity declarations are not allowed.');
  let doc: Record<string, unknown>;
  try {
    const valid = XMLValidator.validate(text);
    if (valid !== true) throw badXml('Malformed XML in request body: {0} (line {1})', [valid.err.msg, valid.err.line]);
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    // Anything the validator or parser throws (e.g. the parser's "Maximum nested tags exceeded" past its 1000
    // levels, which the validator lets through) is a bad request, not a server error.
    if (err instanceof VapiError) throw err;
    throw badXml('Malformed XML in request body: {0}', [err instanceof Error ? err.message : String(err)]);
  }
  const roots = Object.keys(doc).filter((k) => !k.startsWith('?'));
  if (roots.length !== 1) throw badXml('The XML request body must have exactly one root element.');
  const root = roots[0]!;
  const content = doc[root];
  let body: Record<string, unknown> = {};
  if (content && typeof content === 'object') {
    try {
      body = unescapeDeep(convert(content)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof VapiError) throw err;
      throw badXml('Malformed XML in request body: {0}', [err instanceof Error ? err.message : String(err)]);
    }
  }
  return { root, body };
}
