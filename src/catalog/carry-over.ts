import { iou, type Box } from '../vision/image.js';

/** A new face and an old one overlapping this much are the same face: a re-index carries decisions over. */
export const MIN_CARRY_IOU = 0.5;

/**
 * The face of a photo's earlier version that a new face of the re-indexed photo is (the best
 * overlap from MIN_CARRY_IOU on), whose human decisions it inherits: both catalogs apply this rule.
 */
export function carriedFrom<T extends Box>(box: Box, old: readonly T[]): T | undefined {
  return old
    .map((d) => ({ d, overlap: iou(box, d) }))
    .filter((c) => c.overlap >= MIN_CARRY_IOU)
    .sort((a, b) => b.overlap - a.overlap)[0]?.d;
}
