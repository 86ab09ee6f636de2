import type { ModelSession } from './onnx-session.js';
import { cropResize, detectInViews, type Box, type Detection, type Point, type RgbImage } from './image.js';

const STRIDES = [8, 16, 32] as const;

/**
 * YuNet (OpenCV model zoo, 2023mar): BGR 0..255 input, per stride a score (cls x obj), a box
 * relative to its grid cell and five landmarks. The fixed-input file takes 640x640; the image
 * is letterboxed into it, and large images are also seen as tiles.
 */
export function createYunetDetector(session: ModelSession) {
  const inputName = session.inputs[0]?.name ?? 'input';
  const shape = session.inputs[0]?.shape ?? [];
  const size = typeof shape[2] === 'number' && shape[2] > 0 ? shape[2] : 640;

  async function detectView(image: RgbImage, view: Box, mirror: boolean, minScore: number): Promise<Detection[]> {
    const scale = Math.min(size / view.w, size / view.h);
    const srcSide = size / scale;
    const input = cropResize(image, { x: view.x, y: view.y, w: srcSide, h: srcSide }, size, size, 0, mirror);
    const plane = size * size;
    const tensor = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      tensor[i] = input.data[i * 3 + 2]!;
      tensor[plane + i] = input.data[i * 3 + 1]!;
      tensor[2 * plane + i] = input.data[i * 3]!;
    }
    const out = await session.run({ [inputName]: { data: tensor, dims: [1, 3, size, size] } });
    const found: Detection[] = [];
    const k = srcSide / size;
    for (const s of STRIDES) {
      const cols = size / s;
      const cls = out[`cls_${s}`]!.data, obj = out[`obj_${s}`]!.data, bbox = out[`bbox_${s}`]!.data, kps = out[`kps_${s}`]!.data;
      for (let i = 0; i < cls.length; i++) {
        const score = Math.sqrt(Math.min(1, Math.max(0, cls[i]!)) * Math.min(1, Math.max(0, obj[i]!)));
        if (score < minScore) continue;
        const r = Math.floor(i / cols), c = i % cols;
        // A mirrored view's positions are mirrored back (x -> size - x).
        const cx = mirror ? size - (c + bbox[i * 4]!) * s : (c + bbox[i * 4]!) * s, cy = (r + bbox[i * 4 + 1]!) * s;
        const w = Math.exp(bbox[i * 4 + 2]!) * s, h = Math.exp(bbox[i * 4 + 3]!) * s;
        const gcx = view.x + cx * k, gcy = view.y + cy * k;
        if (gcx < view.x || gcy < view.y || gcx > view.x + view.w || gcy > view.y + view.h) continue;
        const landmarks: Point[] = [];
        for (let p = 0; p < 5; p++) {
          const x = (kps[i * 10 + p * 2]! + c) * s;
          landmarks.push([view.x + (mirror ? size - x : x) * k, view.y + (kps[i * 10 + p * 2 + 1]! + r) * s * k]);
        }
        // Mirrored, the image's left eye and mouth corner are the model's right ones.
        if (mirror) [landmarks[0], landmarks[1], landmarks[3], landmarks[4]] = [landmarks[1]!, landmarks[0]!, landmarks[4]!, landmarks[3]!];
        found.push({ box: { x: view.x + (cx - w / 2) * k, y: view.y + (cy - h / 2) * k, w: w * k, h: h * k }, score, landmarks });
      }
    }
    return found;
  }

  return {
    async detect(image: RgbImage, options: { minScore: number; nmsIou?: number; maxTileGrid?: number }): Promise<Detection[]> {
      return detectInViews(image, size * 2, size * 2, options.nmsIou ?? 0.3, options.maxTileGrid ?? 3, (view, mirror) => detectView(image, view, mirror, options.minScore));
    },
  };
}
