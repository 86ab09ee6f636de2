import type { NewFace } from '../catalog/catalog.js';
import type { VectorIndex } from '../cluster/vector-index.js';
import type { Deps } from '../context.js';
import { toAppError } from '../errors.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { containment, iou, type Box } from '../vision/image.js';
import { readPhotoXmp, type OrientedSize, type PhotoRegion } from './photo-regions.js';

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

type Target = { kind: 'face'; index: number } | { kind: 'existing'; faceId: number } | { kind: 'new'; face: NewFace };

/** Regions read from a photo's XMP, matched to its faces, ready to store once the photo is saved. */
export interface RegionImportPlan {
  links: Array<{ name: string; target: Target }>;
  personKeywords: string[];
  keywords: string[];
  regionNames: string[];
  counts: XmpImportCounts;
  problems: string[];
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
 * Reads the photo's XMP face regions (sidecar or embedded) and matches the named ones to the
 * faces just detected and to faces drawn by hand before. A named region no face matches is
 * embedded from its box, like a face drawn in the dashboard. Runs before the photo is stored,
 * so the writer only has to apply the plan.
 */
export async function planRegionImport(
  { catalog, blobs }: Pick<Deps, 'catalog' | 'blobs'>,
  analyser: Pick<AnalysisPool, 'analyse' | 'embedderId'>,
  photo: { path: string; bytes: Buffer; sha256: string; size: OrientedSize; detected: Box[]; existingPhotoId: number | null },
): Promise<RegionImportPlan> {
  const xmp = await readPhotoXmp(photo.path, photo.bytes, photo.size);
  const counts = emptyXmpCounts();
  const named = xmp.regions.filter((r): r is PhotoRegion & { name: string } => r.name !== null);
  counts.regions = named.length;
  const manual = photo.existingPhotoId === null ? [] : (await catalog.listFaces({ photoId: photo.existingPhotoId })).filter((f) => f.manual);
  const boxes = [...photo.detected, ...manual.map((f) => f.box)];
  const matched = matchRegions(named.map((r) => r.box), boxes);
  const links: RegionImportPlan['links'] = [];
  for (const [i, region] of named.entries()) {
    const b = matched.get(i);
    if (b !== undefined) {
      links.push({ name: region.name, target: b < photo.detected.length ? { kind: 'face', index: b } : { kind: 'existing', faceId: manual[b - photo.detected.length]!.id } });
      continue;
    }
    if (Math.min(region.box.w, region.box.h) < 8) {
      counts.skipped++;
      continue;
    }
    try {
      const analysis = await analyser.analyse(photo.bytes, region.box);
      const f = analysis.faces[0];
      if (!f) throw new Error('no face could be embedded in the region');
      const thumbKey = `faces/${photo.sha256.slice(0, 2)}/${photo.sha256}-x${i}.jpg`;
      await blobs.put(thumbKey, Buffer.from(f.thumbnail), 'image/jpeg');
      links.push({ name: region.name, target: { kind: 'new', face: {
        box: f.box, landmarks: f.landmarks, detScore: f.detScore, quality: f.quality.quality, embedding: f.embedding,
        model: analyser.embedderId, thumbKey, manual: true,
      } } });
    } catch (error) {
      counts.skipped++;
      xmp.problems.push(`region ${i + 1}: ${toAppError(error).message}`);
    }
  }
  return { links, personKeywords: xmp.personKeywords, keywords: xmp.keywords, regionNames: named.map((r) => r.name), counts, problems: xmp.problems };
}

/**
 * Stores a plan once the photo is saved (`faceIds`: the ids of the detected faces, in order).
 * A region's name finds the person of that exact name or creates them; the face goes to
 * them with source `xmp`, which the machine never moves. facetag's own human decisions win:
 * a face confirmed or moved by hand to someone else, a rejection of that person, or that
 * person already on another face of the photo leave the region unapplied.
 *
 * Person keywords are weaker evidence: when the photo has a single face, in no person, and
 * exactly one person keyword no region explains, the face goes to that person as `auto`
 * (the machine may still move it). A flat keyword counts only if it is already a person's name.
 */
export async function applyRegionImport(
  { catalog, index }: Pick<Deps, 'catalog'> & { index: Pick<VectorIndex, 'add'> },
  plan: RegionImportPlan, photoId: number, faceIds: number[],
): Promise<XmpImportCounts> {
  const counts = { ...plan.counts };
  const personFor = async (name: string, create: boolean) =>
    (await catalog.findPersonByName(name))?.id ?? (create ? await catalog.createPerson(name) : null);
  for (const link of plan.links) {
    let faceId: number;
    if (link.target.kind === 'new') {
      faceId = await catalog.addManualFace(photoId, link.target.face);
      index.add(faceId, link.target.face.embedding);
    } else {
      faceId = link.target.kind === 'face' ? faceIds[link.target.index]! : link.target.faceId;
    }
    const face = (await catalog.getFace(faceId))!;
    const known = (await catalog.findPersonByName(link.name))?.id ?? null;
    if (known !== null && face.personId === known) {
      if (face.source === 'auto') await catalog.assign([{ faceId, personId: known, source: 'xmp', distance: null }]);
      if (link.target.kind === 'new') counts.added++;
      else counts.matched++;
      continue;
    }
    const humanElsewhere = face.personId !== null && (face.source === 'confirmed' || face.source === 'manual');
    const rejected = known !== null && (await catalog.rejectedPeople(faceId)).includes(known);
    const taken = known !== null && (await catalog.peopleInPhoto(photoId)).some((o) => o.faceId !== faceId && o.personId === known);
    if (humanElsewhere || rejected || taken) {
      counts.skipped++;
      continue;
    }
    const personId = known ?? (await personFor(link.name, true))!;
    await catalog.assign([{ faceId, personId, source: 'xmp', distance: null }]);
    if (link.target.kind === 'new') counts.added++;
    else counts.matched++;
  }

  const explained = new Set(plan.regionNames);
  const candidates = new Map<string, boolean>();
  for (const k of plan.personKeywords) if (!explained.has(k)) candidates.set(k, true);
  for (const k of plan.keywords) {
    if (!explained.has(k) && !candidates.has(k) && (await catalog.findPersonByName(k))) candidates.set(k, false);
  }
  const faces = await catalog.peopleInPhoto(photoId);
  if (candidates.size === 1 && faces.length === 1 && faces[0]!.personId === null) {
    const [name, create] = [...candidates][0]!;
    const personId = await personFor(name, create);
    const faceId = faces[0]!.faceId;
    if (personId !== null && !(await catalog.rejectedPeople(faceId)).includes(personId)) {
      await catalog.assign([{ faceId, personId, source: 'auto', distance: null }]);
      counts.byKeyword++;
    }
  }
  return counts;
}
