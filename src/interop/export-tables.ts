import type { Deps } from '../deps.js';
import { escapeText } from './xml.js';

export interface PersonRow {
  id: number;
  name: string | null;
  faces: number;
  hidden: boolean;
  createdAt: string;
}

export interface FaceRow {
  id: number;
  photoId: number;
  file: string;
  /** Pixels of the oriented photo. */
  x: number;
  y: number;
  w: number;
  h: number;
  personId: number | null;
  person: string | null;
  source: string | null;
  detScore: number;
  quality: number;
  manual: boolean;
}

export async function peopleRows({ catalog }: Pick<Deps, 'catalog'>): Promise<PersonRow[]> {
  return (await catalog.listPeople({ includeHidden: true }))
    .map((p) => ({ id: p.id, name: p.name, faces: p.faceCount, hidden: p.hidden, createdAt: p.createdAt }))
    .sort((a, b) => a.id - b.id);
}

export async function faceRows({ catalog }: Pick<Deps, 'catalog'>): Promise<FaceRow[]> {
  const files = new Map((await catalog.listPhotos()).map((p) => [p.id, p.path]));
  const names = new Map((await catalog.listPeople({ includeHidden: true })).map((p) => [p.id, p.name]));
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return (await catalog.listFaces()).map((f) => ({
    id: f.id, photoId: f.photoId, file: files.get(f.photoId) ?? '', x: r1(f.box.x), y: r1(f.box.y), w: r1(f.box.w), h: r1(f.box.h),
    personId: f.personId, person: f.personId === null ? null : names.get(f.personId) ?? null, source: f.source,
    detScore: r3(f.detScore), quality: r3(f.quality), manual: f.manual,
  }));
}

/**
 * RFC 4180 CSV with a header row. A text cell that a spreadsheet would run as a formula
 * (starting with = + - @ or a tab) gets a leading apostrophe: a name is data, not code.
 */
export function toCsv<T extends object>(rows: T[], columns: Array<keyof T & string>): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/**
 * The people graph as GraphML (yEd, Gephi, Cytoscape, NetworkX read it): a node per person,
 * an undirected CO_OCCURS edge per pair seen together with the number of photos; with
 * `photos`, a node per photo and an APPEARS_IN edge from each person to each of their photos.
 */
export async function graphMl({ catalog }: Pick<Deps, 'catalog'>, options: { photos?: boolean } = {}): Promise<string> {
  const people = await peopleRows({ catalog });
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    '  <key id="label" for="all" attr.name="label" attr.type="string"/>',
    '  <key id="name" for="node" attr.name="name" attr.type="string"/>',
    '  <key id="faces" for="node" attr.name="faces" attr.type="int"/>',
    '  <key id="hidden" for="node" attr.name="hidden" attr.type="boolean"/>',
    '  <key id="file" for="node" attr.name="file" attr.type="string"/>',
    '  <key id="takenAt" for="node" attr.name="takenAt" attr.type="string"/>',
    '  <key id="count" for="edge" attr.name="count" attr.type="int"/>',
    '  <graph id="facetag" edgedefault="undirected">',
  ];
  const data = (key: string, value: string | number | boolean) => `<data key="${key}">${escapeText(String(value))}</data>`;
  for (const p of people) {
    lines.push(`    <node id="person-${p.id}">${data('label', 'Person')}${p.name !== null ? data('name', p.name) : ''}${data('faces', p.faces)}${data('hidden', p.hidden)}</node>`);
  }
  const ids = new Set(people.map((p) => p.id));
  for (const p of people) {
    for (const c of await catalog.coOccurrences(p.id, Number.MAX_SAFE_INTEGER)) {
      if (c.personId > p.id && ids.has(c.personId)) {
        lines.push(`    <edge id="co-${p.id}-${c.personId}" source="person-${p.id}" target="person-${c.personId}">${data('label', 'CO_OCCURS')}${data('count', c.photos)}</edge>`);
      }
    }
  }
  if (options.photos) {
    const pairs = new Set<string>();
    for (const f of await catalog.listFaces()) if (f.personId !== null && ids.has(f.personId)) pairs.add(`${f.personId}:${f.photoId}`);
    const used = new Set([...pairs].map((k) => Number(k.split(':')[1])));
    for (const photo of await catalog.listPhotos()) {
      if (!used.has(photo.id)) continue;
      lines.push(`    <node id="photo-${photo.id}">${data('label', 'Photo')}${data('file', photo.path)}${photo.takenAt ? data('takenAt', photo.takenAt) : ''}</node>`);
    }
    for (const k of [...pairs].sort()) {
      const [person, photo] = k.split(':');
      lines.push(`    <edge id="in-${person}-${photo}" source="person-${person}" target="photo-${photo}" directed="true">${data('label', 'APPEARS_IN')}</edge>`);
    }
  }
  lines.push('  </graph>', '</graphml>', '');
  return lines.join('\n');
}
