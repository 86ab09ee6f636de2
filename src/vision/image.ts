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

/**
 * Samples `image` through an affine map `m` (2x3, destination -> source) into a new image of
 * `width x height`, bilinear; pixels outside the source take `fill`.
 */
export function warpAffine(image: RgbImage, m: readonly number[], width: number, height: number, fill = 0): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const { data, width: sw, height: sh } = image;
  const a = m[0]!, b = m[1]!, c = m[2]!, d = m[3]!, e = m[4]!, f = m[5]!;
  const maxX = sw - 1;
  const maxY = sh - 1;
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 3) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      if (x0 >= 0 && y0 >= 0 && x0 < maxX && y0 < maxY) {
        // Fast path: all four neighbours inside the image.
        const i00 = (y0 * sw + x0) * 3;
        const i10 = i00 + 3;
        const i01 = i00 + sw * 3;
        const i11 = i01 + 3;
        const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
        out[o] = data[i00]! * w00 + data[i10]! * w10 + data[i01]! * w01 + data[i11]! * w11 + 0.5;
        out[o + 1] = data[i00 + 1]! * w00 + data[i10 + 1]! * w10 + data[i01 + 1]! * w01 + data[i11 + 1]! * w11 + 0.5;
        out[o + 2] = data[i00 + 2]! * w00 + data[i10 + 2]! * w10 + data[i01 + 2]! * w01 + data[i11 + 2]! * w11 + 0.5;
        continue;
      }
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) {
          const xx = x0 + (k & 1);
          const yy = y0 + (k >> 1);
          const w = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
          acc += w * (xx >= 0 && yy >= 0 && xx < sw && yy < sh ? data[(yy * sw + xx) * 3 + ch]! : fill);
        }
        out[o + ch] = acc + 0.5;
      }
    }
  }
  return { data: out, width, height };
}

/** Crops `box` and scales it to `width x height` (area-averaged when it shrinks, else bilinear); `mirror` flips it left to right. */
export function cropResize(image: RgbImage, box: Box, width: number, height: number, fill = 0, mirror = false): RgbImage {
  const sx = box.w / width;
  const sy = box.h / height;
  const m = mirror ? [-sx, 0, box.x + box.w - sx / 2 - 0.5, 0, sy, box.y + sy / 2 - 0.5] : [sx, 0, box.x + sx / 2 - 0.5, 0, sy, box.y + sy / 2 - 0.5];
  return warpAffineArea(image, m, width, height, fill);
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
 * big photo). Finer grids (3x3, up to `maxGrid`) cost more and only pay where small faces can be:
 * they run when the coarser views found a crowd (at least two confident faces under a twelfth of
 * the image's long side), as in a group photo; then every view is also looked at mirrored: a
 * small face half hidden or turned away is often found in one orientation only. A tile is there for faces
 * small next to it: a face over a third of a tile is left to the coarser views, which see it
 * whole (a tile sees part of it, and calls the part a face).
 */
export async function detectInViews(
  image: RgbImage, inputW: number, inputH: number, nmsIou: number, maxGrid: number,
  detectView: (view: Box, mirror: boolean) => Promise<Detection[]>,
): Promise<Detection[]> {
  const { width, height } = image;
  const scale = Math.max(width / inputW, height / inputH);
  const all = await detectView({ x: 0, y: 0, w: width, h: height }, false);
  const look = async (views: Box[], mirrors: boolean[]) => {
    for (const view of views) {
      for (const mirror of mirrors) {
        for (const d of await detectView(view, mirror)) if (Math.max(d.box.w / view.w, d.box.h / view.h) < 1 / 3) all.push(d);
      }
    }
  };
  const coarse = maxGrid >= 2 && scale >= 2 ? gridViews(width, height, 2) : [];
  await look(coarse, [false]);
  const longSide = Math.max(width, height);
  const crowd = nonMaxSuppression(all, nmsIou).filter((d) => d.score >= 0.5 && Math.max(d.box.w, d.box.h) < longSide / 12);
  if (maxGrid >= 3 && crowd.length >= 2) {
    await look([{ x: 0, y: 0, w: width, h: height }, ...coarse], [true]);
    // Finer tiles may be smaller than the input, up to twice enlarged: small faces in a small photo.
    for (let grid = 3; grid <= maxGrid && 1.5 * scale / grid >= 0.5; grid++) await look(gridViews(width, height, grid), [false, true]);
  }
  return nonMaxSuppression(all, nmsIou).map((d) => clampDetection(d, image));
}

export function clampDetection(d: Detection, image: { width: number; height: number }): Detection {
  const x = Math.max(0, d.box.x);
  const y = Math.max(0, d.box.y);
  const w = Math.min(image.width, d.box.x + d.box.w) - x;
  const h = Math.min(image.height, d.box.y + d.box.h) - y;
  return { ...d, box: { x, y, w, h } };
}

/**
 * `warpAffine` for a map that shrinks: the source is first averaged over k x k blocks (k the
 * whole part of the shrink factor) around the region the output samples, so a big face brought
 * down to a small aligned crop is not aliased (plain bilinear sampling reads 4 of every k*k
 * pixels). For maps that do not shrink by 2 or more, it is plain `warpAffine`.
 */
export function warpAffineArea(image: RgbImage, m: readonly number[], width: number, height: number, fill = 0): RgbImage {
  const scale = Math.sqrt(Math.abs(m[0]! * m[4]! - m[1]! * m[3]!));
  const k = Math.floor(scale);
  if (k < 2) return warpAffine(image, m, width, height, fill);
  // The source region the output reads, with a block of margin.
  const corners = [[0, 0], [width, 0], [0, height], [width, height]].map(([x, y]) => [m[0]! * x! + m[1]! * y! + m[2]!, m[3]! * x! + m[4]! * y! + m[5]!]);
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]!)) / k) * k - k);
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]!)) / k) * k - k);
  const x1 = Math.min(image.width, Math.ceil(Math.max(...corners.map((c) => c[0]!))) + k);
  const y1 = Math.min(image.height, Math.ceil(Math.max(...corners.map((c) => c[1]!))) + k);
  const w = Math.max(1, Math.floor((x1 - x0) / k));
  const h = Math.max(1, Math.floor((y1 - y0) / k));
  if (x1 <= x0 || y1 <= y0) return warpAffine(image, m, width, height, fill);
  const small = new Uint8Array(w * h * 3);
  const { data, width: sw } = image;
  const area = k * k;
  for (let by = 0; by < h; by++) {
    for (let bx = 0; bx < w; bx++) {
      let r = 0, g = 0, b = 0;
      for (let dy = 0; dy < k; dy++) {
        let i = ((y0 + by * k + dy) * sw + x0 + bx * k) * 3;
        for (let dx = 0; dx < k; dx++, i += 3) {
          r += data[i]!; g += data[i + 1]!; b += data[i + 2]!;
        }
      }
      const o = (by * w + bx) * 3;
      small[o] = (r + area / 2) / area; small[o + 1] = (g + area / 2) / area; small[o + 2] = (b + area / 2) / area;
    }
  }
  // Source pixel (sx, sy) is at ((sx - x0 - (k - 1) / 2) / k, ...) in the averaged image.
  const off = (k - 1) / 2;
  const mm = [m[0]! / k, m[1]! / k, (m[2]! - x0 - off) / k, m[3]! / k, m[4]! / k, (m[5]! - y0 - off) / k];
  return warpAffine({ data: small, width: w, height: h }, mm, width, height, fill);
}
