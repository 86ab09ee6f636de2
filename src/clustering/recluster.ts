import type { Assignment, Catalog } from '../catalog/catalog.js';
import type { DecisionCatalog } from '../catalog/decision-catalog.js';
import type { FaceCatalog } from '../catalog/face-catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';
import { buildVectorIndex } from './create-vector-index.js';
import { FACE_PAGE, facePages, packFacePages, type FaceTable } from './face-table.js';
import { clusterAll } from './global-cluster.js';
import type { ClusterParams } from './incremental-assign.js';
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

/**
 * Re-clusters every face of the embedder from scratch (for a new model or new thresholds),
 * keeping every human decision, and keeping person ids and names where a new group is
 * mostly the same faces as an old person. Reports what it changed; `dryRun` changes nothing.
 */
export async function recluster(
  { catalog }: { catalog:
    Pick<FaceCatalog, 'allFaceVectors'>
    & Pick<PeopleCatalog, 'listPeople' | 'createPerson'>
    & Pick<DecisionCatalog, 'allRejections' | 'assign'>
    & Pick<Catalog, 'counts'>
  },
  embedderId: string,
  params: ClusterParams,
  options: { dryRun?: boolean; makeIndex?: (faces: FaceTable) => VectorIndex; /** Faces read per catalog call. @default 5000 */ pageSize?: number } = {},
): Promise<ReclusterReport> {
  // Read a page at a time straight into the table: a face object is over a KB (a million of
  // them ~0.8 GB more at the peak), the table ~30 bytes a face plus the float16 embedding.
  const faces = await packFacePages(facePages(catalog, embedderId, options.pageSize ?? FACE_PAGE));
  const counts = await catalog.counts();
  const peopleBefore = (await catalog.listPeople({ includeHidden: true })).length;
  const rejections = await catalog.allRejections();
  // The index is only needed for the neighbour search inside clusterAll: built here, it is
  // garbage once that returns.
  const result = clusterAll({ faces, rejections }, (options.makeIndex ?? buildVectorIndex)(faces), params);
  const rejectedPairs = new Set(rejections.map((r) => `${r.faceId}:${r.personId}`));

  // Keep an old person's id (and name) for the new group that holds most of its faces. A person
  // a human decision anchors keeps the group too, when nothing forbids it (no shared photo, no
  // face of the group rejected from them): a change of model or thresholds must not take the
  // faces a named person had off them just because their confirmed faces are far from the rest.
  const anchoredPhotos = new Map<number, Set<number>>();
  const groupPhotos = new Map<number, Set<number>>();
  const overlap = new Map<string, number>();
  for (let i = 0; i < faces.count; i++) {
    const anchored = result.person[i]!, g = result.group[i]!, person = faces.personId[i]!;
    if (!Number.isNaN(anchored)) {
      addTo(anchoredPhotos, anchored, faces.photoId[i]!);
      continue;
    }
    if (g < 0) continue;
    addTo(groupPhotos, g, faces.photoId[i]!);
    if (Number.isNaN(person)) continue;
    const key = `${g}:${person}`;
    overlap.set(key, (overlap.get(key) ?? 0) + 1);
  }
  const groupRejected = new Set<string>();
  const rejectedFrom = new Map<number, number[]>();
  for (const r of rejections) rejectedFrom.set(r.faceId, [...(rejectedFrom.get(r.faceId) ?? []), r.personId]);
  for (let i = 0; i < faces.count && rejectedFrom.size > 0; i++) {
    const people = rejectedFrom.get(faces.id[i]!), g = result.group[i]!;
    if (people && g >= 0) for (const person of people) groupRejected.add(`${g}:${person}`);
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
    faces: faces.count, keptHumanDecisions: 0, moved: 0, newlyAssigned: 0, nowUnassigned: 0, unchanged: 0,
    peopleBefore, peopleAfter: 0, peopleCreated: 0, otherModelFaces: counts.faces - faces.count, dryRun: !!options.dryRun,
  };
  const newGroups = new Set<number>();
  for (let g = 0; g < result.groups; g++) if (!personOfGroup.has(g)) newGroups.add(g);
  report.peopleCreated = newGroups.size;
  if (!options.dryRun) {
    for (const g of newGroups) personOfGroup.set(g, await catalog.createPerson(null));
  }

  const assignments: Assignment[] = [];
  for (let i = 0; i < faces.count; i++) {
    if (faces.human[i]) {
      report.keptHumanDecisions++;
      continue;
    }
    const faceId = faces.id[i]!;
    const before = Number.isNaN(faces.personId[i]!) ? null : faces.personId[i]!;
    const person = result.person[i]!, g = result.group[i]!;
    let target = !Number.isNaN(person) ? person : g < 0 ? null : personOfGroup.get(g) ?? -1 - g;
    if (target !== null && rejectedPairs.has(`${faceId}:${target}`)) target = null;
    if (target === before) {
      report.unchanged++;
      continue;
    }
    if (target === null) report.nowUnassigned++;
    else if (before === null) report.newlyAssigned++;
    else report.moved++;
    assignments.push({ faceId, personId: target, source: target === null ? null : 'auto', distance: null });
  }
  if (!options.dryRun) await catalog.assign(assignments);
  if (options.dryRun) {
    const clusters = new Set<string>();
    for (let i = 0; i < faces.count; i++) {
      if (!Number.isNaN(result.person[i]!)) clusters.add(`p${result.person[i]}`);
      else if (result.group[i]! >= 0) clusters.add(`g${result.group[i]}`);
    }
    report.peopleAfter = clusters.size;
  } else {
    report.peopleAfter = (await catalog.listPeople({ includeHidden: true })).length;
  }
  return report;
}

function addTo(map: Map<number, Set<number>>, key: number, value: number) {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
