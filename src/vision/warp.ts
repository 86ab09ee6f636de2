import { cropMatrix, type Box, type RgbImage } from './image.js';

/** Resampling of 8-bit RGB images: the per-pixel work of every view the vision stages read (detector inputs, landmark crops, aligned faces, thumbnails). */

/**
 * Samples `image` through an affine map `m` (2x3, destination -> source) into a new image of
 * `width x height`, bilinear; pixels outside the source take `fill`.
 */
export function warpAffine(image: RgbImage, m: readonly number[], width: number, height: number, fill = 0): RgbImage {
  if (m[1] === 0 && m[3] === 0) return warpScaled(image, m, width, height, fill);
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
      edgePixel(image, out, o, x0, y0, fx, fy, fill);
    }
  }
  return { data: out, width, height };
}

/** A pixel whose neighbours lie partly or wholly outside the image: those read as `fill`. */
function edgePixel(image: RgbImage, out: Uint8Array, o: number, x0: number, y0: number, fx: number, fy: number, fill: number) {
  const { data, width: sw, height: sh } = image;
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

/**
 * `warpAffine` for a map without rotation (a crop and a scale, the detectors' views): the same
 * samples, with each column's and row's neighbours and weights worked out once.
 */
function warpScaled(image: RgbImage, m: readonly number[], width: number, height: number, fill: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const { data, width: sw, height: sh } = image;
  const xs = new Int32Array(width), fxs = new Float64Array(width);
  let inFrom = width, inTo = -1;
  for (let x = 0; x < width; x++) {
    const sx = m[0]! * x + m[2]!;
    const x0 = Math.floor(sx);
    xs[x] = x0;
    fxs[x] = sx - x0;
    if (x0 >= 0 && x0 < sw - 1) {
      if (x < inFrom) inFrom = x;
      inTo = x;
    }
  }
  for (let y = 0; y < height; y++) {
    const sy = m[4]! * y + m[5]!;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    let o = y * width * 3;
    const rowInside = y0 >= 0 && y0 < sh - 1;
    for (let x = 0; x < width; x++, o += 3) {
      const x0 = xs[x]!, fx = fxs[x]!;
      if (rowInside && x >= inFrom && x <= inTo) {
        const i00 = (y0 * sw + x0) * 3;
        const i01 = i00 + sw * 3;
        const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
        out[o] = data[i00]! * w00 + data[i00 + 3]! * w10 + data[i01]! * w01 + data[i01 + 3]! * w11 + 0.5;
        out[o + 1] = data[i00 + 1]! * w00 + data[i00 + 4]! * w10 + data[i01 + 1]! * w01 + data[i01 + 4]! * w11 + 0.5;
        out[o + 2] = data[i00 + 2]! * w00 + data[i00 + 5]! * w10 + data[i01 + 2]! * w01 + data[i01 + 5]! * w11 + 0.5;
      } else edgePixel(image, out, o, x0, y0, fx, fy, fill);
    }
  }
  return { data: out, width, height };
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
  if (k === 2) {
    // The common case (a level twice as fine as the view): 2x2 blocks, sample by sample.
    for (let by = 0; by < h; by++) {
      let i = ((y0 + by * 2) * sw + x0) * 3;
      const j = sw * 3;
      let o = by * w * 3;
      for (let bx = 0; bx < w; bx++, i += 6, o += 3) {
        small[o] = (data[i]! + data[i + 3]! + data[i + j]! + data[i + j + 3]! + 2) >> 2;
        small[o + 1] = (data[i + 1]! + data[i + 4]! + data[i + j + 1]! + data[i + j + 4]! + 2) >> 2;
        small[o + 2] = (data[i + 2]! + data[i + 5]! + data[i + j + 2]! + data[i + j + 5]! + 2) >> 2;
      }
    }
  } else {
    // Block sums one source row at a time (rows are read in order, not block by block).
    const sums = new Uint32Array(w * 3);
    for (let by = 0; by < h; by++) {
      sums.fill(0);
      for (let dy = 0; dy < k; dy++) {
        let i = ((y0 + by * k + dy) * sw + x0) * 3;
        for (let bx = 0, s = 0; bx < w; bx++, s += 3) {
          let r = 0, g = 0, b = 0;
          for (let dx = 0; dx < k; dx++, i += 3) {
            r += data[i]!; g += data[i + 1]!; b += data[i + 2]!;
          }
          sums[s] = sums[s]! + r; sums[s + 1] = sums[s + 1]! + g; sums[s + 2] = sums[s + 2]! + b;
        }
      }
      const o = by * w * 3;
      for (let s = 0; s < w * 3; s++) small[o + s] = (sums[s]! + area / 2) / area;
    }
  }
  // Source pixel (sx, sy) is at ((sx - x0 - (k - 1) / 2) / k, ...) in the averaged image.
  const off = (k - 1) / 2;
  const mm = [m[0]! / k, m[1]! / k, (m[2]! - x0 - off) / k, m[3]! / k, m[4]! / k, (m[5]! - y0 - off) / k];
  return warpAffine({ data: small, width: w, height: h }, mm, width, height, fill);
}

/** The image at half its size, each pixel the average of a 2x2 block (an odd last row or column is left out). */
export function halve(image: RgbImage): RgbImage {
  const width = image.width >> 1, height = image.height >> 1;
  const out = new Uint8Array(width * height * 3);
  const { data } = image;
  const row = image.width * 3;
  for (let y = 0; y < height; y++) {
    let i = 2 * y * row;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, i += 6, o += 3) {
      out[o] = (data[i]! + data[i + 3]! + data[i + row]! + data[i + row + 3]! + 2) >> 2;
      out[o + 1] = (data[i + 1]! + data[i + 4]! + data[i + row + 1]! + data[i + row + 4]! + 2) >> 2;
      out[o + 2] = (data[i + 2]! + data[i + 5]! + data[i + row + 2]! + data[i + row + 5]! + 2) >> 2;
    }
  }
  return { data: out, width, height };
}

/** Crops `box` and scales it to `width x height` (area-averaged when it shrinks, else bilinear); `mirror` flips it left to right. */
export function cropResize(image: RgbImage, box: Box, width: number, height: number, fill = 0, mirror = false): RgbImage {
  return warpAffineArea(image, cropMatrix(box, width, height, mirror), width, height, fill);
}
