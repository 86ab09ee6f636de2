import type { ClusterStore } from '../clustering/incremental-assign.js';
import { toAppError } from '../errors.js';
import { containment, iou, type Box } from '../vision/image.js';
import { readPhotoXmp, type OrientedSize, type PhotoRegion } from './photo-regions.js';
import type { SidecarNaming } from './sidecar-names.js';

/** A region and a face box are the same face from this overlap on. */
export const MIN_REGION_IOU = 0.4;

/** What the XMP import did, summed over the photos of a run. */
export interface XmpImportCounts {
  /** Named face regions found. */
  regions: number;
  /** Put on a face the detector found. */
  matched: number;
  /** Missed by the detector: added as a face (embedded from the region's box). */
  added: number;
  /** Left alone: a human decision in facetag disagrees, a rejection, the person already in the photo, or no face in the box. */
  skipped: number;
  /** Faces named by a person keyword (the photo's only face, one person keyword). */
  byKeyword: number;
}

export const emptyXmpCounts = (): XmpImportCounts => ({ regions: 0, matched: 0, added: 0, skipped: 0, byKeyword: 0 });

/**
 * A photo's XMP as the analysis reads it, for the writer: named face regions in pixels of the
 * oriented photo, each with a face embedded from its box (`F`) when no detected face matched it.
 */
export interface RegionFindings<F> {
  regions: Array<{ name: string; box: Box; face: F | null }>;
  personKeywords: string[];
  keywords: string[];
  /** Sidecars, packets or regions that could not be read (the photo is indexed anyway). */
  problems: string[];
}

type Target<F> = { kind: 'face'; index: number } | { kind: 'existing'; faceId: number } | { kind: 'new'; face: F };

/** Regions matched to the faces of a photo about to be stored: what the writer applies once it is saved. */
export interface RegionImportPlan<F> {
  links: Array<{ name: string; target: Target<F> }>;
  /** The faces of `new` links, in link order: stored with the photo as hand-drawn faces. */
  newFaces: F[];
  personKeywords: string[];
  keywords: string[];
  regionNames: string[];
  counts: XmpImportCounts;
}

/**
 * Pairs regions with boxes, best overlap first, one to one. A pair counts from IoU 0.4, or
 * when each box holds most of the other and their sizes are within 2x (tools draw face
 * regions tighter or looser than the detector does).
 */
export function matchRegions(regions: Box[], boxes: Box[]): Map<number, number> {
  const pairs: Array<{ r: number; b: number; score: number }> = [];
  regions.forEach((r, ri) => boxes.forEach((b, bi) => {
    const overlap = iou(r, b);
    const ratio = (r.w * r.h) / (b.w * b.h);
    const nested = containment(r, b) >= 0.7 && ratio >= 0.25 && ratio <= 4;
    if (overlap >= MIN_REGION_IOU || nested) pairs.push({ r: ri, b: bi, score: overlap });
  }));
  pairs.sort((a, b) => b.score - a.score);
  const out = new Map<number, number>();
  const used = new Set<number>();
  for (const p of pairs) {
    if (out.has(p.r) || used.has(p.b)) continue;
    out.set(p.r, p.b);
    used.add(p.b);
  }
  return out;
}

/**
 * The analysis side: reads the photo's XMP face regions (sidecar or embedded) and person
 * keywords, and embeds each named region that no detected face matches (`embed`, which may
 * return null or throw: the region is then left out), like a face drawn in the dashboard.
 * Runs where the photo is analysed, so the writer never reads the photo. `photo.sidecars`: the
 * sidecars its folder's listing showed, when one is known (see `readPhotoXmp`).
 */
export async function findRegions<F>(
  photo: { path: string; bytes: Buffer; size: OrientedSize; sidecars?: readonly SidecarNaming[] | undefined },
  detected: Box[],
  embed: (box: Box, n: number) => Promise<F | null>,
): Promise<RegionFindings<F>> {
  const xmp = await readPhotoXmp(photo.path, photo.bytes, photo.size, photo.sidecars);
  const named = xmp.regions.filter((r): r is PhotoRegion & { name: string } => r.name !== null);
  const matched = matchRegions(named.map((r) => r.box), detected);
  const regions: RegionFindings<F>['regions'] = [];
  for (const [i, region] of named.entries()) {
    let face: F | null = null;
    if (!matched.has(i) && Math.min(region.box.w, region.box.h) >= 8) {
      try {
        face = await embed(region.box, i);
        if (face === null) throw new Error('no face could be embedded in the region');
      } catch (error) {
        xmp.problems.push(`region ${i + 1}: ${toAppError(error).message}`);
      }
    }
    regions.push({ name: region.name, box: region.box, face });
  }
  return { regions, personKeywords: xmp.personKeywords, keywords: xmp.keywords, problems: xmp.problems };
}

/**
 * The writer's side: matches the named regions to the faces the photo will have once stored
 * (the detections kept, then faces drawn by hand before). A region no face matches becomes a
 * new face when the analysis could embed it, and is skipped otherwise.
 */
export function planRegionImport<F>(findings: RegionFindings<F>, detected: Box[], manual: Array<{ id: number; box: Box }>): RegionImportPlan<F> {
  const counts = emptyXmpCounts();
  counts.regions = findings.regions.length;
  const matched = matchRegions(findings.regions.map((r) => r.box), [...detected, ...manual.map((f) => f.box)]);
  const links: RegionImportPlan<F>['links'] = [];
  const newFaces: F[] = [];
  for (const [i, region] of findings.regions.entries()) {
    const b = matched.get(i);
    if (b !== undefined) {
      links.push({ name: region.name, target: b < detected.length ? { kind: 'face', index: b } : { kind: 'existing', faceId: manual[b - detected.length]!.id } });
    } else if (region.face !== null) {
      links.push({ name: region.name, target: { kind: 'new', face: region.face } });
      newFaces.push(region.face);
    } else {
      counts.skipped++;
    }
  }
  return { links, newFaces, personKeywords: findings.personKeywords, keywords: findings.keywords, regionNames: findings.regions.map((r) => r.name), counts };
}

/** What applying a plan reads and writes: the catalog's or the single writer's batch (ingest/batch-view.ts). */
export type RegionStore = Pick<ClusterStore, 'faceStates' | 'rejectedPeople' | 'peopleInPhoto' | 'assign' | 'createPerson'> & {
  /** The person `Catalog.findPersonByName` finds, by id. */
  personIdByName(name: string): Promise<number | null>;
};

/**
 * Stores a plan once the photo is saved (`faceIds`: the ids of the detected faces, in order;
 * `newFaceIds`: those of `plan.newFaces`). A region's name finds the person of that exact name
 * or creates them; the face goes to them with source `xmp`, which the machine never moves.
 * facetag's own human decisions win: a face confirmed or moved by hand to someone else, a
 * rejection of that person, or that person already on another face of the photo leave the
 * region unapplied.
 *
 * Person keywords are weaker evidence: when the photo has a single face, in no person, and
 * exactly one person keyword no region explains, the face goes to that person as `auto`
 * (the machine may still move it). A flat keyword counts only if it is already a person's name.
 */
export async function applyRegionImport<F>(
  store: RegionStore, plan: RegionImportPlan<F>, photoId: number, faceIds: number[], newFaceIds: number[],
): Promise<XmpImportCounts> {
  const counts = { ...plan.counts };
  let added = 0;
  for (const link of plan.links) {
    const faceId = link.target.kind === 'new' ? newFaceIds[added++]! : link.target.kind === 'face' ? faceIds[link.target.index]! : link.target.faceId;
    const [face] = await store.faceStates([faceId]);
    if (!face) {
      counts.skipped++;
      continue;
    }
    const known = await store.personIdByName(link.name);
    if (known !== null && face.personId === known) {
      if (face.source === 'auto') await store.assign([{ faceId, personId: known, source: 'xmp', distance: null }]);
      if (link.target.kind === 'new') counts.added++;
      else counts.matched++;
      continue;
    }
    const humanElsewhere = face.personId !== null && (face.source === 'confirmed' || face.source === 'manual');
    const rejected = known !== null && (await store.rejectedPeople(faceId)).includes(known);
    const taken = known !== null && (await store.peopleInPhoto(photoId)).some((o) => o.faceId !== faceId && o.personId === known);
    if (humanElsewhere || rejected || taken) {
      counts.skipped++;
      continue;
    }
    const personId = known ?? (await store.createPerson(link.name));
    await store.assign([{ faceId, personId, source: 'xmp', distance: null }]);
    if (link.target.kind === 'new') counts.added++;
    else counts.matched++;
  }

  const explained = new Set(plan.regionNames);
  const candidates = new Map<string, boolean>();
  for (const k of plan.personKeywords) if (!explained.has(k)) candidates.set(k, true);
  for (const k of plan.keywords) {
    if (!explained.has(k) && !candidates.has(k) && (await store.personIdByName(k)) !== null) candidates.set(k, false);
  }
  const faces = await store.peopleInPhoto(photoId);
  if (candidates.size === 1 && faces.length === 1 && faces[0]!.personId === null) {
    const [name, create] = [...candidates][0]!;
    const personId = (await store.personIdByName(name)) ?? (create ? await store.createPerson(name) : null);
    const faceId = faces[0]!.faceId;
    if (personId !== null && !(await store.rejectedPeople(faceId)).includes(personId)) {
      await store.assign([{ faceId, personId, source: 'auto', distance: null }]);
      counts.byKeyword++;
    }
  }
  return counts;
}
