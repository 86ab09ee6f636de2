import type { RgbImage } from './image.js';
import { halve, warpAffine, warpAffineArea } from './warp.js';

/**
 * The pixels of one photo as the vision stages read them: the *frame* (the oriented photo at
 * most `maxSide` on its long side, whose pixels every box refers to before `scale`), served
 * from a small set of levels decoded on demand. A stage asks for a view (an affine map from
 * output pixels to frame pixels); the view is sampled from the coarsest level that still has
 * at least the detail the view needs, so a 320x240 detector input never reads a 1600 px image,
 * and a JPEG whose faces are all big is only ever decoded at a reduced scale (libjpeg's DCT
 * scaling), never at full size. Where a view needs the frame's own detail over a small part of
 * the photo (a small face), a decoder that can (a JPEG) decodes a *patch*: the frame's pixels of
 * that region only, at a fraction of the cost of the whole frame.
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
   * decoded there (decoding one only if none has the detail), as the sharpness measure was tuned on.
   */
  view(m: readonly number[], width: number, height: number, fill?: number, filter?: 'area' | 'bilinear'): Promise<RgbImage>;
  /**
   * Makes sure views that read `framePxPerOutputPx` frame pixels per output pixel (or more)
   * need no further decoding: what a stage calls once before many views, so that one decode at
   * the right scale serves them all. `forSmallFaces`: the views look for small faces (a group
   * photo's tiles), whose landmarks will read the frame itself all over the photo, so a decode
   * they need is of the whole frame (one decode, not one for the tiles and patches for the faces).
   */
  prepare(framePxPerOutputPx: number, forSmallFaces?: boolean): Promise<void>;
  /**
   * `prepare` for views known in advance (the crops of the faces a landmarker is about to read,
   * as `view` will be asked for them): those a coarse level serves share one decode, and those
   * that need the frame's own detail share one patch.
   */
  prepareViews(views: ReadonlyArray<ViewRequest>): Promise<void>;
  /** Milliseconds spent decoding levels on demand so far (part of the decode stage of the timings). */
  readonly decodeMs: number;
}

/** A view as `view` takes it: the map (output pixel -> frame pixel) and the output size. */
export interface ViewRequest {
  m: readonly number[];
  width: number;
  height: number;
}

/**
 * What a photo's decoder can make. `rungs` are the full-resolution pixels per level pixel of
 * the levels it can decode, each cheaper than the finer ones (libjpeg's 1/2, 1/4, 1/8 DCT
 * scaling); the frame itself (`scale`) is always one. `decodeRegion`, where the format allows
 * it cheaply, decodes the full-resolution region `region` (whole pixels of the oriented photo)
 * scaled to `width x height`, as the frame decode would have scaled it.
 */
export interface LevelDecoder {
  rungs: readonly number[];
  decode(width: number, height: number): Promise<RgbImage>;
  decodeRegion?(region: { left: number; top: number; width: number; height: number }, width: number, height: number): Promise<RgbImage>;
}

/** The frame of a `width x height` photo for a `maxSide` analysis image, rounded as sharp's `fit: 'inside'` rounds. */
export function frameSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  if (Math.max(width, height) <= maxSide) return { width, height };
  if (width >= height) return { width: maxSide, height: Math.max(1, Math.round(height * maxSide / width)) };
  return { width: Math.max(1, Math.round(width * maxSide / height)), height: maxSide };
}

/** Share of a level's detail a view may lack before a finer level is read: rounding, not resampling. */
const TOLERANCE = 1.02;
/** A patch larger than this share of the frame is not worth it: the whole frame is decoded instead. */
const MAX_PATCH_SHARE = 0.5;
/** A patch reaches this share of a region's side beyond it on every side, for the views around a face that come after the first. */
const PATCH_MARGIN = 0.5;

/**
 * A decoded level: level pixel index = `a * frame pixel index + b` per axis, holding the frame
 * pixels `[x0, x1) x [y0, y1)` (the whole frame, or a patch of it).
 */
interface Level {
  image: RgbImage;
  ax: number; bx: number; ay: number; by: number;
  x0: number; y0: number; x1: number; y1: number;
  whole: boolean;
}

/** Frame pixels a view reads, as a rectangle: `[x0, x1) x [y0, y1)`. */
interface Span { x0: number; y0: number; x1: number; y1: number }

/**
 * The pixels of a photo of `fullWidth x fullHeight` (oriented), framed at `frame`, decoded level
 * by level through `decoder`.
 */
export function createPhotoPixels(fullWidth: number, fullHeight: number, frame: { width: number; height: number }, decoder: LevelDecoder): PhotoPixels {
  const scale = fullWidth / frame.width;
  const levels: Level[] = [];
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
  const coarseness = (l: Pick<Level, 'ax' | 'ay'>) => Math.max(1 / l.ax, 1 / l.ay);
  const wholeLevel = (image: RgbImage): Level => {
    const ax = image.width / frame.width, ay = image.height / frame.height;
    return { image, ax, bx: ax / 2 - 0.5, ay, by: ay / 2 - 0.5, x0: 0, y0: 0, x1: frame.width, y1: frame.height, whole: true };
  };
  const covers = (l: Level, span: Span | undefined) => l.whole || (span !== undefined && l.x0 <= span.x0 && l.y0 <= span.y0 && l.x1 >= span.x1 && l.y1 >= span.y1);

  /** The coarsest level already decoded that has the detail and holds `span`, else null. Nothing is finer than the frame. */
  const held = (wanted: number, span?: Span) => {
    const need = Math.max(1, wanted);
    let best: Level | null = null;
    for (const l of levels) if (coarseness(l) <= need * TOLERANCE && covers(l, span) && (!best || coarseness(l) > coarseness(best))) best = l;
    return best;
  };

  /** The patch of the frame for `span` (with a margin), or null when it would be too large to pay. */
  function patchFor(span: Span): Span | null {
    if (!decoder.decodeRegion) return null;
    const mx = (span.x1 - span.x0) * PATCH_MARGIN, my = (span.y1 - span.y0) * PATCH_MARGIN;
    const p = { x0: Math.max(0, span.x0 - mx), y0: Math.max(0, span.y0 - my), x1: Math.min(frame.width, span.x1 + mx), y1: Math.min(frame.height, span.y1 + my) };
    const share = ((p.x1 - p.x0) * (p.y1 - p.y0)) / (frame.width * frame.height);
    return p.x1 > p.x0 && p.y1 > p.y0 && share <= MAX_PATCH_SHARE ? p : null;
  }

  async function decodePatch(p: Span): Promise<Level> {
    // Whole full-resolution pixels around the patch, scaled as the frame is.
    const left = Math.max(0, Math.floor(p.x0 * scale)), top = Math.max(0, Math.floor(p.y0 * scale));
    const right = Math.min(fullWidth, Math.ceil(p.x1 * scale)), bottom = Math.min(fullHeight, Math.ceil(p.y1 * scale));
    const width = Math.max(1, Math.round((right - left) / scale)), height = Math.max(1, Math.round((bottom - top) / scale));
    const image = await decoder.decodeRegion!({ left, top, width: right - left, height: bottom - top }, width, height);
    // Frame pixel f is centred at full-resolution (f + 0.5) * scale; patch pixel i at left + (i + 0.5) * sx.
    const sx = (right - left) / image.width, sy = (bottom - top) / image.height;
    return {
      image, ax: scale / sx, bx: (0.5 * scale - left) / sx - 0.5, ay: scale / sy, by: (0.5 * scale - top) / sy - 0.5,
      x0: left / scale, y0: top / scale, x1: right / scale, y1: bottom / scale, whole: false,
    };
  }

  /** Full px per level px of the coarsest level with the detail: a rung, or the frame's own scale. */
  function rungFor(need: number): number {
    const rungs = [...decoder.rungs].filter((r) => r > scale * TOLERANCE).sort((a, b) => b - a);
    return rungs.find((r) => { const s = sizeAt(r); return Math.max(frame.width / s.width, frame.height / s.height) <= need * TOLERANCE; }) ?? scale;
  }

  async function levelFor(wanted: number, span?: Span, forSmallFaces = false): Promise<Level> {
    const have = held(wanted, span);
    if (have) return halvedFor(have, wanted);
    const need = forSmallFaces ? 1 : Math.max(1, wanted);
    // One decode at a time per photo: two views asking at once share it.
    const run = pending.then(async () => {
      const again = held(need, span);
      if (again) return again;
      const rung = rungFor(need);
      const patch = rung === scale && span ? patchFor(span) : null;
      const t0 = performance.now();
      let level: Level;
      if (patch) level = await decodePatch(patch);
      else {
        const size = sizeAt(rung);
        level = wholeLevel(await decoder.decode(size.width, size.height));
      }
      decodeMs += performance.now() - t0;
      levels.push(level);
      return level;
    });
    pending = run.catch(() => {});
    return halvedFor(await run, wanted);
  }

  /**
   * `level`, or a coarser level made from it by halving (2x2 averages) as often as the view
   * allows: a view then reads a level at most twice as fine as itself, whatever the photo.
   * Patches are read as they are (they serve views about as fine as themselves).
   */
  function halvedFor(level: Level, wanted: number): Level {
    if (!level.whole) return level;
    let best = level;
    while (coarseness(best) * 2 <= wanted * TOLERANCE && best.image.width >= 2 && best.image.height >= 2) {
      const coarser = held(coarseness(best) * 2);
      best = coarser && coarser.image.width < best.image.width ? coarser : remember(wholeLevel(halve(best.image)));
    }
    return best;
  }
  const remember = (level: Level) => {
    levels.push(level);
    return level;
  };
  /** The finest level that holds `span`, `fallback` if none is finer. */
  const finest = (fallback: Level, span: Span) => levels.reduce((a, b) => (covers(b, span) && coarseness(b) < coarseness(a) ? b : a), fallback);

  /**
   * Frame pixels per output pixel a view reads, and the frame pixels it reads (its sampled
   * points, with the neighbours and blocks around them) inside the frame.
   */
  const footprint = ({ m, width, height }: ViewRequest): { need: number; span: Span } => {
    const need = Math.sqrt(Math.abs(m[0]! * m[4]! - m[1]! * m[3]!));
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const [x, y] of [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]] as const) {
      const sx = m[0]! * x + m[1]! * y + m[2]!, sy = m[3]! * x + m[4]! * y + m[5]!;
      x0 = Math.min(x0, sx); x1 = Math.max(x1, sx); y0 = Math.min(y0, sy); y1 = Math.max(y1, sy);
    }
    const r = need + 2;
    return { need, span: { x0: Math.max(0, x0 - r), y0: Math.max(0, y0 - r), x1: Math.min(frame.width, x1 + r), y1: Math.min(frame.height, y1 + r) } };
  };
  const isEmpty = (span: Span) => span.x1 <= span.x0 || span.y1 <= span.y0;

  return {
    width: frame.width,
    height: frame.height,
    scale,
    get decodeMs() {
      return decodeMs;
    },
    async prepare(need, forSmallFaces) {
      await levelFor(need, undefined, forSmallFaces);
    },
    async prepareViews(views) {
      const missing = views
        .map(footprint)
        .map((v) => ({ need: Math.max(1, v.need), span: v.span }))
        .filter((v) => !isEmpty(v.span) && !held(v.need, v.span));
      const coarse = missing.filter((v) => rungFor(v.need) !== scale);
      if (coarse.length > 0) await levelFor(Math.min(...coarse.map((v) => v.need)));
      const fine = missing.filter((v) => rungFor(v.need) === scale);
      if (fine.length === 0) return;
      const union = {
        x0: Math.min(...fine.map((v) => v.span.x0)), y0: Math.min(...fine.map((v) => v.span.y0)),
        x1: Math.max(...fine.map((v) => v.span.x1)), y1: Math.max(...fine.map((v) => v.span.y1)),
      };
      await levelFor(Math.min(...fine.map((v) => v.need)), union);
    },
    async view(m, width, height, fill = 0, filter = 'area') {
      const { need, span } = footprint({ m, width, height });
      const found = await levelFor(need, isEmpty(span) ? undefined : span);
      const level = filter === 'area' ? found : finest(found, span);
      const lm = [level.ax * m[0]!, level.ax * m[1]!, level.ax * m[2]! + level.bx, level.ay * m[3]!, level.ay * m[4]!, level.ay * m[5]! + level.by];
      return filter === 'area' ? warpAffineArea(level.image, lm, width, height, fill) : warpAffine(level.image, lm, width, height, fill);
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
    prepareViews: (views) => pixels.prepareViews(views.map(({ m, width, height }) => ({ m: [m[0]!, m[1]!, m[2]! - pad, m[3]!, m[4]!, m[5]! - pad], width, height }))),
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
