import type { IndexProgress } from '../ingest/index-summary.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { analysePhotos, type PhotoFaces } from './analyse-photos.js';
import type { Dataset } from './dataset.js';
import { detectionRecall, median } from './metrics.js';

/** Tight face crops (both sides at most this) need padding to be found; they are reported apart. */
export const CROP_MAX_SIDE_PX = 160;

export interface MissRate {
  photos: number;
  missed: number;
  /** Share of photos in which no face was found. */
  missRate: number;
}

export interface DetectReport {
  models: string;
  groups: {
    photos: number;
    facesExpected: number;
    detections: number;
    recall: number;
    /** Faces detected but dropped as smaller than vision.minFaceSizePx (not counted as found). */
    dropped: number;
    /** The detector's own recall: as `recall`, counting the faces dropped for their size as found. */
    recallBeforeSizeFilter: number;
    perPhoto: Array<{ file: string; expected: number; found: number; dropped: number }>;
  };
  noface: { photos: number; detections: number; falsePositivesPerImage: number; withDetections: Array<{ file: string; found: number }> };
  labelled: { all: MissRate; withoutCrops: MissRate; crops: number; missed: string[] };
  timing: { medianMsPerPhoto: number; medianDetectMs: number };
  failures: Array<{ file: string; code: string; message: string }>;
}

/**
 * Detection quality on a labelled set: face recall on groups/ (extra detections not credited),
 * detections on noface/ (all false), and the share of labelled photos with no face at all,
 * with and without the tight face crops.
 */
export async function evalDetect(
  pool: Pick<AnalysisPool, 'analyse' | 'size' | 'modelKey'>,
  dataset: Dataset,
  onProgress?: (p: IndexProgress) => void,
): Promise<DetectReport> {
  const photos = [...dataset.groups, ...dataset.noface, ...dataset.labelled];
  const analysed = await analysePhotos(pool, photos.map((p) => p.path), onProgress);
  const byPath = new Map(analysed.map((a) => [a.path, a]));
  const of = (p: { path: string }) => byPath.get(p.path)!;

  const perPhoto = dataset.groups.map((p) => ({ file: p.file, expected: p.facesExpected, found: of(p).faces.length, dropped: of(p).dropped }));
  const noface = dataset.noface.map((p) => ({ file: p.file, found: of(p).faces.length }));
  const isCrop = (a: PhotoFaces) => a.width !== null && a.height !== null && a.width <= CROP_MAX_SIDE_PX && a.height <= CROP_MAX_SIDE_PX;
  const missRate = (list: typeof dataset.labelled): MissRate => {
    const missed = list.filter((p) => of(p).faces.length === 0).length;
    return { photos: list.length, missed, missRate: list.length ? missed / list.length : Number.NaN };
  };
  const ok = analysed.filter((a) => a.error === null);
  return {
    models: pool.modelKey,
    groups: {
      photos: perPhoto.length,
      facesExpected: perPhoto.reduce((s, p) => s + p.expected, 0),
      detections: perPhoto.reduce((s, p) => s + p.found, 0),
      recall: detectionRecall(perPhoto),
      dropped: perPhoto.reduce((s, p) => s + p.dropped, 0),
      recallBeforeSizeFilter: detectionRecall(perPhoto.map((p) => ({ found: p.found + p.dropped, expected: p.expected }))),
      perPhoto,
    },
    noface: {
      photos: noface.length,
      detections: noface.reduce((s, p) => s + p.found, 0),
      falsePositivesPerImage: noface.length ? noface.reduce((s, p) => s + p.found, 0) / noface.length : Number.NaN,
      withDetections: noface.filter((p) => p.found > 0),
    },
    labelled: {
      all: missRate(dataset.labelled),
      withoutCrops: missRate(dataset.labelled.filter((p) => !isCrop(of(p)))),
      crops: dataset.labelled.filter((p) => isCrop(of(p))).length,
      missed: dataset.labelled.filter((p) => of(p).faces.length === 0).map((p) => p.file),
    },
    timing: { medianMsPerPhoto: median(ok.map((a) => a.ms)), medianDetectMs: median(ok.map((a) => a.detectMs)) },
    failures: photos.flatMap((p) => {
      const e = of(p).error;
      return e ? [{ file: p.file, ...e }] : [];
    }),
  };
}
