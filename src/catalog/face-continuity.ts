import { iou, type Box } from '../vision/image.js';
import type { AssignSource, FaceState } from './catalog.js';

/** A face a photo had before it was analysed again. */
export interface PriorFace {
  id: number;
  box: Box;
  personId: number | null;
  source: AssignSource | null;
  /** Drawn by hand (or imported from an XMP region): no detector proposes it. */
  manual: boolean;
}

export interface FaceContinuity {
  /** For each new face, in order: the prior face it continues (same id, decisions kept), or null for a new face. */
  continues: Array<number | null>;
  /** Prior faces that go: no new face in their place and no human decision to keep. */
  dropped: number[];
  /** Continued faces whose machine-made assignment no longer holds (the photo's pixels changed): unassign them. */
  unassign: number[];
  /** Prior faces that stay as they are, though no new face is in their place (drawn by hand, or a decision a person made). */
  kept: number[];
}

const HUMAN = new Set<AssignSource>(['confirmed', 'manual', 'xmp']);
/** Overlap (IoU) at which a new face is the same face as a prior one in the same place. */
export const SAME_PLACE_IOU = 0.5;

/**
 * Which faces of a photo analysed again are the faces it had: the rule both catalogs apply when
 * a photo is saved over an earlier version of itself. A new face continues the prior face it
 * overlaps most (IoU >= 0.5; best pairs first, one to one): it keeps that face's id, so its
 * person, its source, its rejections, the merges that moved it and every other reference stay
 * true. Faces drawn by hand are never replaced (new faces on them are the caller's to drop).
 * A prior face with no new face in its place goes, unless a person decided about it and the
 * pixels are the same (a new model that misses a face must not undo a decision): then it stays,
 * to be embedded again. When the pixels changed (`samePixels` false), a machine's assignment is
 * not carried: the face is clustered again.
 */
export function continueFaces(prior: readonly PriorFace[], next: readonly Box[], samePixels: boolean): FaceContinuity {
  const candidates: Array<{ p: PriorFace; n: number; overlap: number }> = [];
  for (const p of prior) {
    if (p.manual) continue;
    next.forEach((box, n) => {
      const overlap = iou(p.box, box);
      if (overlap >= SAME_PLACE_IOU) candidates.push({ p, n, overlap });
    });
  }
  candidates.sort((a, b) => b.overlap - a.overlap || a.p.id - b.p.id || a.n - b.n);
  const continues: Array<number | null> = next.map(() => null);
  const taken = new Set<number>();
  for (const c of candidates) {
    if (taken.has(c.p.id) || continues[c.n] !== null) continue;
    continues[c.n] = c.p.id;
    taken.add(c.p.id);
  }
  const out: FaceContinuity = { continues, dropped: [], unassign: [], kept: [] };
  for (const p of prior) {
    const human = p.source !== null && HUMAN.has(p.source);
    if (taken.has(p.id)) {
      if (!samePixels && p.personId !== null && !human) out.unassign.push(p.id);
    } else if (p.manual || (human && samePixels)) {
      out.kept.push(p.id);
    } else {
      out.dropped.push(p.id);
    }
  }
  return out;
}

/** A prior face as a catalog reads it before saving a photo over it. */
export interface PriorFaceState extends PriorFace {
  photoId: number;
  quality: number;
  /** People this face was rejected from. */
  rejected: number[];
}

/** How a catalog saves a photo's new faces over the faces it had (both catalogs follow it). */
export interface FaceSavePlan {
  /** Per new face, in order: the prior face whose id (and row or node) it takes over, or null for a new face. */
  continues: Array<number | null>;
  /** Per new face: its person, source and rejections once saved. */
  faces: Array<{ personId: number | null; source: AssignSource | null; rejected: number[] }>;
  /** Prior faces to delete. */
  drop: number[];
  /** Continued faces whose assignment goes (a machine's, on changed pixels). */
  unassign: number[];
  /** Prior faces that stay untouched (drawn by hand, or a decision on a face the new detector missed, same pixels). */
  kept: number[];
  /** Prior faces dropped or taken over, as they were: the writer's index lets their old vectors go. */
  removed: FaceState[];
  /** People who lose a face (candidates for pruning). */
  touched: number[];
}

/**
 * `continueFaces` for a photo saved over an earlier version: only detected faces continue prior
 * ones (a face added from an XMP region is always new), and each new face's state is the one its
 * prior face leaves it: the person and source unless unassigned, and the rejections always.
 */
export function planFaceSave(prior: readonly PriorFaceState[], next: ReadonlyArray<{ box: Box; manual?: boolean | undefined }>, samePixels: boolean): FaceSavePlan {
  const detected = next.flatMap((f, i) => (f.manual ? [] : [i]));
  const c = continueFaces(prior, detected.map((i) => next[i]!.box), samePixels);
  const continues: Array<number | null> = next.map(() => null);
  detected.forEach((i, d) => (continues[i] = c.continues[d]!));
  const byId = new Map(prior.map((p) => [p.id, p]));
  const unassign = new Set(c.unassign);
  const faces = continues.map((id) => {
    const p = id === null ? undefined : byId.get(id)!;
    if (!p) return { personId: null, source: null, rejected: [] };
    return unassign.has(p.id) ? { personId: null, source: null, rejected: p.rejected } : { personId: p.personId, source: p.source, rejected: p.rejected };
  });
  const gone = [...c.dropped, ...continues.filter((id): id is number => id !== null)].sort((a, b) => a - b).map((id) => byId.get(id)!);
  const touched = [...c.dropped, ...c.unassign].map((id) => byId.get(id)!.personId).filter((p): p is number => p !== null);
  return {
    continues, faces, drop: c.dropped, unassign: c.unassign, kept: c.kept.filter((id) => !byId.get(id)!.manual),
    removed: gone.map((p) => ({ id: p.id, photoId: p.photoId, personId: p.personId, source: p.source, quality: p.quality })),
    touched: [...new Set(touched)],
  };
}
