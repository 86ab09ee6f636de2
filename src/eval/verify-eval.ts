import { AppError } from '../errors.js';
import type { IndexProgress } from '../ingest/index-summary.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { analysePhotos, largestFace } from './analyse-photos.js';
import type { Dataset } from './dataset.js';
import { accuracyAt, cosineDistance, median, rocAuc, tarAtFar, type ScoredPair, type TarAtFar } from './metrics.js';

/** The false accept rates reported. */
export const FARS = [0.01, 0.001] as const;

export interface VerifyReport {
  models: string;
  /** Which face of a labelled photo is its person. */
  face: 'largest';
  photos: number;
  notEnrolled: string[];
  /** Share of labelled photos in which no face was found to embed. */
  failureToEnrol: number;
  pairs: { same: number; different: number; withMissingFace: number };
  auc: number;
  /** At the configured clustering threshold: same person when cosine distance <= maxDistance. */
  atThreshold: { maxDistance: number; accuracy: number; tar: number; far: number };
  atFar: TarAtFar[];
  /** Over the pairs with both faces found. */
  medianDistance: { same: number; different: number };
  /** The same-person pairs furthest apart and the different-person pairs closest together. */
  hardest: { same: HardPair[]; different: HardPair[] };
}

export interface HardPair {
  fileA: string;
  fileB: string;
  distance: number;
}

/**
 * Face verification over pairs.csv: the largest face of each labelled photo is embedded, and
 * each pair is scored by the cosine distance of its two embeddings. A pair with a photo where
 * no face was found is a wrong answer: a same pair scores worst (never accepted), a different
 * pair scores as a false match (always accepted).
 */
export async function evalVerify(
  pool: Pick<AnalysisPool, 'analyse' | 'size' | 'modelKey'>,
  dataset: Dataset,
  maxDistance: number,
  onProgress?: (p: IndexProgress) => void,
): Promise<VerifyReport> {
  if (!dataset.pairs || dataset.pairs.length === 0) {
    throw new AppError('NOT_FOUND', `${dataset.dir} has no pairs in pairs.csv; verification needs pairs.csv with file_a,file_b,same over files of images/`);
  }
  const analysed = await analysePhotos(pool, dataset.labelled.map((p) => p.path), onProgress);
  const embeddings = new Map<string, Float32Array>();
  dataset.labelled.forEach((p, i) => {
    const face = largestFace(analysed[i]!.faces);
    if (face) embeddings.set(p.file, face.embedding);
  });

  let withMissingFace = 0;
  const scored: Array<ScoredPair & { fileA: string; fileB: string }> = dataset.pairs.map(({ fileA, fileB, same }) => {
    const a = embeddings.get(fileA);
    const b = embeddings.get(fileB);
    if (a && b) return { fileA, fileB, same, distance: cosineDistance(a, b) };
    withMissingFace++;
    return { fileA, fileB, same, distance: same ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY };
  });
  const same = scored.filter((p) => p.same);
  const different = scored.filter((p) => !p.same);
  const found = (p: ScoredPair) => Number.isFinite(p.distance);
  const hardest = (list: typeof scored, order: 1 | -1) => list.filter(found).sort((a, b) => order * (a.distance - b.distance))
    .slice(0, 5).map(({ fileA, fileB, distance }) => ({ fileA, fileB, distance }));
  const notEnrolled = dataset.labelled.filter((p) => !embeddings.has(p.file)).map((p) => p.file);

  return {
    models: pool.modelKey,
    face: 'largest',
    photos: dataset.labelled.length,
    notEnrolled,
    failureToEnrol: notEnrolled.length / dataset.labelled.length,
    pairs: { same: same.length, different: different.length, withMissingFace },
    auc: rocAuc(scored),
    atThreshold: {
      maxDistance,
      accuracy: accuracyAt(scored, maxDistance),
      tar: same.filter((p) => p.distance <= maxDistance).length / same.length,
      far: different.filter((p) => p.distance <= maxDistance).length / different.length,
    },
    atFar: FARS.map((far) => tarAtFar(scored, far)),
    medianDistance: { same: median(same.filter(found).map((p) => p.distance)), different: median(different.filter(found).map((p) => p.distance)) },
    hardest: { same: hardest(same, -1), different: hardest(different, 1) },
  };
}
