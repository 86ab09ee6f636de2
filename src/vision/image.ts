/**
 * Images and geometry shared by the vision code.
 *
 * Boxes are `{ x, y, w, h }` in pixels of the *oriented* image (after EXIF orientation is
 * applied, at full resolution): `x, y` is the top-left corner. Points are `[x, y]` in the same
 * space. Landmarks are always five points in this order: left eye, right eye, nose tip, left
 * mouth corner, right mouth corner ("left" as seen in the image).
 */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Point = [number, number];

/** Packed 8-bit RGB, row-major, no padding. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Detection {
  box: Box;
  score: number;
  /** Five landmarks when the detector gives them. */
  landmarks?: Point[];
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Share of the smaller box that lies inside the larger one. */
export function containment(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const smaller = Math.min(a.w * a.h, b.w * b.h);
  return smaller > 0 ? (ix * iy) / smaller : 0;
}

/**
 * Greedy non-maximum suppression: keeps the best-scoring detection of each overlapping group.
 * A box mostly inside another without overlapping it much is the same face seen in part (a
 * forehead, a face cut at a tile edge): of the two, the larger box is kept, with the better
 * score, when it is at most `maxGrowth` times the area (a much larger box around a face is a
 * body, not the face). Boxes that overlap well are proposals for one face: the best one stays.
 */
export function nonMaxSuppression<T extends Detection>(detections: T[], iouThreshold: number, containThreshold = 0.8, maxGrowth = 3): T[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    const clash = kept.findIndex((k) => iou(k.box, d.box) >= iouThreshold || containment(k.box, d.box) >= containThreshold);
    if (clash === -1) {
      kept.push(d);
      continue;
    }
    const k = kept[clash]!;
    const growth = (d.box.w * d.box.h) / (k.box.w * k.box.h);
    const partOf = iou(k.box, d.box) < iouThreshold && containment(k.box, d.box) >= containThreshold;
    if (partOf && growth > 1 && growth <= maxGrowth) kept[clash] = { ...d, score: k.score };
  }
  return kept;
}

/** Fills a CHW float tensor from an RGB image: `(value - mean) / std` per channel, in the given channel order. */
export function toChwTensor(image: RgbImage, mean: number, std: number, order: 'rgb' | 'bgr' = 'rgb'): Float32Array {
  const { data, width, height } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  const [c0, c2] = order === 'rgb' ? [0, 2] : [2, 0];
  for (let i = 0; i < plane; i++) {
    out[i] = (data[i * 3 + c0]! - mean) / std;
    out[plane + i] = (data[i * 3 + 1]! - mean) / std;
    out[2 * plane + i] = (data[i * 3 + c2]! - mean) / std;
  }
  return out;
}

/** The map (output pixel -> source pixel) that crops `box` and scales it to `width x height`; `mirror` flips it left to right. */
export function cropMatrix(box: Box, width: number, height: number, mirror = false): number[] {
  const sx = box.w / width;
  const sy = box.h / height;
  return mirror ? [-sx, 0, box.x + box.w - sx / 2 - 0.5, 0, sy, box.y + sy / 2 - 0.5] : [sx, 0, box.x + sx / 2 - 0.5, 0, sy, box.y + sy / 2 - 0.5];
}

export function toGray(image: RgbImage): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = 0.299 * image.data[i * 3]! + 0.587 * image.data[i * 3 + 1]! + 0.114 * image.data[i * 3 + 2]!;
  }
  return out;
}

/** The `grid` x `grid` tiles of an image, each overlapping its neighbours by a quarter of a tile. */
export function gridViews(width: number, height: number, grid: number): Box[] {
  const views: Box[] = [];
  const tw = width / grid;
  const th = height / grid;
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const x = Math.max(0, gx * tw - tw * 0.25);
      const y = Math.max(0, gy * th - th * 0.25);
      views.push({ x, y, w: Math.min(width, (gx + 1) * tw + tw * 0.25) - x, h: Math.min(height, (gy + 1) * th + th * 0.25) - y });
    }
  }
  return views;
}

/**
 * Runs a detector with a small fixed input (`inputW` x `inputH`) over an image: the whole image,
 * then 2x2 tiles when the image is at least twice the input (a fixed input loses small faces in a
 * big photo). Tiles only run where small faces can be:
 * - not in a close-up: when the whole image shows a confident face at least a quarter of its
 *   short side and no other confident candidate, a face too small for the whole view (under about
 *   a sixteenth of the short side, four times smaller than the subject) is not looked for (an
 *   unsure candidate beside the subject is still checked by the landmarker, like any other);
 * - finer grids (3x3, up to `maxGrid`) only when the coarser views found a crowd (at least two
 *   confident faces under a twelfth of the image's long side), as in a group photo; then every
 *   view is also looked at mirrored: a small face half hidden or turned away is often found in
 *   one orientation only.
 * A tile is there for faces small next to it: a face over a third of a tile is left to the
 * coarser views, which see it whole (a tile sees part of it, and calls the part a face). Before
 * each round of views, `prepare` is told the most detail (image pixels per input pixel) a view
 * of it reads, and whether the round looks for small faces (the tiles).
 */
export async function detectInViews(
  image: { width: number; height: number }, inputW: number, inputH: number, nmsIou: number, maxGrid: number,
  detectView: (view: Box, mirror: boolean) => Promise<Detection[]>,
  prepare: (pxPerInputPx: number, forSmallFaces?: boolean) => Promise<void> = async () => {},
): Promise<Detection[]> {
  const { width, height } = image;
  const scale = Math.max(width / inputW, height / inputH);
  const whole = { x: 0, y: 0, w: width, h: height };
  const detail = (views: Box[]) => Math.min(...views.map((v) => Math.max(v.w / inputW, v.h / inputH)));
  await prepare(detail([whole]));
  const all = await detectView(whole, false);
  const look = async (views: Box[], mirrors: boolean[]) => {
    await prepare(detail(views), true);
    for (const view of views) {
      for (const mirror of mirrors) {
        for (const d of await detectView(view, mirror)) if (Math.max(d.box.w / view.w, d.box.h / view.h) < 1 / 3) all.push(d);
      }
    }
  };
  const coarse = maxGrid >= 2 && scale >= 2 && !isCloseUp(nonMaxSuppression(all, nmsIou), image) ? gridViews(width, height, 2) : [];
  if (coarse.length > 0) await look(coarse, [false]);
  const longSide = Math.max(width, height);
  const crowd = nonMaxSuppression(all, nmsIou).filter((d) => d.score >= 0.5 && Math.max(d.box.w, d.box.h) < longSide / 12);
  if (maxGrid >= 3 && crowd.length >= 2) {
    await look([whole, ...coarse], [true]);
    // Finer tiles may be smaller than the input, up to twice enlarged: small faces in a small photo.
    for (let grid = 3; grid <= maxGrid && 1.5 * scale / grid >= 0.5; grid++) await look(gridViews(width, height, grid), [false, true]);
  }
  return nonMaxSuppression(all, nmsIou).map((d) => clampDetection(d, image));
}

/** A close-up: a confident face at least a quarter of the short side, and no smaller confident candidate. */
function isCloseUp(found: readonly Detection[], image: { width: number; height: number }): boolean {
  const short = Math.min(image.width, image.height);
  const big = (d: Detection) => Math.max(d.box.w, d.box.h) >= short / 4;
  const sure = found.filter((d) => d.score >= 0.5);
  return sure.some(big) && sure.every(big);
}

export function clampDetection(d: Detection, image: { width: number; height: number }): Detection {
  const x = Math.max(0, d.box.x);
  const y = Math.max(0, d.box.y);
  const w = Math.min(image.width, d.box.x + d.box.w) - x;
  const h = Math.min(image.height, d.box.y + d.box.h) - y;
  return { ...d, box: { x, y, w, h } };
}
