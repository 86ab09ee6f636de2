import type { ModelSession } from './onnx-session.js';
import type { Box, Point } from './image.js';
import type { PhotoPixels } from './photo-pixels.js';

const SIZE = 192;
/** Faces per inference: a group photo's faces go in a few batches, not one huge tensor. */
const BATCH = 8;
/** The outputs read: the lips and eye contours head is left out (11% of the model's time). */
const OUTPUTS = ['mesh', 'faceflag'];

export interface FaceMeshResult {
  /** Five points (eyes, nose tip, mouth corners) in image pixels. */
  landmarks: Point[];
  /** The model's face-presence probability, the higher of its two passes: near 1 for a face, near 0 for a cat, a wall, a statue. */
  faceness: number;
  /** The lower of the two passes': high only when both framings see a face. */
  facenessBoth: number;
}

/**
 * What a box needs from the landmarker to be a face (see `isFace`): `either`, a presence score
 * at least this in one framing (a confident detection); `both`, at least this in both (an unsure one).
 */
export type FaceNeed = { either: number } | { both: number };

/**
 * How far the second pass's crop may lie from the first's for the first pass to stand alone:
 * its centre moved by under this share of the side, its side within this factor (the mesh's box
 * is usually ~0.9 of the detector's), its turn under this many radians (~9 degrees).
 */
const SETTLED = { shift: 0.1, scale: 1.25, turn: 0.15 };

/**
 * MediaPipe FaceMesh (468 points and a face-presence score, 192x192 RGB in 0..1) as a
 * landmarker for the aligner, in two passes as MediaPipe's own pipeline runs it: a square crop
 * 1.5x the detector's box, then a crop around the first pass's points, turned so the eyes are
 * level. The second pass is what makes the points precise on turned and tilted faces; a
 * confident detection whose first pass already sees a face, upright and framed as the second
 * crop would frame it (see `SETTLED`), keeps the first pass's points (measured on
 * ../shared/faces: the same detection and verification figures, a face's embedding moving by a
 * median cosine distance of 0.001, and 40% less FaceMesh time).
 */
export function createFaceMeshLandmarker(session: ModelSession) {
  const inputName = session.inputs[0]?.name ?? 'input';

  /** Crop of `side` px centred on (cx, cy), turned by `angle`: the matrix from crop pixels to image pixels. */
  const cropMatrix = (cx: number, cy: number, side: number, angle: number): number[] => {
    const s = side / SIZE, cos = Math.cos(angle) * s, sin = Math.sin(angle) * s, h = SIZE / 2 - 0.5;
    return [cos, -sin, cx - cos * h + sin * h, sin, cos, cy - sin * h - cos * h];
  };

  /** Decodes what the crops `ms` read, once for them all (a small face's crop may need a patch of the frame). */
  const prepare = (pixels: PhotoPixels, ms: readonly number[][]) => pixels.prepareViews(ms.map((m) => ({ m, width: SIZE, height: SIZE })));

  /** One inference over the crops `ms` of `pixels` (a batch of N faces): their mesh points in image pixels and face presence. */
  async function run(pixels: PhotoPixels, ms: number[][]): Promise<Array<{ points: Point[]; faceness: number }>> {
    const plane = SIZE * SIZE;
    const input = new Float32Array(ms.length * 3 * plane);
    await prepare(pixels, ms);
    for (let n = 0; n < ms.length; n++) {
      const crop = await pixels.view(ms[n]!, SIZE, SIZE);
      const base = n * 3 * plane;
      for (let i = 0; i < plane; i++) {
        input[base + i] = crop.data[i * 3]! / 255;
        input[base + plane + i] = crop.data[i * 3 + 1]! / 255;
        input[base + 2 * plane + i] = crop.data[i * 3 + 2]! / 255;
      }
    }
    const out = await session.run({ [inputName]: { data: input, dims: [ms.length, 3, SIZE, SIZE] } }, OUTPUTS);
    const mesh = out.mesh!.data;
    const perFace = mesh.length / ms.length;
    return ms.map((m, n) => {
      const points: Point[] = [];
      for (let i = n * perFace; i < (n + 1) * perFace; i += 3) {
        // Mesh coordinates are in crop pixels with pixel centres at +0.5.
        const u = mesh[i]! - 0.5, v = mesh[i + 1]! - 0.5;
        points.push([m[0]! * u + m[1]! * v + m[2]!, m[3]! * u + m[4]! * v + m[5]!]);
      }
      return { points, faceness: out.faceflag!.data[n]! };
    });
  }

  /** Whether crop `b` frames about what crop `a` frames (see `SETTLED`). */
  function settled(a: readonly number[], b: readonly number[]): boolean {
    const side = (m: readonly number[]) => Math.hypot(m[0]!, m[3]!);
    const h = SIZE / 2 - 0.5;
    const shift = Math.hypot((a[0]! - b[0]!) * h + (a[1]! - b[1]!) * h + a[2]! - b[2]!, (a[3]! - b[3]!) * h + (a[4]! - b[4]!) * h + a[5]! - b[5]!);
    const turn = Math.abs(Math.atan2(b[3]!, b[0]!) - Math.atan2(a[3]!, a[0]!));
    const scale = side(b) / side(a);
    return shift < SETTLED.shift * side(a) * SIZE && scale < SETTLED.scale && scale > 1 / SETTLED.scale && turn < SETTLED.turn;
  }

  /** The second pass's crop: around the first pass's points, turned so the eyes are level. */
  function secondCrop(points: readonly Point[]): number[] {
    const [le, re] = [points[33]!, points[263]!];
    const angle = Math.atan2(re[1] - le[1], re[0] - le[0]);
    // The first pass's points, seen in the turned frame: their box, 1.5x, square.
    const cos = Math.cos(-angle), sin = Math.sin(-angle);
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const [x, y] of points) {
      const u = cos * x - sin * y, v = sin * x + cos * y;
      minU = Math.min(minU, u); maxU = Math.max(maxU, u); minV = Math.min(minV, v); maxV = Math.max(maxV, v);
    }
    const cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
    const cx = Math.cos(angle) * cu - Math.sin(angle) * cv, cy = Math.sin(angle) * cu + Math.cos(angle) * cv;
    return cropMatrix(cx, cy, Math.max(maxU - minU, maxV - minV) * 1.5, angle);
  }

  return {
    /**
     * The landmarks of the faces in `boxes`, each pass one batched inference for them all.
     * `needs[i]`, what box i needs to be a face, spares the second pass where it cannot change
     * the outcome: a box that needs both framings to see a face clearly, and whose first pass is
     * already under that, is no face whatever the second would say; a box that needs one
     * framing, and whose first pass sees a face in a crop the second would barely move, is a
     * face with the first pass's points. Both scores are then the first's. Without `needs`
     * (a box drawn by hand), both passes run.
     */
    async landmarks(pixels: PhotoPixels, boxes: readonly Box[], needs: ReadonlyArray<FaceNeed | undefined> = []): Promise<FaceMeshResult[]> {
      const results: FaceMeshResult[] = [];
      const firstCropOf = (box: Box) => cropMatrix(box.x + box.w / 2, box.y + box.h / 2, Math.max(box.w, box.h) * 1.5, 0);
      if (boxes.length > 0) await prepare(pixels, boxes.map(firstCropOf));
      for (let at = 0; at < boxes.length; at += BATCH) {
        const batch = boxes.slice(at, at + BATCH);
        const firstCrops = batch.map(firstCropOf);
        const first = await run(pixels, firstCrops);
        const secondCrops = first.map((f) => secondCrop(f.points));
        const oneEnough = (i: number) => {
          const need = needs[at + i];
          if (!need) return false;
          if ('both' in need) return first[i]!.faceness < need.both;
          return first[i]!.faceness >= need.either && settled(firstCrops[i]!, secondCrops[i]!);
        };
        const again = first.flatMap((_, i) => (oneEnough(i) ? [] : [i]));
        const second = again.length > 0 ? await run(pixels, again.map((i) => secondCrops[i]!)) : [];
        for (let i = 0; i < batch.length; i++) {
          // A face in profile can lose its presence score in the turned crop (or keep it only
          // there): the face is there if either pass says so, and its points are that pass's.
          const a = first[i]!, b = second[again.indexOf(i)] ?? a;
          const best = b.faceness >= a.faceness ? b : a;
          results.push({ landmarks: fivePointsFromMesh(best.points), faceness: best.faceness, facenessBoth: Math.min(a.faceness, b.faceness) });
        }
      }
      return results;
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
