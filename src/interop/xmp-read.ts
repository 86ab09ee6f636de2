import { AppError } from '../errors.js';
import type { NormRect } from './orientation.js';
import { elements, findAll, parseXml, textOf, XMLNS, type XmlElement, type XmlNode } from './xml.js';

/** Namespace URIs of the XMP schemas facetag reads and writes (prefixes differ between tools). */
export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  mwgRs: 'http://www.metadataworkinggroup.com/schemas/regions/',
  stDim: 'http://ns.adobe.com/xap/1.0/sType/Dimensions#',
  stArea: 'http://ns.adobe.com/xmp/sType/Area#',
  mp: 'http://ns.microsoft.com/photo/1.2/',
  mpri: 'http://ns.microsoft.com/photo/1.2/t/RegionInfo#',
  mpReg: 'http://ns.microsoft.com/photo/1.2/t/Region#',
  msPhoto: 'http://ns.microsoft.com/photo/1.0/',
  dc: 'http://purl.org/dc/elements/1.1/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
  digiKam: 'http://www.digikam.org/ns/1.0/',
} as const;

/** An RDF value: a simple string, an array (Bag, Seq, Alt) or a struct keyed by property URI (namespace + name). */
export type RdfValue = string | RdfValue[] | RdfStruct;
export interface RdfStruct {
  [propertyUri: string]: RdfValue;
}

export interface XmpRegion {
  /** The person's name; null for an unnamed face region. */
  name: string | null;
  /** Normalised to the image that `frame` names, top-left based. */
  area: NormRect;
  /** MWG regions refer to the stored image unless AppliedToDimensions says otherwise; see orientation.ts. */
  appliedTo: { w: number; h: number } | null;
  schema: 'mwg' | 'mp';
}

export interface XmpFaces {
  /** Face regions only (MWG Type "Face", or no type; MP regions are all people). */
  regions: XmpRegion[];
  /** Person names from keyword hierarchies (People/Name in digiKam, People|Name in Lightroom). */
  personKeywords: string[];
  /** Flat keywords (dc:subject), which may name people too. */
  keywords: string[];
}

const isSyntax = (a: { uri: string; local: string }) =>
  a.uri === NS.rdf || a.uri === XMLNS || a.uri === 'http://www.w3.org/XML/1998/namespace';

/** Reads one property element as RDF/XMP writes it (every form ExifTool, Exiv2/digiKam and Adobe use). */
export function readProperty(el: XmlElement): RdfValue {
  const resource = el.attrs.find((a) => a.uri === NS.rdf && a.local === 'resource');
  if (resource) return resource.value;
  const kids = elements(el);
  const container = kids.find((k) => k.uri === NS.rdf && ['Bag', 'Seq', 'Alt'].includes(k.local));
  if (container) return elements(container).filter((k) => k.uri === NS.rdf && k.local === 'li').map(readProperty);
  const parseType = el.attrs.find((a) => a.uri === NS.rdf && a.local === 'parseType')?.value;
  const description = kids.find((k) => k.uri === NS.rdf && k.local === 'Description');
  if (description) return readStruct(description);
  const fields = el.attrs.filter((a) => !isSyntax(a));
  if (parseType === 'Resource' || fields.length > 0 || kids.length > 0) return readStruct(el);
  return textOf(el);
}

/** The fields of a struct node: its non-syntax attributes and its child property elements. */
export function readStruct(el: XmlElement): RdfStruct {
  const out: RdfStruct = {};
  for (const a of el.attrs) if (!isSyntax(a)) out[a.uri + a.local] = a.value;
  for (const k of elements(el)) {
    // A rdf:value carries the value of a qualified property: keep it under its own name.
    out[k.uri + k.local] = readProperty(k);
  }
  return out;
}

/** Every top-level property of the packet, merged over its rdf:Description elements. */
export function readDescriptions(nodes: XmlNode[]): RdfStruct {
  const rdf = findAll(nodes, NS.rdf, 'RDF')[0];
  if (!rdf) throw new AppError('INVALID_INPUT', 'XMP: no rdf:RDF element; this is not an XMP packet');
  const all: RdfStruct = {};
  for (const d of elements(rdf)) if (d.uri === NS.rdf && d.local === 'Description') Object.assign(all, readStruct(d));
  return all;
}

const str = (v: RdfValue | undefined): string | null => {
  if (typeof v === 'string') return v.trim();
  // A language alternative: the first item.
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0].trim();
  return null;
};
const num = (v: RdfValue | undefined): number | null => {
  const s = str(v);
  if (s === null || s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};
const struct = (v: RdfValue | undefined): RdfStruct | null => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);
const list = (v: RdfValue | undefined): RdfValue[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** MWG regions: centre x, y and size w, h normalised (or in pixels of AppliedToDimensions). */
export function mwgRegions(d: RdfStruct): XmpRegion[] {
  const info = struct(d[NS.mwgRs + 'Regions']);
  if (!info) return [];
  const dims = struct(info[NS.mwgRs + 'AppliedToDimensions']);
  const dw = dims ? num(dims[NS.stDim + 'w']) : null;
  const dh = dims ? num(dims[NS.stDim + 'h']) : null;
  const appliedTo = dw && dh ? { w: dw, h: dh } : null;
  const out: XmpRegion[] = [];
  for (const item of list(info[NS.mwgRs + 'RegionList'])) {
    const r = struct(item);
    if (!r) continue;
    const type = str(r[NS.mwgRs + 'Type']);
    if (type && type.toLowerCase() !== 'face') continue;
    const area = struct(r[NS.mwgRs + 'Area']);
    if (!area) continue;
    const [px, py, pw, ph] = ['x', 'y', 'w', 'h'].map((k) => num(area[NS.stArea + k]));
    if (px == null || py == null || pw == null || ph == null || !(pw > 0) || !(ph > 0)) continue;
    let [x, y, w, h] = [px, py, pw, ph];
    const unit = str(area[NS.stArea + 'unit']) ?? 'normalized';
    if (unit === 'pixel') {
      if (!appliedTo) continue;
      [x, y, w, h] = [x / appliedTo.w, y / appliedTo.h, w / appliedTo.w, h / appliedTo.h];
    }
    const name = str(r[NS.mwgRs + 'Name']);
    out.push({ name: name || null, area: { x: x - w / 2, y: y - h / 2, w, h }, appliedTo, schema: 'mwg' });
  }
  return out;
}

/** Microsoft Photo (Windows Live Photo Gallery) regions: Rectangle "x, y, w, h", top-left, normalised. */
export function mpRegions(d: RdfStruct): XmpRegion[] {
  const info = struct(d[NS.mp + 'RegionInfo']);
  if (!info) return [];
  const out: XmpRegion[] = [];
  for (const item of list(info[NS.mpri + 'Regions'])) {
    const r = struct(item);
    const rect = r ? str(r[NS.mpReg + 'Rectangle']) : null;
    if (!r || !rect) continue;
    const parts = rect.split(',').map((p) => Number(p.trim()));
    if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) continue;
    const [x, y, w, h] = parts as [number, number, number, number];
    if (!(w > 0 && h > 0)) continue;
    const name = str(r[NS.mpReg + 'PersonDisplayName']);
    out.push({ name: name || null, area: { x, y, w, h }, appliedTo: null, schema: 'mp' });
  }
  return out;
}

/** Roots under which keyword hierarchies hold people's names. */
const PEOPLE_ROOTS = new Set(['people', 'persons', 'person', 'personen', 'personnes', 'persone', 'personas', 'names']);

export function personKeywords(d: RdfStruct): string[] {
  const names = new Set<string>();
  const take = (v: RdfValue | undefined, separator: string) => {
    for (const item of list(v)) {
      const s = str(item);
      if (!s) continue;
      const parts = s.split(separator).map((p) => p.trim()).filter(Boolean);
      // "People/Ada Lovelace"; digiKam also writes "People/Unknown" and "People/Unconfirmed".
      if (parts.length >= 2 && PEOPLE_ROOTS.has(parts[0]!.toLowerCase()) && !/^(unknown|unconfirmed|ignored)$/i.test(parts[parts.length - 1]!)) {
        names.add(parts[parts.length - 1]!);
      }
    }
  };
  take(d[NS.lr + 'hierarchicalSubject'], '|');
  take(d[NS.digiKam + 'TagsList'], '/');
  take(d[NS.msPhoto + 'LastKeywordXMP'], '/');
  return [...names];
}

/** Face regions and person keywords of an XMP packet or sidecar. MWG regions win over MP ones of the same face. */
export function readXmpFaces(xml: string): XmpFaces {
  const d = readDescriptions(parseXml(xml.replace(/\0+$/, '')));
  const mwg = mwgRegions(d);
  const mp = mpRegions(d);
  // digiKam and others write both schemas for one face: an MP region near an MWG region is the same face.
  const regions = [...mwg, ...mp.filter((m) => !mwg.some((g) => Math.abs(g.area.x - m.area.x) < 0.02 && Math.abs(g.area.y - m.area.y) < 0.02))];
  const keywords = list(d[NS.dc + 'subject']).map(str).filter((s): s is string => !!s);
  return { regions, personKeywords: personKeywords(d), keywords };
}
