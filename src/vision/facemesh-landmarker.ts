import type { ModelSession } from './onnx-session.js';
import { warpAffineArea, type Box, type Point, type RgbImage } from './image.js';

const SIZE = 192;

export interface FaceMeshResult {
  /** Five points (eyes, nose tip, mouth corners) in image pixels. */
  landmarks: Point[];
  /** The model's face-presence probability, the higher of its two passes: near 1 for a face, near 0 for a cat, a wall, a statue. */
  faceness: number;
  /** The lower of the two passes': high only when both framings see a face. */
  facenessBoth: number;
}

/**
 * MediaPipe FaceMesh (468 points and a face-presence score, 192x192 RGB in 0..1) as a
 * landmarker for the aligner, in two passes as MediaPipe's own pipeline runs it: a square crop
 * 1.5x the detector's box, then a crop around the first pass's points, turned so the eyes are
 * level. The second pass is what makes the points precise on turned and tilted faces.
 */
export function createFaceMeshLandmarker(session: ModelSession) {
  const inputName = session.inputs[0]?.name ?? 'input';

  /** Crop of `side` px centred on (cx, cy), turned by `angle`: the matrix from crop pixels to image pixels. */
  const cropMatrix = (cx: number, cy: number, side: number, angle: number): number[] => {
    const s = side / SIZE, cos = Math.cos(angle) * s, sin = Math.sin(angle) * s, h = SIZE / 2 - 0.5;
    return [cos, -sin, cx - cos * h + sin * h, sin, cos, cy - sin * h - cos * h];
  };

  async function run(image: RgbImage, m: number[]): Promise<{ points: Point[]; faceness: number }> {
    const crop = warpAffineArea(image, m, SIZE, SIZE);
    const plane = SIZE * SIZE;
    const input = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      input[i] = crop.data[i * 3]! / 255;
      input[plane + i] = crop.data[i * 3 + 1]! / 255;
      input[2 * plane + i] = crop.data[i * 3 + 2]! / 255;
    }
    const out = await session.run({ [inputName]: { data: input, dims: [1, 3, SIZE, SIZE] } });
    const mesh = out.mesh!.data;
    const points: Point[] = [];
    for (let i = 0; i < mesh.length / 3; i++) {
      // Mesh coordinates are in crop pixels with pixel centres at +0.5.
      const u = mesh[i * 3]! - 0.5, v = mesh[i * 3 + 1]! - 0.5;
      points.push([m[0]! * u + m[1]! * v + m[2]!, m[3]! * u + m[4]! * v + m[5]!]);
    }
    return { points, faceness: out.faceflag!.data[0]! };
  }

  return {
    async landmarks(image: RgbImage, box: Box): Promise<FaceMeshResult> {
      const first = await run(image, cropMatrix(box.x + box.w / 2, box.y + box.h / 2, Math.max(box.w, box.h) * 1.5, 0));
      const [le, re] = [first.points[33]!, first.points[263]!];
      const angle = Math.atan2(re[1] - le[1], re[0] - le[0]);
      // The first pass's points, seen in the turned frame: their box, 1.5x, square.
      const cos = Math.cos(-angle), sin = Math.sin(-angle);
      let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
      for (const [x, y] of first.points) {
        const u = cos * x - sin * y, v = sin * x + cos * y;
        minU = Math.min(minU, u); maxU = Math.max(maxU, u); minV = Math.min(minV, v); maxV = Math.max(maxV, v);
      }
      const cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
      const cx = Math.cos(angle) * cu - Math.sin(angle) * cv, cy = Math.sin(angle) * cu + Math.cos(angle) * cv;
      const second = await run(image, cropMatrix(cx, cy, Math.max(maxU - minU, maxV - minV) * 1.5, angle));
      // A face in profile can lose its presence score in the turned crop (or keep it only
      // there): the face is there if either pass says so, and its points are that pass's.
      const best = second.faceness >= first.faceness ? second : first;
      return { landmarks: fivePointsFromMesh(best.points), faceness: best.faceness, facenessBoth: Math.min(first.faceness, second.faceness) };
    },
  };
}

/** Eye centres (corners and lids), nose tip and mouth corners (outer and inner lip) from the 468 mesh points; left as seen in the image first. */
export function fivePointsFromMesh(p: readonly Point[]): Point[] {
  const mean = (...ids: number[]): Point => {
    let x = 0, y = 0;
    for (const i of ids) {
      x += p[i]![0];
      y += p[i]![1];
    }
    return [x / ids.length, y / ids.length];
  };
  return [mean(33, 133, 159, 145), mean(263, 362, 386, 374), p[1]!, mean(61, 78), mean(291, 308)];
}
