import type { Assignment, Catalog } from '../catalog/catalog.js';
import { clusterAll } from './global-cluster.js';
import type { ClusterParams } from './incremental-assign.js';
import { createVectorIndex } from './create-vector-index.js';
import type { VectorIndex } from './vector-index.js';

export interface ReclusterReport {
  faces: number;
  /** Faces with a human decision (confirmed, manual, xmp): never moved. */
  keptHumanDecisions: number;
  moved: number;
  newlyAssigned: number;
  nowUnassigned: number;
  unchanged: number;
  peopleBefore: number;
  peopleAfter: number;
  peopleCreated: number;
  /** Faces of another embedding model, left alone: they need re-indexing with this model. */
  otherModelFaces: number;
  dryRun: boolean;
}

const HUMAN = new Set(['confirmed', 'manual', 'xmp']);

/**
 * Re-clusters every face of the embedder from scratch (for a new model or new thresholds),
 * keeping every human decision, and keeping person ids and names where a new group is
 * mostly the same faces as an old person. Reports what it changed; `dryRun` changes nothing.
 */
export async function recluster(
  { catalog }: { catalog: Catalog },
  embedderId: string,
  params: ClusterParams,
  options: { dryRun?: boolean; makeIndex?: (dimensions: number) => VectorIndex } = {},
): Promise<ReclusterReport> {
  const faces = await catalog.allFaceVectors(embedderId);
  const counts = await catalog.counts();
  const peopleBefore = (await catalog.listPeople({ includeHidden: true })).length;
  const dims = faces[0]?.embedding.length ?? 512;
  const index = (options.makeIndex ?? createVectorIndex)(dims);
  for (const f of faces) index.add(f.id, f.embedding);
  const rejections = await catalog.allRejections();
  const result = clusterAll({ faces, rejections }, index, params);
  const rejectedPairs = new Set(rejections.map((r) => `${r.faceId}:${r.personId}`));

  // Keep an old person's id (and name) for the new group that holds most of its faces. A person
  // a human decision anchors keeps the group too, when nothing forbids it (no shared photo, no
  // face of the group rejected from them): a change of model or thresholds must not take the
  // faces a named person had off them just because their confirmed faces are far from the rest.
  const anchoredPhotos = new Map<number, Set<number>>();
  const groupPhotos = new Map<number, Set<number>>();
  const overlap = new Map<string, number>();
  for (const f of faces) {
    const c = result.clusterOf.get(f.id);
    if (!c) continue;
    if ('person' in c) {
      addTo(anchoredPhotos, c.person, f.photoId);
      continue;
    }
    addTo(groupPhotos, c.group, f.photoId);
    if (f.personId === null) continue;
    const key = `${c.group}:${f.personId}`;
    overlap.set(key, (overlap.get(key) ?? 0) + 1);
  }
  const groupRejected = new Set<string>();
  for (const r of rejections) {
    const c = result.clusterOf.get(r.faceId);
    if (c && 'group' in c) groupRejected.add(`${c.group}:${r.personId}`);
  }
  const canJoin = (group: number, person: number) => {
    if (groupRejected.has(`${group}:${person}`)) return false;
    const taken = anchoredPhotos.get(person);
    if (!taken) return true;
    for (const photo of groupPhotos.get(group)!) if (taken.has(photo)) return false;
    return true;
  };
  const personOfGroup = new Map<number, number>();
  const claimed = new Set<number>();
  for (const [key] of [...overlap.entries()].sort((a, b) => b[1] - a[1])) {
    const [group, person] = key.split(':').map(Number) as [number, number];
    if (personOfGroup.has(group) || claimed.has(person) || !canJoin(group, person)) continue;
    personOfGroup.set(group, person);
    claimed.add(person);
  }

  const report: ReclusterReport = {
    faces: faces.length, keptHumanDecisions: 0, moved: 0, newlyAssigned: 0, nowUnassigned: 0, unchanged: 0,
    peopleBefore, peopleAfter: 0, peopleCreated: 0, otherModelFaces: counts.faces - faces.length, dryRun: !!options.dryRun,
  };
  const newGroups = new Set<number>();
  for (let g = 0; g < result.groups; g++) if (!personOfGroup.has(g)) newGroups.add(g);
  report.peopleCreated = newGroups.size;
  if (!options.dryRun) {
    for (const g of newGroups) personOfGroup.set(g, await catalog.createPerson(null));
  }

  const assignments: Assignment[] = [];
  for (const f of faces) {
    if (f.source !== null && HUMAN.has(f.source)) {
      report.keptHumanDecisions++;
      continue;
    }
    const c = result.clusterOf.get(f.id);
    let target = !c ? null : 'person' in c ? c.person : personOfGroup.get(c.group) ?? -1 - c.group;
    if (target !== null && rejectedPairs.has(`${f.id}:${target}`)) target = null;
    if (target === f.personId) {
      report.unchanged++;
      continue;
    }
    if (target === null) report.nowUnassigned++;
    else if (f.personId === null) report.newlyAssigned++;
    else report.moved++;
    assignments.push({ faceId: f.id, personId: target, source: target === null ? null : 'auto', distance: null });
  }
  if (!options.dryRun) await catalog.assign(assignments);
  report.peopleAfter = options.dryRun
    ? new Set([...result.clusterOf.values()].map((c) => ('person' in c ? `p${c.person}` : `g${c.group}`))).size
    : (await catalog.listPeople({ includeHidden: true })).length;
  return report;
}

function addTo(map: Map<number, Set<number>>, key: number, value: number) {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
