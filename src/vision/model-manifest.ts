/**
 * Models are data: each entry says what the file is, where it comes from, how to check it and
 * how to feed it. Cluster thresholds are tuned per embedder on labelled photos
 * (`facetag eval verify|cluster`) and recorded here.
 */
export type ModelKind = 'detector' | 'landmarker' | 'embedder';

export interface ModelEntry {
  id: string;
  version: string;
  kind: ModelKind;
  /** File name inside its folder. */
  file: string;
  sha256: string;
  bytes: number;
  licence: string;
  /** Where the file comes from: an npm tarball (installed by `npm ci`) or a URL (`facetag models pull`). */
  source: { npm: string; path: string } | { url: string };
  /** Installed with the package (true) or fetched by `facetag models pull` (false). */
  builtIn: boolean;
  input: { name: string; shape: number[]; channels: 'rgb' | 'bgr' | 'gray'; mean: number; std: number };
  outputs: string[];
  /** Tuned defaults: detector score threshold, or an embedder's clustering thresholds. */
  tuned: { minDetScore?: number; maxDistance?: number; minFaces?: number };
  /** A detector without landmarks needs this landmarker to align faces. */
  landmarker?: string;
  /** Output size of an embedder. */
  dimensions?: number;
  notes: string;
}

const FACEPLUGIN = 'faceplugin-face-recognition-js@0.0.1';

export const MODEL_MANIFEST: readonly ModelEntry[] = [
  {
    id: 'ultraface-rfb320',
    version: '1.0',
    kind: 'detector',
    file: 'fr_detect.onnx',
    sha256: '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854',
    bytes: 1217758,
    licence: 'MIT',
    source: { npm: FACEPLUGIN, path: 'model/fr_detect.onnx' },
    builtIn: true,
    input: { name: 'input', shape: [1, 3, 240, 320], channels: 'rgb', mean: 127, std: 128 },
    outputs: ['scores', 'boxes'],
    tuned: { minDetScore: 0.7 },
    landmarker: 'faceplugin-lmk68',
    notes: 'Ultra-Light-Fast-Generic-Face-Detector-1MB, RFB-320; run on the whole image and on overlapping tiles.',
  },
  {
    id: 'faceplugin-lmk68',
    version: '1.0',
    kind: 'landmarker',
    file: 'fr_landmark.onnx',
    sha256: 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258',
    bytes: 1163742,
    licence: 'MIT',
    source: { npm: FACEPLUGIN, path: 'model/fr_landmark.onnx' },
    builtIn: true,
    input: { name: 'input', shape: [1, 1, 64, 64], channels: 'gray', mean: 0, std: 256 },
    outputs: ['output'],
    tuned: {},
    notes: '68 points (iBUG layout) normalised to the face box, reduced to 5 for alignment.',
  },
  {
    id: 'faceplugin-r512',
    version: '1.0',
    kind: 'embedder',
    file: 'fr_feature.onnx',
    sha256: '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
    bytes: 4884269,
    licence: 'MIT',
    source: { npm: FACEPLUGIN, path: 'model/fr_feature.onnx' },
    builtIn: true,
    input: { name: 'input', shape: [1, 3, 112, 112], channels: 'rgb', mean: 127, std: 128 },
    outputs: ['output'],
    // Tuned with `facetag eval cluster` on ../shared/faces: BCubed F1 0.984 at 0.55-0.60 with 2 faces
    // (0.976 at 0.50; 0.951 at 0.65; minFaces 3 costs 0.015 in recall). The lower end is kept: a
    // wrong merge costs a person more than a missed one.
    tuned: { maxDistance: 0.55, minFaces: 2 },
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
