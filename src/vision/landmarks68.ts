import type { ModelSession } from './onnx-session.js';
import { cropResize, toGray, type Box, type Point, type RgbImage } from './image.js';

const SIZE = 64;

/**
 * A 68-point landmarker (iBUG 300-W layout) on a 64x64 grey crop of the detector's box,
 * reduced to the five points the aligner needs.
 */
export function createLandmarker68(session: ModelSession) {
  const inputName = session.inputs[0]?.name ?? 'input';
  return {
    async landmarks(image: RgbImage, box: Box): Promise<Point[]> {
      const crop = cropResize(image, box, SIZE, SIZE);
      const gray = toGray(crop);
      for (let i = 0; i < gray.length; i++) gray[i] = gray[i]! / 256;
      const out = await session.run({ [inputName]: { data: gray, dims: [1, 1, SIZE, SIZE] } });
      const p = out[session.outputs[0]!]!.data;
      const pt = (i: number): Point => [box.x + p[i * 2]! * box.w, box.y + p[i * 2 + 1]! * box.h];
      return fivePoints(pt);
    },
  };
}

/** Eye centres from the four eyelid points, the nose tip, and mouth corners (outer and inner lip averaged). */
export function fivePoints(pt: (i: number) => Point): Point[] {
  const mean = (...ids: number[]): Point => {
    let x = 0, y = 0;
    for (const i of ids) {
      const [px, py] = pt(i);
      x += px; y += py;
    }
    return [x / ids.length, y / ids.length];
  };
  return [mean(37, 38, 40, 41), mean(43, 44, 46, 47), pt(30), mean(48, 60), mean(54, 64)];
}
