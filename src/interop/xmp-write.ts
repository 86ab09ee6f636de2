import { AppError } from '../errors.js';
import { iou } from '../vision/image.js';
import type { NormRect } from './orientation.js';
import { NS, readProperty, type RdfStruct } from './xmp-read.js';
import { elements, findAll, parseXml, scopeAt, serializeXml, XMLNS, type XmlAttr, type XmlElement, type XmlNode } from './xml.js';

export interface FaceRegionOut {
  name: string;
  /** Normalised to the stored image (see orientation.ts), top-left based. */
  area: NormRect;
}

export interface RegionMerge {
  xml: string;
  /** Regions written by us. */
  written: number;
  /** Regions of the sidecar kept (other types, other faces). */
  kept: number;
  /** Face regions of the sidecar replaced by ours (same place or same name). */
  replaced: number;
}

const round = (v: number) => String(Math.round(v * 1e6) / 1e6);

const PREFERRED: Record<string, string> = { [NS.mwgRs]: 'mwg-rs', [NS.stDim]: 'stDim', [NS.stArea]: 'stArea', [NS.rdf]: 'rdf' };

const EMPTY_SIDECAR = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="facetag">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;

function el(name: string, uri: string, attrs: XmlAttr[], children: XmlNode[]): XmlElement {
  const i = name.indexOf(':');
  return { kind: 'element', name, uri, local: name.slice(i + 1), attrs, children };
}
const attr = (name: string, value: string, uri: string): XmlAttr => ({ name, value, uri, local: name.slice(name.indexOf(':') + 1) });
const text = (t: string): XmlNode => ({ kind: 'text', text: t });

/** The region described by a kept `rdf:li`, to decide whether ours replaces it. */
function existingRegion(li: XmlElement): { face: boolean; name: string | null; area: NormRect | null } {
  const v = readProperty(li);
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { face: false, name: null, area: null };
  const r = v as RdfStruct;
  const s = (x: unknown) => (typeof x === 'string' ? x.trim() : null);
  const type = s(r[NS.mwgRs + 'Type']);
  const a = r[NS.mwgRs + 'Area'];
  let area: NormRect | null = null;
  if (a && typeof a === 'object' && !Array.isArray(a)) {
    const [x, y, w, h] = ['x', 'y', 'w', 'h'].map((k) => Number(s((a as RdfStruct)[NS.stArea + k])));
    if ([x, y, w, h].every((n) => Number.isFinite(n))) area = { x: x! - w! / 2, y: y! - h! / 2, w: w!, h: h! };
  }
  return { face: !type || type.toLowerCase() === 'face', name: s(r[NS.mwgRs + 'Name']) || null, area };
}

/**
 * Puts `faces` into an XMP sidecar as MWG regions (`mwg-rs:Regions`), keeping everything else
 * in it: other properties, other region types, and face regions of other people. A face region
 * already there is replaced by ours when it has the same name or lies in the same place
 * (IoU >= 0.4). `existing` null makes a new sidecar.
 */
export function mergeRegionsIntoSidecar(
  existing: string | null, faces: FaceRegionOut[], stored: { width: number; height: number },
): RegionMerge {
  const doc = parseXml(existing ?? EMPTY_SIDECAR);
  const rdf = findAll(doc, NS.rdf, 'RDF')[0];
  if (!rdf) throw new AppError('INVALID_INPUT', 'the sidecar has no rdf:RDF element; it is not XMP: move it away or fix it, then export again');
  const descriptions = elements(rdf).filter((d) => d.uri === NS.rdf && d.local === 'Description');

  // The old Regions (if any): where it is, its namespace declarations, and the list items to keep.
  let host: XmlElement | undefined;
  let oldRegions: XmlElement | undefined;
  for (const d of descriptions) {
    const r = elements(d).find((k) => k.uri === NS.mwgRs && k.local === 'Regions');
    if (r) {
      host = d;
      oldRegions = r;
      break;
    }
  }
  const kept: XmlElement[] = [];
  let replaced = 0;
  if (oldRegions) {
    const list = findAll(oldRegions.children, NS.mwgRs, 'RegionList')[0];
    const container = list ? elements(list).find((k) => k.uri === NS.rdf && ['Bag', 'Seq'].includes(k.local)) : undefined;
    for (const li of container ? elements(container).filter((k) => k.uri === NS.rdf && k.local === 'li') : []) {
      const r = existingRegion(li);
      const ours = r.face && faces.some((f) => (r.name !== null && r.name === f.name) || (r.area !== null && iou(r.area, f.area) >= 0.4));
      if (ours) replaced++;
      else kept.push(li);
    }
  }
  if (!host) {
    host = descriptions[0];
    if (!host) {
      host = el('rdf:Description', NS.rdf, [attr('rdf:about', '', NS.rdf)], []);
      rdf.children.push(text('\n  '), host, text('\n '));
    }
  }

  // Prefixes: those the document already binds to our namespaces, or ours, declared on the host.
  const scope = scopeAt(doc, host)!;
  const prefixFor = (uri: string) => {
    for (const [p, u] of scope) if (u === uri && p !== '') return p;
    let p = PREFERRED[uri]!;
    for (let n = 2; scope.has(p); n++) p = `${PREFERRED[uri]}${n}`;
    scope.set(p, uri);
    host!.attrs.push(attr(`xmlns:${p}`, uri, XMLNS));
    return p;
  };
  const [rs, dim, area, r] = [prefixFor(NS.mwgRs), prefixFor(NS.stDim), prefixFor(NS.stArea), prefixFor(NS.rdf)];
  const resource = () => attr(`${r}:parseType`, 'Resource', NS.rdf);
  const leaf = (name: string, uri: string, value: string) => el(name, uri, [], [text(value)]);
  const ind = (n: number) => text(`\n${' '.repeat(n)}`);
  const withIndent = (n: number, kids: XmlNode[]) => [...kids.flatMap((k) => [ind(n), k]), ind(n - 1)];

  const items = faces.map((f) => el(`${r}:li`, NS.rdf, [resource()], withIndent(9, [
    el(`${rs}:Area`, NS.mwgRs, [resource()], withIndent(10, [
      leaf(`${area}:x`, NS.stArea, round(f.area.x + f.area.w / 2)),
      leaf(`${area}:y`, NS.stArea, round(f.area.y + f.area.h / 2)),
      leaf(`${area}:w`, NS.stArea, round(f.area.w)),
      leaf(`${area}:h`, NS.stArea, round(f.area.h)),
      leaf(`${area}:unit`, NS.stArea, 'normalized'),
    ])),
    leaf(`${rs}:Name`, NS.mwgRs, f.name),
    leaf(`${rs}:Type`, NS.mwgRs, 'Face'),
  ])));
  const regions = el(`${rs}:Regions`, NS.mwgRs, [...(oldRegions?.attrs.filter((a) => a.uri === XMLNS) ?? []), resource()], withIndent(5, [
    el(`${rs}:AppliedToDimensions`, NS.mwgRs, [resource()], withIndent(6, [
      leaf(`${dim}:w`, NS.stDim, String(stored.width)),
      leaf(`${dim}:h`, NS.stDim, String(stored.height)),
      leaf(`${dim}:unit`, NS.stDim, 'pixel'),
    ])),
    el(`${rs}:RegionList`, NS.mwgRs, [], withIndent(6, [
      el(`${r}:Bag`, NS.rdf, [], withIndent(7, [...kept, ...items])),
    ])),
  ]));

  if (oldRegions) {
    host.children[host.children.indexOf(oldRegions)] = regions;
  } else {
    const last = host.children[host.children.length - 1];
    if (last?.kind === 'text' && last.text.trim() === '') host.children.splice(host.children.length - 1, 0, ind(3), regions);
    else host.children.push(ind(3), regions, ind(2));
  }
  return { xml: serializeXml(doc), written: faces.length, kept: kept.length, replaced };
}
