import { AppError } from '../errors.js';
import { ARCFACE_TEMPLATE_112, alignmentMatrix } from './align.js';
import { openPhoto, type DecodeOptions, type PhotoMeta } from './decode.js';
import { createEmbedder } from './embedder.js';
import { createFaceMeshLandmarker, type FaceNeed } from './facemesh-landmarker.js';
import { clampDetection, type Box, type Detection, type Point, type RgbImage } from './image.js';
import { createLandmarker68 } from './landmarks68.js';
import type { ModelEntry } from './model-manifest.js';
import { modelKeyOf } from './model-key.js';
import { resolveModel } from './model-registry.js';
import { createModelSession, type ModelSession } from './onnx-session.js';
import { padPixels, type PhotoPixels } from './photo-pixels.js';
import { scoreQuality, type FaceQuality } from './quality.js';
import { dropSameFaces } from './same-face.js';
import { faceCheckOf, isFace } from './face-check.js';
import { createUltrafaceDetector } from './ultraface-detector.js';
import { createYunetDetector } from './yunet-detector.js';

export interface AnalysedFace {
  /** Full-resolution oriented pixels. */
  box: Box;
  landmarks: Point[];
  detScore: number;
  /**
   * The landmarker's face-presence probability (0..1): a detection below vision.minFaceness is
   * not a face and is dropped; a box drawn by hand keeps its score. Null when the landmarker
   * gives none (the opt-in 68-point model).
   */
  faceness: number | null;
  quality: FaceQuality;
  embedding: Float32Array;
  /** The aligned face that was embedded (`alignedSize` square). */
  aligned: RgbImage;
}

export interface PhotoAnalysis {
  meta: PhotoMeta;
  faces: AnalysedFace[];
  /** Faces the detector found but the thresholds dropped (too small). */
  dropped: number;
  /** Detections the landmarker's face-presence check turned down (a cat, a wall, a statue). */
  notFaces: number;
  timings: { decodeMs: number; detectMs: number; embedMs: number };
  /** The photo's pixels, for making thumbnails (`pixels.scale`: full-resolution pixels per frame pixel). */
  pixels: PhotoPixels;
}

/** A face as the detector and aligner see it, before embedding. */
export type DetectedFace = Omit<AnalysedFace, 'embedding'>;

export interface PhotoDetection extends Omit<PhotoAnalysis, 'faces'> {
  faces: DetectedFace[];
}

export interface AnalyserOptions {
  detector: string;
  /** The model that finds the five alignment points (and, FaceMesh, whether there is a face at all). */
  landmarker: string;
  embedder: string;
  modelsDir: string;
  threads: number;
  minDetScore?: number | undefined;
  /** Face-presence score (either framing) a confident detection needs; unset: the landmarker's tuned value. */
  minFaceness?: number | undefined;
  /** Face-presence score (both framings) an unsure detection needs; unset: the landmarker's tuned value. */
  minFacenessUnsure?: number | undefined;
  minFaceSizePx: number;
  padRetry: boolean;
  /** Finest tiling of a big photo for small faces: 1 to 4 (see `detectInViews`). @default 3 */
  maxTileGrid?: number;
  maxPixels: number;
}

export interface FaceAnalyser {
  /** `detector@version+landmarker@version+embedder@version`: stored with every photo. */
  readonly modelKey: string;
  readonly embedderId: string;
  analyse(input: Buffer): Promise<PhotoAnalysis>;
  /** Embeds a face in a box given by hand (a face the detector missed). */
  analyseBox(input: Buffer, box: Box): Promise<PhotoAnalysis>;
  /** `detector@version` alone (the detection service's model). */
  readonly detectorId: string;
  /** Side of the square aligned face the embedder takes (150 for dlib's ResNet). */
  readonly alignedSize: number;
  /** Decode, detect, landmarks, quality and the aligned face, without embedding (the detection service). */
  detect(input: Buffer): Promise<PhotoDetection>;
  /** Embeds faces already aligned to the `alignedSize` template (the embedding service), several per inference. */
  embedAllAligned(aligned: readonly RgbImage[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

type Detect = (pixels: PhotoPixels, minScore: number) => Promise<Detection[]>;

/** Loads the configured models and returns the photo-to-faces function of the pipeline. */
export async function createFaceAnalyser(options: AnalyserOptions, decodeFallback?: DecodeOptions['fallback']): Promise<FaceAnalyser> {
  const detModel = resolveModel(options.detector, options.modelsDir, 'detector');
  const lmkModel = resolveModel(options.landmarker, options.modelsDir, 'landmarker');
  const embModel = resolveModel(options.embedder, options.modelsDir, 'embedder');
  const alignment = embedderAlignment(embModel);
  const sessions: ModelSession[] = [];
  const open = async (model: Pick<ModelEntry, 'quantised'> & { path: string }) => {
    const s = await createModelSession(model.path, { threads: options.threads, preferAccelerator: !model.quantised });
    sessions.push(s);
    return s;
  };

  let detect: Detect;
  if (detModel.id.startsWith('yunet')) {
    const yunet = createYunetDetector(await open(detModel));
    detect = (image, minScore) => yunet.detect(image, { minScore, maxTileGrid: options.maxTileGrid ?? 3 });
  } else {
    const ultra = createUltrafaceDetector(await open(detModel));
    detect = (image, minScore) => ultra.detect(image, { minScore, maxTileGrid: options.maxTileGrid ?? 3 });
  }
  const landmarker = createLandmarker(lmkModel, await open(lmkModel));
  const embedder = createEmbedder(await open(embModel), {
    size: alignment.size,
    mean: embModel.input.mean,
    std: embModel.input.std,
    channels: embModel.input.channels === 'bgr' ? 'bgr' : 'rgb',
  });
  const minScore = options.minDetScore ?? detModel.tuned.minDetScore ?? 0.7;
  const faceCheck = faceCheckOf(options);
  const size = alignment.size;
  const align = (pixels: PhotoPixels, landmarks: readonly Point[]) => pixels.view(alignmentMatrix(landmarks, alignment.template), size, size);
  /**
   * Quality is scored on the face brought to one fixed geometry (the 112 px ArcFace chip,
   * sampled bilinearly as before), whatever chip the embedder takes: a face's quality, and so
   * which faces may seed a person, does not change with the embedder.
   */
  const quality = async (pixels: PhotoPixels, box: Box, full: Point[], landmarks: readonly Point[]) =>
    scoreQuality(box, full, await pixels.view(alignmentMatrix(landmarks, ARCFACE_TEMPLATE_112), 112, 112, 0, 'bilinear'));

  /**
   * The faces of the photo: detected, checked for faceness, landmarked and aligned. A face that
   * fills the frame (a tight portrait crop) is missed by photo detectors, so with padRetry a
   * photo with no face is looked at again with a grey border of half the frame on every side
   * (landmarks and alignment then read the padded view too).
   */
  async function findFaces(pixels: PhotoPixels) {
    const direct = await facesIn(pixels, 0);
    if (direct.faces.length > 0 || !options.padRetry) return direct;
    const pad = Math.round(Math.max(pixels.width, pixels.height) * 0.5);
    const again = await facesIn(padPixels(pixels, pad), pad, pixels);
    return { faces: again.faces, dropped: direct.dropped + again.dropped, notFaces: direct.notFaces + again.notFaces };
  }

  /** Faces in `view` (the frame, or it with a border of `pad` px), in full-resolution pixels of the photo. */
  async function facesIn(view: PhotoPixels, pad: number, original: PhotoPixels = view) {
    const { scale } = view;
    const faces: DetectedFace[] = [];
    let dropped = 0;
    let notFaces = 0;
    const candidates: Detection[] = [];
    for (const d of (await detect(view, minScore)).sort((a, b) => b.score - a.score)) {
      if (Math.min(d.box.w, d.box.h) * scale < options.minFaceSizePx) dropped++;
      else candidates.push(d);
    }
    // An unsure detection needs both framings to see a face clearly (see isFace).
    const needs = candidates.map((d): FaceNeed => (d.score >= faceCheck.sureDetScore ? { either: faceCheck.minFaceness } : { both: faceCheck.minFacenessUnsure }));
    const marks = await landmarker.landmarks(view, candidates.map((d) => d.box), needs);
    for (let i = 0; i < candidates.length; i++) {
      const d = candidates[i]!;
      const { landmarks, faceness, facenessBoth } = marks[i]!;
      if (!isFace(d.score, faceness, facenessBoth, faceCheck)) {
        notFaces++;
        continue;
      }
      const aligned = await align(view, landmarks);
      const { box: inside } = clampDetection({ box: { ...d.box, x: d.box.x - pad, y: d.box.y - pad }, score: d.score }, original);
      const box = { x: inside.x * scale, y: inside.y * scale, w: inside.w * scale, h: inside.h * scale };
      const fullLandmarks = landmarks.map(([x, y]): Point => [(x - pad) * scale, (y - pad) * scale]);
      faces.push({ box, landmarks: fullLandmarks, detScore: d.score, faceness, quality: await quality(view, box, fullLandmarks, landmarks), aligned });
    }
    return { faces: dropSameFaces(faces, faceCheck), dropped, notFaces };
  }

  async function embedAll(faces: DetectedFace[]): Promise<AnalysedFace[]> {
    const vectors = await embedder.embedAll(faces.map((f) => f.aligned));
    return faces.map((f, i) => ({ ...f, embedding: vectors[i]! }));
  }

  const decodeOptions: DecodeOptions = { maxPixels: options.maxPixels, ...(decodeFallback ? { fallback: decodeFallback } : {}) };

  /** Opens the photo and finds its faces, with the time each stage took (decoding happens as detection asks for pixels). */
  async function detectFaces(input: Buffer) {
    const t0 = performance.now();
    const { meta, pixels } = await openPhoto(input, decodeOptions);
    const t1 = performance.now();
    const found = await findFaces(pixels);
    const t2 = performance.now();
    const lazyDecodeMs = pixels.decodeMs;
    return { meta, pixels, found, t2, timings: { decodeMs: t1 - t0 + lazyDecodeMs, detectMs: t2 - t1 - lazyDecodeMs, embedMs: 0 } };
  }

  return {
    modelKey: modelKeyOf(detModel, lmkModel, embModel),
    embedderId: modelKeyOf(embModel),
    detectorId: modelKeyOf(detModel, lmkModel),
    alignedSize: size,
    async detect(input) {
      const { meta, pixels, found, timings } = await detectFaces(input);
      return { meta, faces: found.faces, dropped: found.dropped, notFaces: found.notFaces, pixels, timings };
    },
    async embedAllAligned(aligned) {
      for (const face of aligned) {
        if (face.width !== size || face.height !== size) {
          throw new AppError('INVALID_INPUT', `an aligned face is ${face.width}x${face.height}; the embedder takes ${size}x${size} faces aligned to its template (the \`aligned\` crops of the detection service)`);
        }
      }
      return embedder.embedAll(aligned);
    },
    async analyse(input) {
      const { meta, pixels, found, t2, timings } = await detectFaces(input);
      const faces = await embedAll(found.faces);
      timings.embedMs = performance.now() - t2;
      return { meta, faces, dropped: found.dropped, notFaces: found.notFaces, pixels, timings };
    },
    async analyseBox(input, box) {
      const { meta, pixels } = await openPhoto(input, decodeOptions);
      const s = pixels.scale;
      const b = { x: box.x / s, y: box.y / s, w: box.w / s, h: box.h / s };
      if (b.w < 4 || b.h < 4 || b.x < 0 || b.y < 0 || b.x + b.w > pixels.width + 1 || b.y + b.h > pixels.height + 1) {
        throw new AppError('INVALID_INPUT', `box ${JSON.stringify(box)} is not inside the ${meta.width}x${meta.height} photo; draw it on the photo`);
      }
      const [{ landmarks, faceness }] = (await landmarker.landmarks(pixels, [b])) as [Awaited<ReturnType<Landmarker['landmarks']>>[number]];
      const aligned = await align(pixels, landmarks);
      const embedding = await embedder.embed(aligned);
      const fullLandmarks = landmarks.map(([x, y]): Point => [x * s, y * s]);
      const face: AnalysedFace = { box, landmarks: fullLandmarks, detScore: 1, faceness, quality: await quality(pixels, box, fullLandmarks, landmarks), embedding, aligned };
      return { meta, faces: [face], dropped: 0, notFaces: 0, pixels, timings: { decodeMs: 0, detectMs: 0, embedMs: 0 } };
    },
    async close() {
      await Promise.all(sessions.map((s) => s.close()));
    },
  };
}

/** The aligned face an embedder takes: its side and its five-point template. */
export function embedderAlignment(model: ModelEntry): NonNullable<ModelEntry['alignment']> {
  if (!model.alignment) throw new AppError('MODEL_INVALID', `model ${model.id} has no alignment template in the manifest; it cannot be used as an embedder`);
  return model.alignment;
}

interface Landmarker {
  /**
   * The five points of each face in `boxes` (frame pixels of `pixels`), and whether it is a
   * face; `needs[i]`: what box i needs to be a face, if it is a detection (see `isFace`).
   */
  landmarks(pixels: PhotoPixels, boxes: readonly Box[], needs?: ReadonlyArray<FaceNeed | undefined>): Promise<Array<{ landmarks: Point[]; faceness: number | null; facenessBoth: number | null }>>;
}

function createLandmarker(model: ModelEntry, session: ModelSession): Landmarker {
  if (model.id === 'mediapipe-facemesh') return createFaceMeshLandmarker(session);
  const lmk68 = createLandmarker68(session);
  return {
    async landmarks(pixels, boxes) {
      const out = [];
      for (const box of boxes) out.push({ landmarks: await lmk68.landmarks(pixels, box), faceness: null, facenessBoth: null });
      return out;
    },
  };
}
