import { AppError } from '../errors.js';
import { alignmentMatrix } from './align.js';
import { decodePhoto, type DecodeOptions, type PhotoMeta } from './decode.js';
import { createEmbedder } from './embedder.js';
import { clampDetection, warpAffine, type Box, type Detection, type Point, type RgbImage } from './image.js';
import { createLandmarker68 } from './landmarks68.js';
import { resolveModel } from './model-registry.js';
import { createModelSession, type ModelSession } from './onnx-session.js';
import { scoreQuality, type FaceQuality } from './quality.js';
import { createUltrafaceDetector } from './ultraface-detector.js';
import { createYunetDetector } from './yunet-detector.js';

export interface AnalysedFace {
  /** Full-resolution oriented pixels. */
  box: Box;
  landmarks: Point[];
  detScore: number;
  quality: FaceQuality;
  embedding: Float32Array;
  /** 112x112 aligned face (what was embedded). */
  aligned: RgbImage;
}

export interface PhotoAnalysis {
  meta: PhotoMeta;
  faces: AnalysedFace[];
  /** Faces the detector found but the thresholds dropped (too small). */
  dropped: number;
  timings: { decodeMs: number; detectMs: number; embedMs: number };
  /** The analysis image, for making thumbnails. */
  image: RgbImage;
  scale: number;
}

/** A face as the detector and aligner see it, before embedding. */
export type DetectedFace = Omit<AnalysedFace, 'embedding'>;

export interface PhotoDetection extends Omit<PhotoAnalysis, 'faces'> {
  faces: DetectedFace[];
}

export interface AnalyserOptions {
  detector: string;
  embedder: string;
  modelsDir: string;
  threads: number;
  minDetScore?: number | undefined;
  minFaceSizePx: number;
  padRetry: boolean;
  /** Finest tiling of a big photo for small faces: 1, 2 or 4. @default 2 */
  maxTileGrid?: number;
  maxPixels: number;
}

export interface FaceAnalyser {
  /** `detector@version+embedder@version`: stored with every embedding. */
  readonly modelKey: string;
  readonly embedderId: string;
  analyse(input: Buffer): Promise<PhotoAnalysis>;
  /** Embeds a face in a box given by hand (a face the detector missed). */
  analyseBox(input: Buffer, box: Box): Promise<PhotoAnalysis>;
  /** `detector@version` alone (the detection service's model). */
  readonly detectorId: string;
  /** Side of the square aligned face the embedder takes (112). */
  readonly alignedSize: number;
  /** Decode, detect, landmarks, quality and the aligned face, without embedding (the detection service). */
  detect(input: Buffer): Promise<PhotoDetection>;
  /** Embeds faces already aligned to the `alignedSize` template (the embedding service). */
  embedAligned(aligned: RgbImage): Promise<Float32Array>;
  close(): Promise<void>;
}

type Detect = (image: RgbImage, minScore: number) => Promise<Detection[]>;

/** Loads the configured models and returns the photo-to-faces function of the pipeline. */
export async function createFaceAnalyser(options: AnalyserOptions, decodeFallback?: DecodeOptions['fallback']): Promise<FaceAnalyser> {
  const detModel = resolveModel(options.detector, options.modelsDir, 'detector');
  const embModel = resolveModel(options.embedder, options.modelsDir, 'embedder');
  const sessions: ModelSession[] = [];
  const open = async (path: string) => {
    const s = await createModelSession(path, { threads: options.threads });
    sessions.push(s);
    return s;
  };

  let detect: Detect;
  let landmarker: ReturnType<typeof createLandmarker68> | null = null;
  if (detModel.id.startsWith('yunet')) {
    const yunet = createYunetDetector(await open(detModel.path));
    detect = (image, minScore) => yunet.detect(image, { minScore, maxTileGrid: options.maxTileGrid ?? 2 });
  } else {
    const ultra = createUltrafaceDetector(await open(detModel.path));
    detect = (image, minScore) => ultra.detect(image, { minScore, maxTileGrid: options.maxTileGrid ?? 2 });
    landmarker = createLandmarker68(await open(resolveModel(detModel.landmarker!, options.modelsDir, 'landmarker').path));
  }
  const embedder = createEmbedder(await open(embModel.path), {
    size: embModel.input.shape[2]!,
    mean: embModel.input.mean,
    std: embModel.input.std,
    channels: embModel.input.channels === 'bgr' ? 'bgr' : 'rgb',
  });
  const minScore = options.minDetScore ?? detModel.tuned.minDetScore ?? 0.7;
  const size = embModel.input.shape[2]!;

  async function facesFrom(image: RgbImage, detections: Detection[], scale: number) {
    const { faces: found, dropped } = await detectedFrom(image, detections, scale);
    const faces: AnalysedFace[] = [];
    for (const f of found) faces.push({ ...f, embedding: await embedder.embed(f.aligned) });
    return { faces, dropped };
  }

  async function detectedFrom(image: RgbImage, detections: Detection[], scale: number) {
    const faces: DetectedFace[] = [];
    let dropped = 0;
    for (const d of detections) {
      if (Math.min(d.box.w, d.box.h) * scale < options.minFaceSizePx) {
        dropped++;
        continue;
      }
      const landmarks = d.landmarks ?? (await landmarker!.landmarks(image, d.box));
      const aligned = warpAffine(image, alignmentMatrix(landmarks), size, size);
      const box = { x: d.box.x * scale, y: d.box.y * scale, w: d.box.w * scale, h: d.box.h * scale };
      const fullLandmarks = landmarks.map(([x, y]): Point => [x * scale, y * scale]);
      faces.push({ box, landmarks: fullLandmarks, detScore: d.score, quality: scoreQuality(box, fullLandmarks, aligned), aligned });
    }
    return { faces, dropped };
  }

  async function detectWithPadding(image: RgbImage): Promise<Detection[]> {
    const found = await detect(image, minScore);
    if (found.length > 0 || !options.padRetry) return found;
    // A face that fills the frame (a tight portrait crop) is missed by photo detectors:
    // look again with a grey border of half the image on every side.
    const pad = Math.round(Math.max(image.width, image.height) * 0.5);
    const padded = padImage(image, pad);
    return (await detect(padded, minScore)).map((d) => ({
      ...d,
      box: { ...d.box, x: d.box.x - pad, y: d.box.y - pad },
      landmarks: d.landmarks?.map(([x, y]): Point => [x - pad, y - pad]),
    })).map((d) => clampDetection(d.landmarks ? d : { box: d.box, score: d.score }, image));
  }

  const decodeOptions = (maxSide?: number): DecodeOptions => ({ maxPixels: options.maxPixels, ...(maxSide ? { maxSide } : {}), ...(decodeFallback ? { fallback: decodeFallback } : {}) });

  return {
    modelKey: `${detModel.id}@${detModel.version}+${embModel.id}@${embModel.version}`,
    embedderId: `${embModel.id}@${embModel.version}`,
    detectorId: `${detModel.id}@${detModel.version}`,
    alignedSize: size,
    async detect(input) {
      const t0 = performance.now();
      const decoded = await decodePhoto(input, decodeOptions());
      const t1 = performance.now();
      const detections = await detectWithPadding(decoded.image);
      const { faces, dropped } = await detectedFrom(decoded.image, detections, decoded.scale);
      const t2 = performance.now();
      return { meta: decoded.meta, faces, dropped, image: decoded.image, scale: decoded.scale, timings: { decodeMs: t1 - t0, detectMs: t2 - t1, embedMs: 0 } };
    },
    async embedAligned(aligned) {
      if (aligned.width !== size || aligned.height !== size) {
        throw new AppError('INVALID_INPUT', `an aligned face is ${aligned.width}x${aligned.height}; the embedder takes ${size}x${size} faces aligned to the ArcFace template (the \`aligned\` crops of the detection service)`);
      }
      return embedder.embed(aligned);
    },
    async analyse(input) {
      const t0 = performance.now();
      const decoded = await decodePhoto(input, decodeOptions());
      const t1 = performance.now();
      const detections = await detectWithPadding(decoded.image);
      const t2 = performance.now();
      const { faces, dropped } = await facesFrom(decoded.image, detections, decoded.scale);
      const t3 = performance.now();
      return { meta: decoded.meta, faces, dropped, image: decoded.image, scale: decoded.scale, timings: { decodeMs: t1 - t0, detectMs: t2 - t1, embedMs: t3 - t2 } };
    },
    async analyseBox(input, box) {
      const decoded = await decodePhoto(input, decodeOptions());
      const s = decoded.scale;
      const b = { x: box.x / s, y: box.y / s, w: box.w / s, h: box.h / s };
      if (b.w < 4 || b.h < 4 || b.x < 0 || b.y < 0 || b.x + b.w > decoded.image.width + 1 || b.y + b.h > decoded.image.height + 1) {
        throw new AppError('INVALID_INPUT', `box ${JSON.stringify(box)} is not inside the ${decoded.meta.width}x${decoded.meta.height} photo; draw it on the photo`);
      }
      const landmarks = landmarker ? await landmarker.landmarks(decoded.image, b) : defaultLandmarks(b);
      const aligned = warpAffine(decoded.image, alignmentMatrix(landmarks), size, size);
      const embedding = await embedder.embed(aligned);
      const fullLandmarks = landmarks.map(([x, y]): Point => [x * s, y * s]);
      const face: AnalysedFace = { box, landmarks: fullLandmarks, detScore: 1, quality: scoreQuality(box, fullLandmarks, aligned), embedding, aligned };
      return { meta: decoded.meta, faces: [face], dropped: 0, image: decoded.image, scale: s, timings: { decodeMs: 0, detectMs: 0, embedMs: 0 } };
    },
    async close() {
      await Promise.all(sessions.map((s) => s.close()));
    },
  };
}

/** Where the five points sit in a typical frontal face box, for a box drawn by hand. */
function defaultLandmarks(b: Box): Point[] {
  const rel: Point[] = [[0.34, 0.4], [0.66, 0.4], [0.5, 0.58], [0.37, 0.76], [0.63, 0.76]];
  return rel.map(([x, y]): Point => [b.x + x * b.w, b.y + y * b.h]);
}

function padImage(image: RgbImage, pad: number): RgbImage {
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const data = new Uint8Array(width * height * 3).fill(127);
  for (let y = 0; y < image.height; y++) {
    data.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((y + pad) * width + pad) * 3);
  }
  return { data, width, height };
}
