import { join, relative, sep } from 'node:path';
import type { Deps } from '../context.js';
import { indexFolder } from '../ingest/index-folder.js';
import { poolTransport } from '../ingest/pool-transport.js';
import type { IndexOptions, IndexSummary } from '../ingest/index-summary.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { largestFace } from './analyse-photos.js';
import type { Dataset } from './dataset.js';
import { bcubed, fixCounts, pairwiseF1, type Labelled, type PrecisionRecall } from './metrics.js';

export interface ClusterReport {
  models: string;
  /** Which face of a labelled photo is its person. */
  face: 'largest';
  photos: number;
  identities: number;
  /** Distinct people the labelled faces were put in. */
  people: number;
  /** Labelled faces left in no person (each counted as a cluster of its own). */
  unassigned: number;
  /** Labelled photos in which no face was found (each counted as a cluster of its own). */
  noFace: string[];
  /** Distinct clusters, singletons included. */
  clusters: number;
  bcubed: PrecisionRecall;
  pairwise: PrecisionRecall;
  /** Corrections a person must make: splits of people mixing identities, merges of identities spread over clusters. */
  fixes: { splits: number; merges: number; splitsPer1000Faces: number; mergesPer1000Faces: number };
  /** People holding more than one identity, with the photos of each. */
  mixed: Array<{ person: number; identities: Record<string, number> }>;
  /** Identities spread over more than one cluster. */
  scattered: Array<{ identity: string; photos: number; people: number; unassigned: number; noFace: number }>;
  index: Pick<IndexSummary, 'faces' | 'people' | 'unassigned' | 'durationMs'> & { failed: number };
}

/**
 * Clustering quality of the real pipeline: indexes images/ of the set into the given (empty)
 * catalog, which also groups faces into people, then scores the person of the largest face of
 * each labelled photo against its identity.
 */
export async function evalCluster(
  deps: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  pool: AnalysisPool,
  dataset: Dataset,
  options: IndexOptions = {},
): Promise<ClusterReport> {
  const summary = await indexFolder(deps, poolTransport(deps, pool), join(dataset.dir, 'images'), options);
  const { catalog } = deps;
  const fileOf = new Map((await catalog.listPhotos()).map((p) => [p.id, relative(dataset.dir, p.path).split(sep).join('/')]));
  const facesByFile = new Map<string, Awaited<ReturnType<typeof catalog.listFaces>>>();
  for (const face of await catalog.listFaces()) {
    const file = fileOf.get(face.photoId);
    if (file !== undefined) facesByFile.set(file, [...(facesByFile.get(file) ?? []), face]);
  }

  const items: Array<Labelled & { personId: number | null; hasFace: boolean }> = dataset.labelled.map((p) => {
    const face = largestFace(facesByFile.get(p.file) ?? []);
    if (!face) return { truth: p.identity, predicted: `photo:${p.file}`, personId: null, hasFace: false };
    return { truth: p.identity, predicted: face.personId === null ? `face:${face.id}` : `person:${face.personId}`, personId: face.personId, hasFace: true };
  });

  const fixes = fixCounts(items);
  const per1000 = (n: number) => (1000 * n) / items.length;

  const byPerson = new Map<number, Record<string, number>>();
  for (const i of items) {
    if (i.personId === null) continue;
    const counts = byPerson.get(i.personId) ?? {};
    counts[i.truth] = (counts[i.truth] ?? 0) + 1;
    byPerson.set(i.personId, counts);
  }
  const byIdentity = new Map<string, typeof items>();
  for (const i of items) byIdentity.set(i.truth, [...(byIdentity.get(i.truth) ?? []), i]);

  return {
    models: pool.modelKey,
    face: 'largest',
    photos: items.length,
    identities: fixes.identities,
    people: byPerson.size,
    unassigned: items.filter((i) => i.hasFace && i.personId === null).length,
    noFace: items.filter((i) => !i.hasFace).map((i) => i.predicted.slice('photo:'.length)),
    clusters: fixes.clusters,
    bcubed: bcubed(items),
    pairwise: pairwiseF1(items),
    fixes: { splits: fixes.splits, merges: fixes.merges, splitsPer1000Faces: per1000(fixes.splits), mergesPer1000Faces: per1000(fixes.merges) },
    mixed: [...byPerson].filter(([, ids]) => Object.keys(ids).length > 1).map(([person, identities]) => ({ person, identities })),
    scattered: [...byIdentity].flatMap(([identity, list]) => {
      if (new Set(list.map((i) => i.predicted)).size < 2) return [];
      return [{
        identity, photos: list.length,
        people: new Set(list.filter((i) => i.personId !== null).map((i) => i.personId)).size,
        unassigned: list.filter((i) => i.hasFace && i.personId === null).length,
        noFace: list.filter((i) => !i.hasFace).length,
      }];
    }),
    index: { faces: summary.faces, people: summary.people, unassigned: summary.unassigned, durationMs: summary.durationMs, failed: summary.photos.failed },
  };
}
