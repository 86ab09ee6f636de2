import type { ModelSession } from './onnx-session.js';
import { cropResize, detectInViews, toChwTensor, type Box, type Detection, type RgbImage } from './image.js';

const INPUT_W = 320;
const INPUT_H = 240;

export interface DetectOptions {
  minScore: number;
  /** IoU above which two boxes are the same face. @default 0.4 */
  nmsIou?: number;
  /** Finest tiling of a big photo: 1 (whole image only) to 4 (see `detectInViews`). @default 3 */
  maxTileGrid?: number;
}

/**
 * UltraFace (RFB-320, "Ultra-Light-Fast-Generic-Face-Detector-1MB"): a fixed 320x240 input,
 * 4420 anchors with face scores and corner boxes already decoded (normalised to the input).
 *
 * A fixed 320x240 view of a group photo loses every face under ~40 px, so the image is also
 * seen as overlapping tiles (see `detectInViews`).
 */
export function createUltrafaceDetector(session: ModelSession) {
  const inputName = session.inputs[0]?.name ?? 'input';

  async function detectView(image: RgbImage, view: Box, mirror: boolean, minScore: number): Promise<Detection[]> {
    // Letterbox: keep the aspect ratio, pad the rest (0 after normalisation).
    const scale = Math.min(INPUT_W / view.w, INPUT_H / view.h);
    const srcW = INPUT_W / scale;
    const srcH = INPUT_H / scale;
    const src: Box = { x: view.x, y: view.y, w: srcW, h: srcH };
    const input = cropResize(image, src, INPUT_W, INPUT_H, 127, mirror);
    const out = await session.run({ [inputName]: { data: toChwTensor(input, 127, 128, 'rgb'), dims: [1, 3, INPUT_H, INPUT_W] } });
    const scores = out.scores!.data;
    const boxes = out.boxes!.data;
    const found: Detection[] = [];
    const n = scores.length / 2;
    for (let i = 0; i < n; i++) {
      const score = scores[i * 2 + 1]!;
      if (score < minScore) continue;
      // A mirrored view's boxes are mirrored back.
      const x1 = view.x + (mirror ? 1 - boxes[i * 4 + 2]! : boxes[i * 4]!) * srcW;
      const y1 = view.y + boxes[i * 4 + 1]! * srcH;
      const x2 = view.x + (mirror ? 1 - boxes[i * 4]! : boxes[i * 4 + 2]!) * srcW;
      const y2 = view.y + boxes[i * 4 + 3]! * srcH;
      // Faces the tile cuts in half are left to the view that sees them whole.
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      if (cx < view.x || cy < view.y || cx > view.x + view.w || cy > view.y + view.h) continue;
      found.push({ box: { x: x1, y: y1, w: x2 - x1, h: y2 - y1 }, score });
    }
    return found;
  }

  return {
    async detect(image: RgbImage, options: DetectOptions): Promise<Detection[]> {
      return detectInViews(image, INPUT_W, INPUT_H, options.nmsIou ?? 0.4, options.maxTileGrid ?? 3, (view, mirror) => detectView(image, view, mirror, options.minScore));
    },
  };
}
