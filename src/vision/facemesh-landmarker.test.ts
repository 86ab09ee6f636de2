import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/photos.js';
import { createFaceMeshLandmarker } from './facemesh-landmarker.js';
import type { Box, Point } from './image.js';
import { resolveModel } from './model-registry.js';
import { createModelSession, type ModelSession } from './onnx-session.js';
import { pixelsOf, type PhotoPixels } from './photo-pixels.js';

/** The astronaut's face, as UltraFace boxes it in the 512x512 fixture. */
const FACE: Box = { x: 179, y: 65, w: 88, h: 108 };

async function rgbOf(input: sharp.Sharp): Promise<PhotoPixels> {
  const { data, info } = await input.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return pixelsOf({ data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height });
}

/** The same box turned by `degrees` (clockwise) about the image centre, as sharp turns a `w x h` image onto its bigger canvas. */
function turnedBox(box: Box, degrees: number, w: number, h: number, to: { width: number; height: number }): Box {
  const a = (degrees * Math.PI) / 180;
  const cx = box.x + box.w / 2 - w / 2, cy = box.y + box.h / 2 - h / 2;
  const x = Math.cos(a) * cx - Math.sin(a) * cy + to.width / 2, y = Math.sin(a) * cx + Math.cos(a) * cy + to.height / 2;
  return { x: x - box.w / 2, y: y - box.h / 2, w: box.w, h: box.h };
}

const eyeAngle = (p: readonly Point[]) => (Math.atan2(p[1]![1] - p[0]![1], p[1]![0] - p[0]![0]) * 180) / Math.PI;

describe('FaceMesh landmarker: the second pass only where it can change something', () => {
  let session: ModelSession;
  /** Faces sent to the model so far: one per face per pass. */
  let facesRun = 0;
  let landmarker: ReturnType<typeof createFaceMeshLandmarker>;
  let upright: PhotoPixels;
  beforeAll(async () => {
    session = await createModelSession(resolveModel('mediapipe-facemesh', '/nonexistent', 'landmarker').path, { threads: 1 });
    landmarker = createFaceMeshLandmarker({
      ...session,
      inputs: session.inputs,
      outputs: session.outputs,
      run: (feeds, outputs) => {
        facesRun += Object.values(feeds)[0]!.dims[0]!;
        return session.run(feeds, outputs);
      },
    });
    upright = await rgbOf(sharp(fixture('astronaut.jpg')));
  });
  afterAll(() => session.close());
  const passes = async (run: () => Promise<unknown>) => {
    const before = facesRun;
    await run();
    return facesRun - before;
  };

  it('an upright face a confident detection boxes well takes one pass, with points as precise as two', async () => {
    let one: Awaited<ReturnType<typeof landmarker.landmarks>> = [];
    let two: typeof one = [];
    expect(await passes(async () => (one = await landmarker.landmarks(upright, [FACE], [{ either: 0.3 }])))).toBe(1);
    // A box drawn by hand (no needs given) takes both passes.
    expect(await passes(async () => (two = await landmarker.landmarks(upright, [FACE])))).toBe(2);
    expect(one[0]!.faceness).toBeGreaterThan(0.9);
    for (let k = 0; k < 5; k++) {
      expect(Math.hypot(one[0]!.landmarks[k]![0] - two[0]!.landmarks[k]![0], one[0]!.landmarks[k]![1] - two[0]!.landmarks[k]![1])).toBeLessThan(2);
    }
  });

  it('a turned face takes the second pass, whose crop is turned level', async () => {
    const turned = await rgbOf(sharp(fixture('astronaut.jpg')).rotate(30));
    const box = turnedBox(FACE, 30, 512, 512, turned);
    let marks: Awaited<ReturnType<typeof landmarker.landmarks>> = [];
    expect(await passes(async () => (marks = await landmarker.landmarks(turned, [box], [{ either: 0.3 }])))).toBe(2);
    const level = eyeAngle((await landmarker.landmarks(upright, [FACE], [{ either: 0.3 }]))[0]!.landmarks);
    expect(eyeAngle(marks[0]!.landmarks) - level).toBeCloseTo(30, -1);
  });

  it('an unsure detection takes both passes unless the first already rules it out', async () => {
    expect(await passes(() => landmarker.landmarks(upright, [FACE], [{ both: 0.9 }]))).toBe(2);
    const wall: Box = { x: 0, y: 380, w: 100, h: 100 };
    expect(await passes(() => landmarker.landmarks(upright, [wall], [{ both: 0.9 }]))).toBe(1);
  });
});
