import type { FaceVector, NewFace, PhotoFailure } from '../catalog/catalog.js';
import { SAME_PLACE_IOU } from '../catalog/face-continuity.js';
import type { WriterTx } from '../catalog/writer-tx.js';
import { assignFaces, type AssignOutcome, type ClusterParams } from '../clustering/incremental-assign.js';
import type { VectorIndex } from '../clustering/vector-index.js';
import type { Deps } from '../deps.js';
import { toAppError } from '../errors.js';
import { applyRegionImport, planRegionImport, type XmpImportCounts } from '../interop/import-regions.js';
import { iou } from '../vision/image.js';
import type { AnalysedFace, PhotoAnalysisResult } from './analysis-result.js';
import { createBatchView } from './batch-view.js';
import { isUnchanged } from './photo-unchanged.js';
import type { SourcePhoto } from '../sources/photo-source.js';

/** How the writer groups results into catalog transactions. */
export interface BatchOptions {
  /** A batch is written once it holds this many photos. @default 256 */
  maxPhotos?: number;
  /**
   * ...or once its first photo has waited this long (ms) for others to arrive; at least: after a
   * batch that took longer to write, the next waits as long as that took (up to 5 s), so a slow
   * catalog gets bigger batches and fewer transactions. @default 20
   */
  maxWaitMs?: number;
}

/** What became of one photo given to the writer. */
export type WriteOutcome =
  | {
    kind: 'written'; photoId: number; faces: number; xmp: XmpImportCounts; assigned: AssignOutcome;
    /** The catalog id of each face of the analysis, in its order; null for one dropped (a box a person dismissed). */
    faceIds: Array<number | null>;
  }
  /** The catalog holds these bytes at this path, analysed by these models, already. */
  | { kind: 'unchanged' }
  /**
   * The photo failed; `recorded` when its failure is in the catalog (the source may let it go),
   * else `refusal` is why the catalog would not take it.
   */
  | { kind: 'failed'; code: string; message: string; recorded: boolean; refusal?: { code: string; message: string } };

type JobInput = { kind: 'photo'; photo: SourcePhoto; sha256: string; analysis: PhotoAnalysisResult } | { kind: 'failure'; failure: PhotoFailure };
type Job = JobInput & { resolve: (o: WriteOutcome) => void; since: number };

/** A face's minimum IoU with a dismissed box for the detection to be dropped. */
const DISMISSED_IOU = 0.5;

const toNewFace = (f: AnalysedFace, model: string, manual: boolean): NewFace => ({
  box: f.box, landmarks: f.landmarks, detScore: f.detScore, quality: f.quality.quality, embedding: f.embedding, model, thumbKey: f.thumbKey, manual,
});

/**
 * The one writer of an index run, whatever analysed the photos: it applies results and failures
 * in the order they arrive, a batch at a time, each batch one catalog transaction. Inside a batch
 * each photo is saved, its XMP regions applied and its faces clustered face by face against the
 * in-memory vector index, in arrival order, so the catalog ends exactly as if the photos had been
 * written one at a time (tested face by face in single-writer.test.ts). A batch that fails is
 * written again photo by photo, so one bad photo fails alone. Killed mid-batch, nothing of the
 * batch is in the catalog: the next run analyses those photos again.
 */
export function createSingleWriter(
  { catalog, blobs, log }: Pick<Deps, 'catalog' | 'blobs' | 'log'>,
  index: VectorIndex,
  params: ClusterParams,
  models: { modelKey: string; embedderId: string },
  options: BatchOptions = {},
) {
  const maxPhotos = options.maxPhotos ?? 256;
  const minWaitMs = options.maxWaitMs ?? 20;
  /** How long the last batch took to write: the next one waits as long for company (see BatchOptions). */
  let lastBatchMs = 0;
  const waitMs = () => (minWaitMs === 0 ? 0 : Math.max(minWaitMs, Math.min(lastBatchMs, 5000)));
  const waiting: Job[] = [];
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let flushNow = 0;
  const idleWaiters: Array<() => void> = [];

  function schedule() {
    if (running || waiting.length === 0) {
      if (!running && waiting.length === 0) for (const w of idleWaiters.splice(0)) w();
      return;
    }
    const waited = Date.now() - waiting[0]!.since;
    if (waiting.length >= maxPhotos || waited >= waitMs() || flushNow > 0) {
      if (timer) clearTimeout(timer);
      timer = null;
      const started = Date.now();
      running = runBatch(takeBatch()).finally(() => {
        lastBatchMs = Date.now() - started;
        running = null;
        schedule();
      });
    } else {
      timer ??= setTimeout(() => {
        timer = null;
        schedule();
      }, waitMs() - waited);
    }
  }

  /** The next batch: up to `maxPhotos`, never one path twice, and a failure (which deletes faces) only last. */
  function takeBatch(): Job[] {
    const batch: Job[] = [];
    const paths = new Set<string>();
    while (waiting.length > 0 && batch.length < maxPhotos) {
      const next = waiting[0]!;
      const path = next.kind === 'photo' ? next.photo.key : next.failure.path;
      if (paths.has(path)) break;
      paths.add(path);
      batch.push(waiting.shift()!);
      if (next.kind === 'failure') break;
    }
    return batch;
  }

  function enqueue(job: JobInput): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      waiting.push({ ...job, resolve, since: Date.now() });
      schedule();
    });
  }

  async function runBatch(jobs: Job[]) {
    const t0 = performance.now();
    const added: number[] = [];
    const removed: number[] = [];
    /** Puts the vector index back as it was before this batch (its transaction rolled back). */
    const undo = async (vectorsOf: (ids: number[]) => Promise<FaceVector[]>) => {
      for (const id of added.splice(0)) index.remove(id);
      const back = removed.splice(0);
      if (back.length > 0) for (const v of await vectorsOf(back)) index.add(v.id, v.embedding);
    };
    try {
      const { outcomes, after } = await catalog.writeBatch(async (tx) => {
        await undo((ids) => tx.faceVectors(ids));
        return writePhotos(tx, jobs, added, removed);
      });
      await after();
      log.debug({ photos: jobs.length, ms: Math.round(performance.now() - t0) }, 'batch written');
      jobs.forEach((job, i) => job.resolve(outcomes[i]!));
    } catch (error) {
      await undo((ids) => catalog.getFaceVectors(ids)).catch((undoError: unknown) => log.error({ code: toAppError(undoError).code }, 'could not restore the vector index after a failed batch'));
      const e = toAppError(error);
      if (jobs.length > 1 && jobs.at(-1)!.kind === 'failure') {
        // A failure's record is the batch's last write: the photos go again without it, then it alone.
        await runBatch(jobs.slice(0, -1));
        await runBatch(jobs.slice(-1));
        return;
      }
      // A photo the catalog refuses fails alone; a catalog that is down fails the batch as a whole.
      if (jobs.length > 1 && e.code !== 'STORE_FAILED') {
        log.warn({ code: e.code, photos: jobs.length }, 'a batch failed; writing its photos one at a time');
        for (const job of jobs) await runBatch([job]);
        return;
      }
      for (const job of jobs) if (job.kind === 'photo') log.warn({ photo: job.sha256.slice(0, 12), code: e.code }, 'photo could not be written');
      const failures = jobs.map((job) => (job.kind === 'failure' ? job.failure : failureOf(job, e)));
      const refusal = await catalog.writeBatch(async (tx) => tx.prune((await tx.recordFailures(failures)).touched)).then(() => null, (recordError: unknown) => {
        const r = toAppError(recordError);
        log.error({ code: r.code, photos: failures.length }, 'could not record a failure');
        return { code: r.code, message: r.message };
      });
      jobs.forEach((job, i) => job.resolve({
        kind: 'failed', code: failures[i]!.code, message: failures[i]!.message, recorded: refusal === null, ...(refusal ? { refusal } : {}),
      }));
    }
  }

  const failureOf = (job: Job & { kind: 'photo' }, e: { code: string; message: string }): PhotoFailure => ({
    path: job.photo.key, sha256: job.sha256, size: job.photo.size, mtimeMs: job.photo.mtimeMs, code: e.code, message: e.message,
  });

  /** One batch inside its transaction; `after` runs once it has committed (blob clean-up). */
  async function writePhotos(tx: WriterTx, jobs: Job[], added: number[], removed: number[]) {
    const view = createBatchView(tx);
    const outcomes: WriteOutcome[] = new Array(jobs.length);
    const photoJobs = jobs.flatMap((job, i) => (job.kind === 'photo' ? [{ job, i }] : []));
    const existing = await tx.existingPhotos(photoJobs.map(({ job }) => job.photo.key));

    const todo = photoJobs.flatMap(({ job, i }) => {
      const before = existing.get(job.photo.key) ?? null;
      if (isUnchanged(before?.record, job.sha256, models.modelKey)) {
        // Written already: a worker that died after sending its result ran the job again, or a second writer.
        outcomes[i] = { kind: 'unchanged' };
        return [];
      }
      // A box a person dismissed is no face; a face drawn by hand there is the face (it is embedded again, not found twice).
      const faces = job.analysis.faces.filter((f) => !before?.dismissed.some((b) => iou(b, f.box) >= DISMISSED_IOU)
        && !before?.manual.some((m) => iou(m.box, f.box) >= SAME_PLACE_IOU));
      const plan = planRegionImport(job.analysis.xmp, faces.map((f) => f.box), before?.manual ?? []);
      if (job.analysis.xmp.problems.length > 0) log.warn({ photo: job.sha256.slice(0, 12), problems: job.analysis.xmp.problems.length }, 'some XMP face regions could not be read');
      const { meta } = job.analysis;
      return [{
        job, i, faces, plan, kept: (before?.manual ?? []).map((f) => f.id),
        dropped: job.analysis.faces.filter((f) => !faces.includes(f)).map((f) => f.thumbKey),
        result: {
          path: job.photo.key, sha256: job.sha256, size: job.photo.size, mtimeMs: job.photo.mtimeMs, width: meta.width, height: meta.height,
          takenAt: meta.takenAt, gps: meta.gps, model: models.modelKey,
          faces: [...faces.map((f) => toNewFace(f, models.embedderId, false)), ...plan.newFaces.map((f) => toNewFace(f, models.embedderId, true))],
        },
      }];
    });
    const saved = await tx.savePhotos(todo.map((t) => t.result));

    // Faces a photo replaces stay as they were until its turn, as they would one photo at a time.
    for (const s of saved) view.holdRemoved(s.removed);
    // A server catalog: the neighbours' states in one statement, from each face searched against
    // the index as it stands (clustering searches again as it goes; the few it finds beyond these
    // are read then). SQLite reads them photo by photo at no cost.
    // Twice the neighbours clustering asks for: the index changes as the batch's faces go in, and
    // a face's search then may reach a little further than it did before the batch.
    const ahead = tx.remote ? todo.flatMap((t) => t.result.faces.flatMap((f) => index.search(f.embedding, 2 * (params.k + 1)).map((h) => h.id))) : [];
    await view.prefetch({ faces: [...ahead, ...todo.flatMap((t) => t.kept), ...saved.flatMap((x) => x.kept)] });

    for (const [n, t] of todo.entries()) {
      const s = saved[n]!;
      view.forget(s.removed);
      for (const f of s.removed) {
        if (!index.has(f.id)) continue;
        index.remove(f.id);
        removed.push(f.id);
      }
      const faces = t.result.faces.map((f, k) => ({
        id: s.faceIds[k]!, photoId: s.photoId, quality: f.quality, embedding: f.embedding,
        personId: s.faces[k]!.personId, source: s.faces[k]!.source, rejected: s.faces[k]!.rejected,
      }));
      view.addPhoto(s.photoId, faces, [...t.kept, ...s.kept]);
      for (const f of faces) {
        index.add(f.id, f.embedding);
        added.push(f.id);
      }
      const detected = s.faceIds.slice(0, t.faces.length);
      const xmp = await applyRegionImport(view.view, t.plan, s.photoId, detected, s.faceIds.slice(t.faces.length));
      const assigned = await assignFaces({ catalog: view.view, index: await searchedAhead(view, faces.slice(0, t.faces.length)) }, detected, params);
      const idOf = new Map(t.faces.map((f, k) => [f, s.faceIds[k]!]));
      outcomes[t.i] = {
        kind: 'written', photoId: s.photoId, faces: t.result.faces.length, xmp, assigned, faceIds: t.job.analysis.faces.map((f) => idOf.get(f) ?? null),
      };
    }
    // A failure is only ever the batch's last job (it deletes the photo's faces): recorded after the rest.
    const failures = jobs.flatMap((job, i) => (job.kind === 'failure' ? [{ job, i }] : []));
    view.touch((await tx.recordFailures(failures.map(({ job }) => job.failure))).touched);
    for (const { job, i } of failures) outcomes[i] = { kind: 'failed', code: job.failure.code, message: job.failure.message, recorded: true };
    await view.flush();

    return {
      outcomes,
      after: async () => {
        for (const [n, t] of todo.entries()) {
          const using = new Set(t.result.faces.map((f) => f.thumbKey));
          for (const key of [...t.dropped, ...saved[n]!.removedThumbKeys]) {
            if (!using.has(key)) await blobs.delete(key).catch((error: unknown) => log.warn({ code: toAppError(error).code }, 'could not delete an unused face thumbnail'));
          }
        }
      },
    };
  }

  /**
   * Searches the index for each of a photo's faces (as clustering is about to, the index being
   * as it will be then) and loads the neighbours' states in one statement; clustering's own
   * searches are then answered from these, so each face is searched once.
   */
  async function searchedAhead(view: ReturnType<typeof createBatchView>, faces: Array<{ embedding: Float32Array }>): Promise<Pick<VectorIndex, 'search'>> {
    const k = params.k + 1;
    const found = new Map(faces.map((f) => [f.embedding, index.search(f.embedding, k)]));
    await view.prefetch({ faces: [...found.values()].flatMap((hits) => hits.map((h) => h.id)) });
    return { search: (vector, n) => (n === k ? found.get(vector) : undefined) ?? index.search(vector, n) };
  }

  return {
    ...models,
    /** Writes a photo's analysis; resolves once its batch has committed (or failed). */
    write(photo: SourcePhoto, sha256: string, analysis: PhotoAnalysisResult): Promise<WriteOutcome> {
      if (analysis.modelKey !== models.modelKey) {
        return fail(photo, sha256, {
          code: 'MODEL_MISMATCH', message: `a worker analysed this photo with ${analysis.modelKey}, not ${models.modelKey}; give every node the same models`,
        });
      }
      return enqueue({ kind: 'photo', photo, sha256, analysis });
    },
    /** Records that a photo failed (its earlier faces go); resolves once the failure is in the catalog, or could not be. */
    fail,
    /**
     * Clusters again the faces that found no person when they arrived (they may have company
     * now that the run is complete), in batches like any other write.
     */
    async clusterWaiting(): Promise<AssignOutcome> {
      await this.idle();
      const total: AssignOutcome = { assigned: 0, created: 0, unassigned: 0 };
      const ids = (await catalog.listFaces({ unassigned: true })).filter((f) => f.model === models.embedderId && f.source === null).map((f) => f.id);
      for (let start = 0; start < ids.length; start += maxPhotos * 2) {
        const some = ids.slice(start, start + maxPhotos * 2);
        const outcome = await catalog.writeBatch(async (tx) => {
          const view = createBatchView(tx);
          await view.prefetch({ vectors: some });
          const vectors = await view.view.getFaceVectors(some);
          await view.prefetch({ rejectionsOf: some, photos: vectors.map((v) => v.photoId) });
          // Nothing is added to the index during this pass: every face's search can be done ahead.
          const o = await assignFaces({ catalog: view.view, index: await searchedAhead(view, vectors) }, some, params);
          await view.flush();
          return o;
        });
        total.assigned += outcome.assigned;
        total.created += outcome.created;
        total.unassigned += outcome.unassigned;
      }
      // Batches prune the people they touched; once a run, any other left empty (by a crashed writer) goes too.
      await catalog.writeBatch((tx) => tx.prune([], { stale: true }));
      return total;
    },
    /** Faces embedded again outside a batch (a change of models): their new vectors replace the old in the index. */
    reindexFaces(vectors: ReadonlyArray<{ faceId: number; embedding: Float32Array }>) {
      for (const v of vectors) {
        if (index.has(v.faceId)) index.remove(v.faceId);
        index.add(v.faceId, v.embedding);
      }
    },
    /** Writes what is waiting at once and resolves when nothing is left. */
    async idle(): Promise<void> {
      flushNow++;
      try {
        schedule();
        while (running || waiting.length > 0) {
          await new Promise<void>((resolve) => {
            idleWaiters.push(resolve);
            schedule();
          });
        }
      } finally {
        flushNow--;
      }
    },
  };

  function fail(photo: SourcePhoto, sha256: string | null, e: { code: string; message: string }): Promise<WriteOutcome> {
    return enqueue({ kind: 'failure', failure: { path: photo.key, sha256, size: photo.size, mtimeMs: photo.mtimeMs, code: e.code, message: e.message } });
  }
}

export type SingleWriter = ReturnType<typeof createSingleWriter>;
