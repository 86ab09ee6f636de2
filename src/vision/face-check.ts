import { findModel } from './model-manifest.js';

/** How a detection is told from a non-face (see `isFace`): the models' tuned values unless the config sets them. */
export interface FaceCheck {
  /** A detection at or over this score is a confident one. */
  sureDetScore: number;
  /** Face presence (either framing) a confident detection needs; a box drawn by hand under it is doubtful. */
  minFaceness: number;
  /** Face presence (both framings) an unsure detection needs. */
  minFacenessUnsure: number;
}

/** The face check of a detector and landmarker, with the config's overrides. */
export function faceCheckOf(options: { detector: string; landmarker: string; minFaceness?: number | undefined; minFacenessUnsure?: number | undefined }): FaceCheck {
  const det = findModel(options.detector)?.tuned ?? {};
  const lmk = findModel(options.landmarker)?.tuned ?? {};
  return {
    sureDetScore: det.sureDetScore ?? 0.5,
    minFaceness: options.minFaceness ?? lmk.minFaceness ?? 0.3,
    minFacenessUnsure: options.minFacenessUnsure ?? lmk.minFacenessUnsure ?? 0.9,
  };
}

/**
 * Whether a detection is a face: the detector proposes (down to a low score), the landmarker's
 * face-presence score decides. A confident detection (score >= sureDetScore) is a face when
 * either of the landmarker's two framings sees one (>= minFaceness); an unsure one needs both
 * framings to see a face clearly (>= minFacenessUnsure): a textured patch (gravel, coins, an
 * ear) can fool one framing, rarely both, while a face in profile, which one framing can miss,
 * is usually a confident detection. Without a presence score (the opt-in 68-point model) every
 * detection is kept.
 */
export function isFace(detScore: number, faceness: number | null, facenessBoth: number | null, check: FaceCheck): boolean {
  if (faceness === null || facenessBoth === null) return true;
  return detScore >= check.sureDetScore ? faceness >= check.minFaceness : facenessBoth >= check.minFacenessUnsure;
}

/** A box drawn by hand is doubtful when the landmarker sees no face in it (no score: not doubtful). */
export function isDoubtfulDrawing(faceness: number | null, check: FaceCheck): boolean {
  return faceness !== null && faceness < check.minFaceness;
}
