import { spawnSync } from 'node:child_process';
import { elements, parseXml, textOf, type XmlElement } from '../../src/interop/xml.js';

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

/**
 * Reads an XML property list strictly (a plist root with one value; dict keys and values
 * alternating; string, integer, true, false, array, dict), and throws on anything else. The
 * DOCTYPE line is checked as text, since the XML parser refuses DOCTYPEs.
 */
export function parsePlist(text: string): PlistValue {
  const doctype = '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">';
  if (!text.includes(doctype)) throw new Error('the plist DOCTYPE is missing');
  const roots = parseXml(text.replace(doctype, '')).filter((n): n is XmlElement => n.kind === 'element');
  if (roots.length !== 1 || roots[0]!.name !== 'plist' || elements(roots[0]!).length !== 1) throw new Error('not one <plist> with one value');
  return value(elements(roots[0]!)[0]!);
}

function value(el: XmlElement): PlistValue {
  switch (el.name) {
    case 'string':
      return textOf(el);
    case 'integer':
      if (!/^-?\d+$/.test(textOf(el))) throw new Error(`<integer>${textOf(el)}</integer> is not an integer`);
      return Number(textOf(el));
    case 'true':
    case 'false':
      return el.name === 'true';
    case 'array':
      return elements(el).map(value);
    case 'dict': {
      const children = elements(el);
      if (children.length % 2 !== 0) throw new Error('a <dict> has a key without a value');
      const out: Record<string, PlistValue> = {};
      for (let i = 0; i < children.length; i += 2) {
        if (children[i]!.name !== 'key') throw new Error(`<${children[i]!.name}> where a <key> belongs`);
        out[textOf(children[i]!)] = value(children[i + 1]!);
      }
      return out;
    }
    default:
      throw new Error(`<${el.name}> is not a plist value`);
  }
}

/** The same file read by Python's plistlib (Apple's format, independent of our parser), or null without python3. */
export function plistlibRead(file: string): unknown {
  const r = spawnSync('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', file], { encoding: 'utf8' });
  if (r.error) return null;
  if (r.status !== 0) throw new Error(`plistlib refuses ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
