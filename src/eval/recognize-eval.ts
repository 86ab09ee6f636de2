import type { FaceVector, PersonRecord } from '../catalog/catalog.js';
import { createExactIndex } from '../clustering/vector-index.js';
import type { IndexProgress } from '../ingest/index-summary.js';
import { nearestNamedPeople } from '../recognition/nearest-people.js';
import { MATCH_SIMILARITY } from '../recognition/similarity.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { analysePhotos, largestFace } from './analyse-photos.js';
import type { Dataset } from './dataset.js';
import { median } from './metrics.js';

/** One query's answer: the top named person, or none. */
export interface RecognitionMiss {
  file: string;
  identity: string;
  /** The top answer: a wrong person above the threshold, or the right one below it. */
  answered: string | null;
  similarity: number | null;
}

export interface RecognizeReport {
  models: string;
  face: 'largest';
  /** The library's match threshold (cosine distance) and the similarity it is answered as. */
  threshold: { distance: number; similarity: number };
  photos: number;
  notEnrolled: string[];
  /**
   * Named people, held back in turn: each labelled photo of an identity with two or more photos
   * is recognised against all the other photos, every identity named.
   */
  known: {
    queries: number;
    /** The nearest named person is the right one. */
    top1Accuracy: number;
    /** The right person, at or above the threshold (what a client calls a match). */
    recognised: number;
    /** A wrong person at or above the threshold. */
    wrongMatches: number;
    /** Below the threshold: answered as nobody known. */
    noMatch: number;
    medianSimilarity: { right: number; wrong: number };
  };
  /**
   * Strangers: each identity in turn is left out of the library, and its photos recognised
   * against everyone else; any match at or above the threshold is wrong.
   */
  strangers: {
    queries: number;
    wrongMatches: number;
    wrongMatchRate: number;
    medianSimilarity: number;
  };
  /** Known queries answered wrong above the threshold, right below it; strangers matched. */
  misses: { wrongMatches: RecognitionMiss[]; noMatch: RecognitionMiss[]; strangersMatched: RecognitionMiss[] };
}

/**
 * Recognition of held-back photos, through the code the API answers with
 * (`nearestNamedPeople`: nearest named person by nearest face, calibrated similarity, the
 * library's match threshold). The largest face of each labelled photo is its person; every
 * identity's name is its folder name.
 */
export async function evalRecognize(
  pool: Pick<AnalysisPool, 'analyse' | 'size' | 'modelKey'>,
  dataset: Dataset,
  threshold: number,
  onProgress?: (p: IndexProgress) => void,
): Promise<RecognizeReport> {
  const analysed = await analysePhotos(pool, dataset.labelled.map((p) => p.path), onProgress);
  // Gallery faces are numbered from 1, in manifest order; each identity is a named person.
  const identities = [...new Set(dataset.labelled.map((p) => p.identity))];
  const personOf = new Map(identities.map((name, i) => [name, i + 1]));
  const faces: Array<{ id: number; file: string; identity: string; embedding: Float32Array }> = [];
  const notEnrolled: string[] = [];
  dataset.labelled.forEach((p, i) => {
    const face = largestFace(analysed[i]!.faces);
    if (face) faces.push({ id: faces.length + 1, file: p.file, identity: p.identity, embedding: face.embedding });
    else notEnrolled.push(p.file);
  });
  const index = createExactIndex(faces[0]?.embedding.length ?? 1);
  for (const f of faces) index.add(f.id, f.embedding);
  const byId = new Map(faces.map((f) => [f.id, f]));
  const people = new Map<number, PersonRecord>(identities.map((name, i) => [i + 1, {
    id: i + 1, name, hidden: false, faceCount: 0, coverFaceId: null, createdAt: '', mergedInto: null,
  }]));
  const catalog = {
    getFaceVectors: async (ids: number[]): Promise<FaceVector[]> => ids.map((id) => byId.get(id)!).map((f) => ({
      id: f.id, photoId: f.id, personId: personOf.get(f.identity)!, source: 'confirmed', quality: 1, embedding: f.embedding,
    })),
    getPerson: async (id: number) => people.get(id) ?? null,
  };
  /** The top named person for `query`, searching the gallery without the faces `leftOut` says. */
  const top = async (query: (typeof faces)[number], leftOut: (f: (typeof faces)[number]) => boolean) => {
    const hidden = faces.filter(leftOut).map((f) => f.id);
    const neighbours = async (embedding: Float32Array, k: number) => index.search(embedding, k + hidden.length)
      .filter((h) => !hidden.includes(h.id)).slice(0, k).map((h) => ({ faceId: h.id, distance: h.distance }));
    return (await nearestNamedPeople({ catalog }, neighbours, query.embedding, { limit: 1, threshold }))[0] ?? null;
  };

  const counts = new Map<string, number>();
  for (const f of faces) counts.set(f.identity, (counts.get(f.identity) ?? 0) + 1);
  const known = { queries: 0, right: 0, recognised: 0, wrongMatches: 0, noMatch: 0 };
  const similarities = { right: [] as number[], wrong: [] as number[], strangers: [] as number[] };
  const misses: RecognizeReport['misses'] = { wrongMatches: [], noMatch: [], strangersMatched: [] };
  for (const q of faces) {
    if (counts.get(q.identity)! < 2) continue;
    const answer = await top(q, (f) => f.id === q.id);
    known.queries++;
    const right = answer?.name === q.identity;
    if (right) known.right++;
    if (answer) (right ? similarities.right : similarities.wrong).push(answer.similarity);
    const miss = { file: q.file, identity: q.identity, answered: answer?.name ?? null, similarity: answer?.similarity ?? null };
    if (right && answer.match) known.recognised++;
    else if (answer?.match) {
      known.wrongMatches++;
      misses.wrongMatches.push(miss);
    } else {
      known.noMatch++;
      misses.noMatch.push(miss);
    }
  }
  let strangerMatches = 0;
  for (const q of faces) {
    const answer = await top(q, (f) => f.identity === q.identity);
    if (!answer) continue;
    similarities.strangers.push(answer.similarity);
    if (answer.match) {
      strangerMatches++;
      misses.strangersMatched.push({ file: q.file, identity: q.identity, answered: answer.name, similarity: answer.similarity });
    }
  }
  return {
    models: pool.modelKey,
    face: 'largest',
    threshold: { distance: threshold, similarity: MATCH_SIMILARITY },
    photos: dataset.labelled.length,
    notEnrolled,
    known: {
      queries: known.queries,
      top1Accuracy: known.queries ? known.right / known.queries : Number.NaN,
      recognised: known.recognised,
      wrongMatches: known.wrongMatches,
      noMatch: known.noMatch,
      medianSimilarity: { right: median(similarities.right), wrong: median(similarities.wrong) },
    },
    strangers: {
      queries: faces.length,
      wrongMatches: strangerMatches,
      wrongMatchRate: faces.length ? strangerMatches / faces.length : Number.NaN,
      medianSimilarity: median(similarities.strangers),
    },
    misses,
  };
}
