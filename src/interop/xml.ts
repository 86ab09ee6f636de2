import { AppError } from '../errors.js';

/**
 * A small XML parser and writer for XMP packets and sidecars: elements, attributes, text,
 * comments, processing instructions (`<?xpacket ...?>`) and CDATA, with namespace prefixes
 * resolved to URIs. It keeps everything it does not understand (comments, PIs, whitespace,
 * attribute order) so that a sidecar can be read, changed in one place and written back
 * with every other field as it was. DOCTYPE and entity declarations are refused: XMP never
 * has them, and refusing them rules out entity-expansion attacks.
 *
 * Why not a library: no XML parser is installed here, and the subset XMP needs is small.
 */
export interface XmlAttr {
  /** As written, with its prefix: `stArea:x`. */
  name: string;
  value: string;
  /** Namespace URI of the prefix ('' for none); `xmlns` declarations get the XMLNS URI. */
  uri: string;
  local: string;
  /** Whitespace before it and its quote, as written (kept so that a rewrite changes only what it must). */
  pre?: string;
  quote?: '"' | "'";
}

export interface XmlElement {
  kind: 'element';
  name: string;
  uri: string;
  local: string;
  attrs: XmlAttr[];
  children: XmlNode[];
  /** Whitespace before `>` or `/>` of the start tag, as written. */
  tail?: string;
}

export type XmlNode =
  | XmlElement
  | { kind: 'text'; text: string }
  | { kind: 'cdata'; text: string }
  /** Comments and processing instructions, kept verbatim. */
  | { kind: 'raw'; raw: string };

export const XMLNS = 'http://www.w3.org/2000/xmlns/';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string, where: number): string {
  return text.replace(/&([^;\s&]{1,10});/g, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const v = ENTITIES[name];
    if (v === undefined) throw new AppError('INVALID_INPUT', `XML: unknown entity ${whole} near character ${where}`);
    return v;
  });
}

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;').replace(/\t/g, '&#x9;');
}

const splitName = (name: string): [string, string] => {
  const i = name.indexOf(':');
  return i === -1 ? ['', name] : [name.slice(0, i), name.slice(i + 1)];
};

/** Parses a whole document; returns its top-level nodes (PIs, whitespace, the root element). */
export function parseXml(source: string): XmlNode[] {
  const text = source.replace(/^\uFEFF/, '');
  const top: XmlNode[] = [];
  const stack: Array<{ el: XmlElement | null; ns: Map<string, string>; children: XmlNode[] }> = [
    { el: null, ns: new Map([['xml', XML_NS], ['xmlns', XMLNS]]), children: top },
  ];
  let i = 0;
  const fail = (what: string): never => {
    throw new AppError('INVALID_INPUT', `XML: ${what} at character ${i}`);
  };
  while (i < text.length) {
    const frame = stack[stack.length - 1]!;
    const lt = text.indexOf('<', i);
    if (lt !== i) {
      const end = lt === -1 ? text.length : lt;
      frame.children.push({ kind: 'text', text: decode(text.slice(i, end), i) });
      i = end;
      continue;
    }
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) fail('unterminated comment');
      frame.children.push({ kind: 'raw', raw: text.slice(i, end + 3) });
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      if (end === -1) fail('unterminated CDATA');
      frame.children.push({ kind: 'cdata', text: text.slice(i + 9, end) });
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end === -1) fail('unterminated processing instruction');
      frame.children.push({ kind: 'raw', raw: text.slice(i, end + 2) });
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      fail('DOCTYPE and entity declarations are not allowed in XMP');
    } else if (text.startsWith('</', i)) {
      const end = text.indexOf('>', i);
      if (end === -1) fail('unterminated end tag');
      const name = text.slice(i + 2, end).trim();
      if (!frame.el || frame.el.name !== name) fail(`end tag </${name}> does not close <${frame.el?.name ?? '(none)'}>`);
      stack.pop();
      i = end + 1;
    } else {
      const m = /^<([^\s/>]+)/.exec(text.slice(i, i + 300));
      if (!m) fail('bad start tag');
      const name = m![1]!;
      let j = i + m![0].length;
      const raw: Array<[string, string, string, '"' | "'"]> = [];
      const attrRe = /(\s*)([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
      for (;;) {
        attrRe.lastIndex = j;
        const a = attrRe.exec(text);
        if (!a) break;
        raw.push([a[2]!, decode(a[3] ?? a[4] ?? '', j), a[1]!, a[3] === undefined ? "'" : '"']);
        j = attrRe.lastIndex;
      }
      const tailStart = j;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      const selfClosing = text.startsWith('/>', j);
      if (!selfClosing && text[j] !== '>') fail(`bad attribute in <${name}>`);
      const ns = new Map(frame.ns);
      for (const [n, v] of raw) {
        if (n === 'xmlns') ns.set('', v);
        else if (n.startsWith('xmlns:')) ns.set(n.slice(6), v);
      }
      const resolve = (qname: string, isAttr: boolean): [string, string] => {
        const [prefix, local] = splitName(qname);
        if (qname === 'xmlns' || prefix === 'xmlns') return [XMLNS, local];
        if (prefix === '' && (isAttr || !ns.has(''))) return ['', local];
        const uri = ns.get(prefix);
        if (uri === undefined) fail(`prefix "${prefix}" of <${qname}> is not declared`);
        return [uri!, local];
      };
      const [uri, local] = resolve(name, false);
      const el: XmlElement = {
        kind: 'element', name, uri, local, children: [], tail: text.slice(tailStart, j),
        attrs: raw.map(([n, v, pre, quote]) => {
          const [u, l] = resolve(n, true);
          return { name: n, value: v, uri: u, local: l, pre, quote };
        }),
      };
      frame.children.push(el);
      i = j + (selfClosing ? 2 : 1);
      if (!selfClosing) stack.push({ el, ns, children: el.children });
    }
  }
  if (stack.length > 1) throw new AppError('INVALID_INPUT', `XML: <${stack[stack.length - 1]!.el!.name}> is never closed`);
  return top;
}

export function serializeXml(nodes: XmlNode[]): string {
  let out = '';
  const write = (n: XmlNode) => {
    if (n.kind === 'text') out += escapeText(n.text);
    else if (n.kind === 'cdata') out += `<![CDATA[${n.text}]]>`;
    else if (n.kind === 'raw') out += n.raw;
    else {
      out += `<${n.name}${n.attrs.map((a) => {
        const q = a.quote ?? '"';
        const v = q === '"' ? escapeAttr(a.value) : escapeAttr(a.value).replace(/&quot;/g, '"').replace(/'/g, '&apos;');
        return `${a.pre || ' '}${a.name}=${q}${v}${q}`;
      }).join('')}${n.tail ?? ''}`;
      if (n.children.length === 0) {
        out += '/>';
        return;
      }
      out += '>';
      n.children.forEach(write);
      out += `</${n.name}>`;
    }
  };
  nodes.forEach(write);
  return out;
}

export const elements = (el: XmlElement): XmlElement[] => el.children.filter((c): c is XmlElement => c.kind === 'element');

export const textOf = (el: XmlElement): string =>
  el.children.map((c) => (c.kind === 'text' || c.kind === 'cdata' ? c.text : c.kind === 'element' ? textOf(c) : '')).join('');

/** Every element in document order under `nodes` (depth first) that has this namespace URI and local name. */
export function findAll(nodes: XmlNode[], uri: string, local: string, out: XmlElement[] = []): XmlElement[] {
  for (const n of nodes) {
    if (n.kind !== 'element') continue;
    if (n.uri === uri && n.local === local) out.push(n);
    findAll(n.children, uri, local, out);
  }
  return out;
}

/** The prefix → URI bindings in scope at `target` (declared on it and its ancestors). */
export function scopeAt(nodes: XmlNode[], target: XmlElement): Map<string, string> | null {
  const walk = (list: XmlNode[], scope: Map<string, string>): Map<string, string> | null => {
    for (const n of list) {
      if (n.kind !== 'element') continue;
      const here = new Map(scope);
      for (const a of n.attrs) if (a.uri === XMLNS) here.set(a.name === 'xmlns' ? '' : a.local, a.value);
      if (n === target) return here;
      const found = walk(n.children, here);
      if (found) return found;
    }
    return null;
  };
  return walk(nodes, new Map());
}
