import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import type { PoolAnalysis } from '../vision/analysis-pool.js';
import type { FaceNeighbours } from './face-neighbours.js';
import { nearestNamedPeople, type PersonMatch } from './nearest-people.js';

type AnalysedFace = PoolAnalysis['faces'][number];

export interface FaceSelection {
  /** Faces to answer for, largest first; 0 for every face. @default 0 */
  maxFaces?: number;
  /** Faces the detector scored under this are left out (the analyser's own minimum applies first). @default 0 */
  minDetScore?: number;
}

/**
 * The faces of an analysis a request asks about: at least `minDetScore`, the `maxFaces` largest
 * (CompreFace's `limit`: "the biggest faces first"), in their order in the photo (top to bottom,
 * left to right) so answers are stable.
 */
export function selectFaces<F extends Pick<AnalysedFace, 'box' | 'detScore'>>(faces: readonly F[], selection: FaceSelection = {}): F[] {
  const kept = faces.filter((f) => f.detScore >= (selection.minDetScore ?? 0));
  const area = (f: F) => f.box.w * f.box.h;
  const largest = selection.maxFaces ? [...kept].sort((a, b) => area(b) - area(a)).slice(0, selection.maxFaces) : kept;
  return largest.sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
}

export interface RecognizedFace<F> {
  face: F;
  /** The nearest named people, nearest first. */
  people: PersonMatch[];
}

/** For each face, the named people it is nearest to (see `nearestNamedPeople`). */
export async function recognizeFaces<F extends Pick<AnalysedFace, 'embedding'>>(
  deps: { catalog: Pick<FaceCatalog, 'getFaceVectors'> & Pick<PeopleCatalog, 'getPerson'> },
  neighbours: FaceNeighbours,
  faces: readonly F[],
  options: { peoplePerFace: number; threshold: number; onStale?: () => void },
): Promise<Array<RecognizedFace<F>>> {
  const out: Array<RecognizedFace<F>> = [];
  for (const face of faces) {
    const people = await nearestNamedPeople(deps, neighbours, face.embedding, { limit: options.peoplePerFace, threshold: options.threshold, ...(options.onStale ? { onStale: options.onStale } : {}) });
    out.push({ face, people });
  }
  return out;
}
