import { toGray, type Box, type Point, type RgbImage } from './image.js';

export interface FaceQuality {
  /** 0..1, the product of the parts below. */
  quality: number;
  /** 0..1 from the shorter box side: 0 at 24 px, 1 from 112 px. */
  size: number;
  /** 0..1 from the variance of the Laplacian of the aligned face. */
  sharpness: number;
  /** 0..1, 1 for a frontal face, from the landmarks' symmetry (yaw) and eye line (roll). */
  pose: number;
  /** Estimated yaw as a share of the eye distance (0 frontal). */
  yaw: number;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Scores how useful a face is for recognising its person: size, blur and pose. */
export function scoreQuality(box: Box, landmarks: readonly Point[], aligned: RgbImage): FaceQuality {
  const size = clamp01((Math.min(box.w, box.h) - 24) / (112 - 24));

  const gray = toGray(aligned);
  const w = aligned.width;
  let sum = 0, sumSq = 0, n = 0;
  // Only the inner face: the corners of an aligned crop hold background.
  for (let y = 20; y < aligned.height - 20; y++) {
    for (let x = 20; x < w - 20; x++) {
      const i = y * w + x;
      const lap = gray[i - w]! + gray[i + w]! + gray[i - 1]! + gray[i + 1]! - 4 * gray[i]!;
      sum += lap; sumSq += lap * lap; n++;
    }
  }
  const variance = sumSq / n - (sum / n) ** 2;
  const sharpness = clamp01(variance / (variance + 150));

  const [le, re, nose] = landmarks as [Point, Point, Point];
  const eyeDx = re[0] - le[0];
  const eyeDy = re[1] - le[1];
  const eyeDist = Math.hypot(eyeDx, eyeDy) || 1;
  // Nose offset from the eyes' midpoint, along the eye line, relative to the eye distance.
  const midX = (le[0] + re[0]) / 2;
  const midY = (le[1] + re[1]) / 2;
  const yaw = ((nose[0] - midX) * eyeDx + (nose[1] - midY) * eyeDy) / (eyeDist * eyeDist);
  const roll = Math.abs(Math.atan2(eyeDy, eyeDx));
  const pose = clamp01(1 - Math.abs(yaw) / 0.5) * clamp01(1 - Math.max(0, roll - 0.35) / 0.6);

  return { quality: size ** 0.5 * sharpness ** 0.5 * pose, size, sharpness, pose, yaw };
}
