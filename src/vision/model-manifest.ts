import { ARCFACE_TEMPLATE_112 } from './align.js';
import type { Point } from './image.js';

/**
 * Models are data: each entry says what the file is, where it truly comes from and under which
 * licence, how to check it and how to feed it. Every built-in (default) model carries a
 * permissive licence stated by the weights' own author; a model of unknown origin is only ever
 * an opt-in (`facetag models pull`). Thresholds are tuned per model on labelled photos
 * (`facetag eval detect|verify|cluster`) and recorded here.
 */
export type ModelKind = 'detector' | 'landmarker' | 'embedder';

/**
 * Files taken from a package of the npm registry: `npm pack` fetches the tarball (through the
 * user's registry, proxy and cache settings), its integrity is checked against the registry's
 * sha512, each file against its sha256, and `build` turns them into the ONNX file.
 */
export interface NpmSource {
  npm: string;
  /** The tarball's integrity, as the registry and package-lock.json record it. */
  integrity: string;
  /** Paths inside the tarball (`package/...`) and their sha256. */
  files: Record<string, string>;
  /**
   * `copy`: the file is already ONNX; `tfjs-graph`: a TF.js graph model converted by
   * src/vision/model-build/tfjs-graph-to-onnx.ts; `dlib-resnet`: face-api's TF.js weights of
   * dlib's ResNet, assembled by src/vision/model-build/dlib-resnet.ts; `dlib-resnet-int8`: the same
   * in int8, at the activation ranges pinned in src/vision/model-build/dlib-int8-ranges.ts.
   */
  build: 'copy' | 'tfjs-graph' | 'dlib-resnet' | 'dlib-resnet-int8';
}

export interface ModelOrigin {
  /** Who made and trained the weights. */
  author: string;
  /** The weights' upstream name and where they were published. */
  upstream: string;
  /** What the weights were trained on, and the caveat that comes with it. */
  trainingData: string;
  /** Where the licence text shipped with facetag lies (model-licences/). */
  licenceFile?: string;
}

export interface ModelEntry {
  id: string;
  version: string;
  kind: ModelKind;
  /** File name inside its folder. */
  file: string;
  sha256: string;
  bytes: number;
  /** The weights' licence as their author states it; `unknown` when nobody does. */
  licence: string;
  origin: ModelOrigin;
  /** An npm tarball (built in by `npm ci`, or pulled) or a URL (`facetag models pull`). */
  source: NpmSource | { url: string };
  /** Installed with the package by `npm ci` (true) or fetched by `facetag models pull` (false). */
  builtIn: boolean;
  /**
   * An int8 graph (QuantizeLinear / DequantizeLinear around integer convolutions): it runs on
   * ONNX Runtime's CPU provider only, whose integer kernels it is made for (Apple's CoreML takes
   * float graphs; a quantised one would be split between the two, node by node).
   */
  quantised?: boolean;
  input: { name: string; shape: Array<number | string>; channels: 'rgb' | 'bgr' | 'gray'; mean: number; std: number };
  outputs: string[];
  /**
   * Tuned defaults: a detector's score threshold, a landmarker's face-presence threshold, or an
   * embedder's clustering thresholds.
   */
  tuned: {
    /** Detector: lowest score proposed as a face. */
    minDetScore?: number;
    /** Detector: a score at or over this is a confident detection (see `isFace`). */
    sureDetScore?: number;
    /** Landmarker: face presence (either framing) a confident detection needs. */
    minFaceness?: number;
    /** Landmarker: face presence (both framings) an unsure detection needs. */
    minFacenessUnsure?: number;
    /** Embedder: max cosine distance between two faces of one person. */
    maxDistance?: number;
    /** Embedder: faces needed to start a person. */
    minFaces?: number;
  };
  /** Embedders: the aligned face they take (side in px) and the five-point template it is aligned to. */
  alignment?: { size: number; template: readonly Point[] };
  /** Output size of an embedder. */
  dimensions?: number;
  notes: string;
}

const FACEPLUGIN: Omit<NpmSource, 'files' | 'build'> = {
  npm: 'faceplugin-face-recognition-js@0.0.1',
  integrity: 'sha512-shriXjd4zJHEwhK1jHK+bWo8Vv6Vu9B/w6RRsd4AFtNM/jaI2vhuOamOSMl9qQmLd8WlQ7dgqN+3C2iOi5pXWw==',
};

/**
 * dlib's mean face for a 150 px chip with padding 0.25 (dlib's `get_face_chip_details`), at the
 * eye centres, nose tip and mouth corners.
 */
const DLIB_150: readonly Point[] = [[47.4152, 46.1946], [100.6101, 46.1946], [74.0127, 76.5625], [52.2264, 103.2512], [95.7989, 103.2512]];

/** dlib's ResNet in float, as face-api ships its weights: opt-in, and what the int8 default is made from. */
const DLIB_FLOAT: ModelEntry & { source: NpmSource } = {
  id: 'dlib-resnet-v1',
  version: '1.0',
  kind: 'embedder',
  file: 'dlib-resnet-v1.onnx',
  sha256: '8ea6a5bb07e21220212afbb32c2430c1501d61f6b4d417fea463a2606df708af',
  bytes: 22440073,
  licence: 'public domain',
  origin: {
    author: 'Davis King (dlib)',
    upstream: 'dlib_face_recognition_resnet_model_v1 (dlib-models), in the uint8-quantised TF.js form @vladmandic/face-api ships as model/face_recognition_model',
    trainingData: '~3 million faces of 7,485 people from FaceScrub, VGG Face and web images (research-use terms; no LFW identities); the weights are released into the public domain by their author',
    licenceFile: 'model-licences/dlib-models-PUBLIC-DOMAIN.txt',
  },
  source: {
    npm: '@vladmandic/face-api@1.7.15',
    integrity: 'sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==',
    files: {
      'package/model/face_recognition_model-weights_manifest.json': 'cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b',
      'package/model/face_recognition_model.bin': 'b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589',
    },
    build: 'dlib-resnet',
  },
  builtIn: false,
  input: { name: 'image', shape: ['N', 3, 150, 150], channels: 'rgb', mean: 0, std: 1 },
  outputs: ['descriptor'],
  tuned: { maxDistance: 0.06, minFaces: 2 },
  alignment: { size: 150, template: DLIB_150 },
  dimensions: 128,
  notes: '128-d descriptor of a 150x150 chip aligned to dlib\'s mean face, in float: the model dlib-resnet-v1-int8 (the default) is made from; opt-in with `facetag models pull dlib-resnet-v1`.',
};

export const MODEL_MANIFEST: readonly ModelEntry[] = [
  {
    id: 'ultraface-rfb320',
    version: '1.0',
    kind: 'detector',
    file: 'ultraface-rfb320.onnx',
    sha256: '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854',
    bytes: 1217758,
    licence: 'MIT',
    origin: {
      author: 'Hao Gao (Linzaer), 2019',
      upstream: 'Ultra-Light-Fast-Generic-Face-Detector-1MB, version-RFB-320_simplified.onnx (all 104 weight tensors identical; the npm package only carries the file)',
      trainingData: 'WIDER FACE (research-use terms; the weights are released under MIT by their author)',
      licenceFile: 'model-licences/ultraface-MIT.txt',
    },
    source: { ...FACEPLUGIN, files: { 'package/model/fr_detect.onnx': '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854' }, build: 'copy' },
    builtIn: true,
    input: { name: 'input', shape: [1, 3, 240, 320], channels: 'rgb', mean: 127, std: 128 },
    outputs: ['scores', 'boxes'],
    // Low on purpose: the landmarker's face-presence check (see isFace) sorts faces from the
    // rest, so the detector only proposes. Measured on ../shared/faces with that check: group
    // recall 0.937 at 0.5, 0.973 at 0.2, with no false face on the no-face photos at either.
    tuned: { minDetScore: 0.2, sureDetScore: 0.5 },
    notes: 'UltraFace RFB-320: run on the whole image and on overlapping tiles.',
  },
  {
    id: 'mediapipe-facemesh',
    version: '1.0',
    kind: 'landmarker',
    file: 'mediapipe-facemesh.onnx',
    sha256: '7e22c27a034d06b1fbb65544bdc799a893d2ffc64060f5530bc82be49eafb782',
    bytes: 3003447,
    licence: 'Apache-2.0',
    origin: {
      author: 'Google (MediaPipe)',
      upstream: 'MediaPipe Face Mesh face landmark model (468 points, face presence, lips/eyes contours), in the TF.js form @vladmandic/human ships as models/facemesh.json',
      trainingData: 'Google\'s own set of ~30k in-the-wild mobile photos (MediaPipe Face Mesh model card); not published',
      licenceFile: 'model-licences/mediapipe-APACHE-2.0.txt',
    },
    source: {
      npm: '@vladmandic/human@3.3.6',
      integrity: 'sha512-Nr5mPfq1gQ+uKeXY5uM3Fj8UxvF5CEh2s6txM5wRThqaW0mF9huooOuZSrT8hhGho0hGaXLFdAwfD/2+teCv6A==',
      files: {
        'package/models/facemesh.json': 'b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7',
        'package/models/facemesh.bin': '3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b',
      },
      build: 'tfjs-graph',
    },
    builtIn: true,
    input: { name: 'input', shape: ['N', 3, 192, 192], channels: 'rgb', mean: 0, std: 255 },
    outputs: ['mesh', 'faceflag', 'contours'],
    // Faces score near 1 in both framings, non-faces near 0 in at least one (a cat 0.02, a
    // squirrel 0.13; gravel, coins, an ear up to 0.76 in one framing, at most 0.67 in both);
    // faces in profile can fall to 0.2-0.7 in one framing, and are confident detections.
    tuned: { minFaceness: 0.3, minFacenessUnsure: 0.9 },
    notes: 'Five alignment points and a face-presence score per face, in two passes (detector box, then a crop turned level on the first pass\'s eyes).',
  },
  {
    ...DLIB_FLOAT,
    id: 'dlib-resnet-v1-int8',
    file: 'dlib-resnet-v1-int8.onnx',
    sha256: '848e5006ea9faaa1e719db042ee6a416e30ac1b26de1edf9f63e952aed9b50e4',
    bytes: 5814860,
    source: { ...DLIB_FLOAT.source, build: 'dlib-resnet-int8' },
    builtIn: true,
    quantised: true,
    // The same input, alignment and thresholds as the float model: measured on ../shared/faces,
    // the int8 graph moves a face's descriptor by a cosine distance of ~0.0005 (the clustering
    // distance is 0.06).
    notes: 'dlib-resnet-v1 in int8 (the default): weights int8 per output channel, activations uint8 at ranges calibrated on faces from a pinned npm package\'s sample images (src/vision/model-build/dlib-int8-ranges.ts), the first convolution float; ~2.5x faster on CPU.',
  },
  DLIB_FLOAT,
  {
    id: 'faceplugin-lmk68',
    version: '1.0',
    kind: 'landmarker',
    file: 'fr_landmark.onnx',
    sha256: 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258',
    bytes: 1163742,
    licence: 'unknown',
    origin: {
      author: 'unknown (shipped by the vendor demo package faceplugin-face-recognition-js, whose MIT LICENSE is an unedited template naming someone else)',
      upstream: 'unknown',
      trainingData: 'unknown; 68-point models are usually trained on 300-W, whose terms exclude commercial use',
    },
    source: { ...FACEPLUGIN, files: { 'package/model/fr_landmark.onnx': 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258' }, build: 'copy' },
    builtIn: false,
    input: { name: 'input', shape: [1, 1, 64, 64], channels: 'gray', mean: 0, std: 256 },
    outputs: ['output'],
    tuned: {},
    notes: '68 points (iBUG layout) normalised to the face box, reduced to 5 for alignment; no face-presence score.',
  },
  {
    id: 'faceplugin-r512',
    version: '1.0',
    kind: 'embedder',
    file: 'fr_feature.onnx',
    sha256: '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
    bytes: 4884269,
    licence: 'unknown',
    origin: {
      author: 'unknown (shipped by the vendor demo package faceplugin-face-recognition-js, whose MIT LICENSE is an unedited template naming someone else)',
      upstream: 'unknown: a standard MobileFaceNet, 512-d',
      trainingData: 'unknown',
    },
    source: { ...FACEPLUGIN, files: { 'package/model/fr_feature.onnx': '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581' }, build: 'copy' },
    builtIn: false,
    input: { name: 'input', shape: [1, 3, 112, 112], channels: 'rgb', mean: 127, std: 128 },
    outputs: ['output'],
    // Tuned with `facetag eval cluster` on ../shared/faces: BCubed F1 0.984 at 0.55-0.60 with 2 faces.
    tuned: { maxDistance: 0.55, minFaces: 2 },
    alignment: { size: 112, template: ARCFACE_TEMPLATE_112 },
    dimensions: 512,
    notes: '512-d embedder on 112x112 faces aligned to the ArcFace template.',
  },
  {
    id: 'yunet-2023mar',
    version: '2023mar',
    kind: 'detector',
    file: 'face_detection_yunet_2023mar.onnx',
    sha256: '8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4',
    bytes: 232589,
    licence: 'MIT',
    origin: {
      author: 'Shiqi Yu et al. (libfacedetection)',
      upstream: 'face_detection_yunet_2023mar.onnx (OpenCV Zoo); byte-identical to libfacedetection.train onnx/yunet_s_640_640.onnx',
      trainingData: 'WIDER FACE (research-use terms)',
    },
    source: { url: 'https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx' },
    builtIn: false,
    input: { name: 'input', shape: [1, 3, 640, 640], channels: 'bgr', mean: 0, std: 1 },
    outputs: ['cls_8', 'cls_16', 'cls_32', 'obj_8', 'obj_16', 'obj_32', 'bbox_8', 'bbox_16', 'bbox_32', 'kps_8', 'kps_16', 'kps_32'],
    tuned: { minDetScore: 0.7 },
    notes: 'YuNet with five landmarks, from the OpenCV model zoo.',
  },
];

export function findModel(id: string): ModelEntry | undefined {
  return MODEL_MANIFEST.find((m) => m.id === id);
}

/** The default set `npm ci` installs and a fresh config uses. */
export const DEFAULT_MODELS = { detector: 'ultraface-rfb320', landmarker: 'mediapipe-facemesh', embedder: 'dlib-resnet-v1-int8' } as const;
