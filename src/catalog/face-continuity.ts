import { iou, type Box } from '../vision/image.js';
import type { AssignSource } from './catalog.js';

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
