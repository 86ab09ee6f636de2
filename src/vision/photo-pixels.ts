import { halve, warpAffine, warpAffineArea, type RgbImage } from './image.js';

/**
 * The pixels of one photo as the vision stages read them: the *frame* (the oriented photo at
 * most `maxSide` on its long side, whose pixels every box refers to before `scale`), served
 * from a small set of levels decoded on demand. A stage asks for a view (an affine map from
 * output pixels to frame pixels); the view is sampled from the coarsest level that still has
 * at least the detail the view needs, so a 320x240 detector input never reads a 1600 px image,
 * and a JPEG whose faces are all big is only ever decoded at a reduced scale (libjpeg's DCT
 * scaling), never at full size.
 *
 * Pixel convention: pixel `i` covers `[i, i + 1)`; a map takes output pixel indices to source
 * pixel indices (centres), as `warpAffine` does.
 */
export interface PhotoPixels {
  /** Frame size: the analysis image every box is measured in, before `scale`. */
  readonly width: number;
  readonly height: number;
  /** Full-resolution pixels per frame pixel (>= 1). */
  readonly scale: number;
  /**
   * `width x height` output pixels sampled through `m` (output pixel -> frame pixel); outside
   * the frame, `fill`. `area` (the default) averages where it shrinks, from a level at most
   * twice as fine as the view; `bilinear` reads the four nearest pixels of the finest level
   * decoded (decoding one only if none has the detail), as the sharpness measure was tuned on.
   */
  view(m: readonly number[], width: number, height: number, fill?: number, filter?: 'area' | 'bilinear'): Promise<RgbImage>;
  /**
   * Makes sure views that read `framePxPerOutputPx` frame pixels per output pixel (or more)
   * need no further decoding: what a stage calls once before many views, so that one decode at
   * the right scale serves them all. `forSmallFaces`: the views look for small faces, whose
   * landmarks will read the frame itself, so a decode it needs is of the frame (one decode, not two).
   */
  prepare(framePxPerOutputPx: number, forSmallFaces?: boolean): Promise<void>;
  /** Milliseconds spent decoding levels on demand so far (part of the decode stage of the timings). */
  readonly decodeMs: number;
}

/**
 * What a photo's decoder can make. `rungs` are the full-resolution pixels per level pixel of
 * the levels it can decode, each cheaper than the finer ones (libjpeg's 1/2, 1/4, 1/8 DCT
 * scaling); the frame itself (`scale`) is always one.
 */
export interface LevelDecoder {
  rungs: readonly number[];
  decode(width: number, height: number): Promise<RgbImage>;
}

/** The frame of a `width x height` photo for a `maxSide` analysis image, rounded as sharp's `fit: 'inside'` rounds. */
export function frameSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  if (Math.max(width, height) <= maxSide) return { width, height };
  if (width >= height) return { width: maxSide, height: Math.max(1, Math.round(height * maxSide / width)) };
  return { width: Math.max(1, Math.round(width * maxSide / height)), height: maxSide };
}

/** Share of a level's detail a view may lack before a finer level is read: rounding, not resampling. */
const TOLERANCE = 1.02;

/**
 * The pixels of a photo of `fullWidth x fullHeight` (oriented), framed at `frame`, decoded level
 * by level through `decoder`.
 */
export function createPhotoPixels(fullWidth: number, fullHeight: number, frame: { width: number; height: number }, decoder: LevelDecoder): PhotoPixels {
  const scale = fullWidth / frame.width;
  const levels: RgbImage[] = [];
  let decodeMs = 0;
  let pending: Promise<unknown> = Promise.resolve();

  /**
   * Level size for a rung (full px per level px), never finer than the frame. Rounded down: a
   * rung's decoder may rely on the level being at least that many times smaller than the photo.
   */
  const sizeAt = (rung: number) => rung <= scale * TOLERANCE
    ? { width: frame.width, height: frame.height }
    : { width: Math.max(1, Math.floor(fullWidth / rung)), height: Math.max(1, Math.floor(fullHeight / rung)) };
  /** Frame px per level px, the coarser axis. */
  const coarseness = (level: { width: number; height: number }) => Math.max(frame.width / level.width, frame.height / level.height);

  /** The coarsest level already decoded that has the detail, else null. Nothing is finer than the frame. */
  const held = (wanted: number) => {
    const need = Math.max(1, wanted);
    let best: RgbImage | null = null;
    for (const l of levels) if (coarseness(l) <= need * TOLERANCE && (!best || l.width < best.width)) best = l;
    return best;
  };

  async function levelFor(wanted: number, forSmallFaces = false): Promise<RgbImage> {
    const have = held(wanted);
    if (have) return halvedFor(have, wanted);
    const need = forSmallFaces ? 1 : Math.max(1, wanted);
    // One decode at a time per photo: two views asking at once share it.
    const run = pending.then(async () => {
      const again = held(need);
      if (again) return again;
      const rungs = [...decoder.rungs].filter((r) => r > scale * TOLERANCE).sort((a, b) => b - a);
      const rung = rungs.find((r) => coarseness(sizeAt(r)) <= need * TOLERANCE) ?? scale;
      const size = sizeAt(rung);
      const t0 = performance.now();
      const image = await decoder.decode(size.width, size.height);
      decodeMs += performance.now() - t0;
      levels.push(image);
      return image;
    });
    pending = run.catch(() => {});
    return halvedFor(await run, wanted);
  }

  /**
   * `level`, or a coarser level made from it by halving (2x2 averages) as often as the view
   * allows: a view then reads a level at most twice as fine as itself, whatever the photo.
   */
  function halvedFor(level: RgbImage, wanted: number): RgbImage {
    let best = level;
    while (coarseness(best) * 2 <= wanted * TOLERANCE && best.width >= 2 && best.height >= 2) {
      const coarser = held(coarseness(best) * 2);
      best = coarser && coarser.width < best.width ? coarser : remember(halve(best));
    }
    return best;
  }
  const finest = (fallback: RgbImage) => levels.reduce((a, b) => (b.width > a.width ? b : a), fallback);
  const remember = (image: RgbImage) => {
    levels.push(image);
    return image;
  };

  return {
    width: frame.width,
    height: frame.height,
    scale,
    get decodeMs() {
      return decodeMs;
    },
    async prepare(need, forSmallFaces) {
      await levelFor(need, forSmallFaces);
    },
    async view(m, width, height, fill = 0, filter = 'area') {
      const need = Math.sqrt(Math.abs(m[0]! * m[4]! - m[1]! * m[3]!));
      const level = filter === 'area' ? await levelFor(need) : finest(await levelFor(need));
      // Frame pixel index -> level pixel index, per axis.
      const ax = level.width / frame.width, ay = level.height / frame.height;
      const lm = [ax * m[0]!, ax * m[1]!, ax * m[2]! + ax / 2 - 0.5, ay * m[3]!, ay * m[4]!, ay * m[5]! + ay / 2 - 0.5];
      return filter === 'area' ? warpAffineArea(level, lm, width, height, fill) : warpAffine(level, lm, width, height, fill);
    },
  };
}

/**
 * `pixels` with a border of `pad` frame pixels of grey (127) on every side, for looking again
 * at a photo whose face fills the frame. Nothing is copied: views are shifted into the frame.
 */
export function padPixels(pixels: PhotoPixels, pad: number): PhotoPixels {
  const w = pixels.width + 2 * pad, h = pixels.height + 2 * pad;
  return {
    width: w,
    height: h,
    scale: pixels.scale,
    get decodeMs() {
      return pixels.decodeMs;
    },
    prepare: (need, forSmallFaces) => pixels.prepare(need, forSmallFaces),
    async view(m, width, height, fill = 0, filter = 'area') {
      const out = await pixels.view([m[0]!, m[1]!, m[2]! - pad, m[3]!, m[4]!, m[5]! - pad], width, height, 127, filter);
      if (fill === 127) return out;
      // Beyond the border, the view's own fill.
      let o = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++, o += 3) {
          const sx = m[0]! * x + m[1]! * y + m[2]!, sy = m[3]! * x + m[4]! * y + m[5]!;
          if (sx < -0.5 || sy < -0.5 || sx > w - 0.5 || sy > h - 0.5) out.data[o] = out.data[o + 1] = out.data[o + 2] = fill;
        }
      }
      return out;
    },
  };
}

/** Pixels already in memory (an image that is its own frame), for tests and hand-made images. */
export function pixelsOf(image: RgbImage): PhotoPixels {
  return createPhotoPixels(image.width, image.height, image, { rungs: [], decode: async () => image });
}
