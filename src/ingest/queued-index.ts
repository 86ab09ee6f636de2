import { createHash } from 'node:crypto';
import { assignFaces } from '../cluster/incremental-assign.js';
import { clusterParams } from '../cluster/cluster-params.js';
import { createVectorIndex } from '../cluster/create-vector-index.js';
import type { Deps } from '../context.js';
import { AppError, toAppError } from '../errors.js';
import type { XmpImportCounts } from '../interop/import-regions.js';
import { decodeAnalysis } from '../queue/analysis-codec.js';
import { parseFailureReason } from '../queue/job-failure.js';
import { jobId, type JobPayload, type PhotoSourceRef } from '../queue/jobs.js';
import type { JobQueue } from '../queue/queue.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { findModel } from '../vision/model-manifest.js';
import { recordClusterChange, recordPhotoFailed, recordPhotoSkipped, recordPhotoWritten, recordStages } from '../metrics/record.js';
import type { IndexOptions, IndexSummary } from './index-photos.js';
import { splitListing, type PhotoSource, type SourcePhoto } from './photo-source.js';
import { cropsLocation } from './analyse-job.js';
import { commitPhoto, preparePhoto } from './store-photo.js';
import { finishIndexSummary, noteExifDropped, startIndexSummary } from './index-summary.js';
import { oneAtATime } from './one-at-a-time.js';
import { clearListedFolderFailures, createFailureRecorder } from './failure-record.js';

export interface QueuedIndexOptions extends IndexOptions {
  /** With no result for this long, the writer asks the queue about the photos it waits for. @default 5000 */
  sweepMs?: number;
  /** Results the writer prepares at once (thumbnail bookkeeping, XMP); commits stay one at a time. @default 4 */
  writerConcurrency?: number;
}

type CommitResult = JobPayload<'commit'>['result'];

/**
 * Indexes `source` with the analysis spread over `facetag worker` processes: the scheduler
 * (here) lists the source, reads and hashes each photo (cheap beside analysis, and it makes the
 * job id the photo's content: `analyse:<sha256>`), skips unchanged photos and queues the rest;
 * workers analyse and send back `commit` jobs; the single writer (here) applies them to the
 * catalog one at a time, so clustering sees every face in order. Killed workers, a restarted
 * Redis or a second scheduler change nothing: jobs are content-keyed and commits idempotent,
 * and a sweep re-queues a photo whose jobs were lost. Returns when every photo has a result.
 *
 * `analyser` is the management's own, used only to embed hand-drawn XMP regions (lazily).
 */
export async function indexWithQueue(
  { config, catalog, blobs, log }: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse'>,
  queue: JobQueue,
  source: PhotoSource,
  sourceRef: PhotoSourceRef,
  options: QueuedIndexOptions = {},
): Promise<IndexSummary> {
  const started = performance.now();
  const listing = splitListing(await source.list());
  const files = listing.photos;
  await clearListedFolderFailures({ catalog }, source, files);
  const params = clusterParams(config);
  const index = createVectorIndex(findModel(analyser.embedderId.split('@')[0]!)?.dimensions ?? 512);
  for (const v of await catalog.allFaceVectors(analyser.embedderId)) index.add(v.id, v.embedding);
  log.info({ photos: files.length, facesKnown: index.size, driver: queue.driver }, 'queued index run started');

  const { summary, stages } = startIndexSummary(files.length);
  summary.skipped = listing.skippedByReason;
  for (const entry of listing.skipped) await source.settle(entry, 'done');
  let done = 0;
  const progress = () => options.onProgress?.({ total: files.length, done, failed: summary.photos.failed, faces: summary.newFaces });

  // One writer: results are applied to the catalog and the index in order, one at a time.
  const writer = oneAtATime();
  const serially = writer.run;
  const failures = createFailureRecorder({ catalog, log }, source, serially);

  /** Photos queued and not yet written, by content hash (two files may hold the same bytes). */
  const pending = new Map<string, SourcePhoto[]>();
  let scheduling = true;
  let lastActivity = Date.now();
  let wake: () => void = () => {};
  const finished = () => !scheduling && pending.size === 0;

  // Metrics (IndexOptions.metrics): what this writer stores, as indexPhotos records it; analysis stages are the workers'.
  const metrics = options.metrics;
  const countAssignments = (o: { assigned: number; created: number }) => {
    if (!metrics) return;
    recordClusterChange(metrics, 'face_assigned', o.assigned);
    recordClusterChange(metrics, 'person_created', o.created);
  };

  async function fail(photo: SourcePhoto, sha256: string | null, e: { code: string; message: string }) {
    summary.photos.failed++;
    if (metrics) recordPhotoFailed(metrics, e.code);
    summary.failures.push({ file: source.displayName(photo), code: e.code, message: e.message });
    await record(photo, sha256, e);
  }

  async function record(photo: SourcePhoto, sha256: string | null, e: { code: string; message: string }) {
    log.warn({ photo: sha256?.slice(0, 12) ?? null, code: e.code }, 'photo failed');
    await failures.record(photo, { path: photo.key, sha256, size: photo.size, mtimeMs: photo.mtimeMs, code: e.code, message: e.message });
  }

  /** Writes one photo's result; `ours` is false for a result another scheduler queued (not counted in this run). */
  async function apply(photo: SourcePhoto, sha256: string, result: CommitResult, ours: boolean) {
    if (result.outcome === 'failed') return ours ? fail(photo, sha256, result) : record(photo, sha256, result);
    const t0 = performance.now();
    try {
      if (result.analysis.modelKey !== analyser.modelKey) {
        throw new AppError('MODEL_MISMATCH', `a worker analysed this photo with ${result.analysis.modelKey}, not ${analyser.modelKey}; give every node the same models`);
      }
      const existing = await catalog.getPhotoByPath(photo.key);
      if (existing?.status === 'done' && existing.sha256 === sha256 && existing.model === analyser.modelKey) {
        // Written already (a worker that died after sending its result ran the job again).
        await source.settle(photo, 'done');
        return;
      }
      const bytes = await source.read(photo);
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sha256) throw new AppError('PHOTO_CHANGED', 'the photo changed while it was analysed; run the index again to pick up the new content');
      const analysis = decodeAnalysis(result.analysis);
      const prepared = await preparePhoto({ catalog, blobs, log }, analyser, {
        key: photo.key, size: photo.size, mtimeMs: photo.mtimeMs, sha256, bytes, analysis, existing,
      });
      await serially(async () => {
        const committed = await commitPhoto({ catalog, blobs }, index, params, prepared);
        for (const k of Object.keys(committed.xmp) as Array<keyof XmpImportCounts>) summary.xmp[k] += committed.xmp[k];
        countAssignments(committed.assigned);
      });
      await source.settle(photo, 'done');
      stages.decode.push(analysis.timings.decodeMs);
      stages.detect.push(analysis.timings.detectMs);
      stages.embed.push(analysis.timings.embedMs);
      stages.store.push(performance.now() - t0);
      if (ours) {
        noteExifDropped(summary, source.displayName(photo), analysis.meta.exifDropped);
        if (metrics) recordPhotoWritten(metrics, { store: performance.now() - t0 });
        summary.photos.processed++;
        summary.newFaces += prepared.result.faces.length;
      }
    } catch (error) {
      const e = toAppError(error);
      await (ours ? fail(photo, sha256, e) : record(photo, sha256, e));
    }
  }

  /** Applies a result to every file with these bytes; each photo of the run counts once. */
  async function resolve(sha256: string, fallback: SourcePhoto, result: CommitResult) {
    const photos = pending.get(sha256);
    pending.delete(sha256);
    for (const photo of photos ?? [fallback]) await apply(photo, sha256, result, photos !== undefined);
    if (photos) {
      done += photos.length;
      progress();
    }
    lastActivity = Date.now();
    wake();
  }

  const applying = new Set<Promise<void>>();
  const commits = queue.work('commit', (p) => {
    const job = resolve(p.sha256, p.photo, p.result);
    applying.add(job);
    return job.finally(() => applying.delete(job));
  }, { concurrency: options.writerConcurrency ?? 4 });

  /** Finds photos whose jobs ended without a result reaching us (a worker crash, a lost Redis). */
  async function sweep() {
    // While any job is queued or running (a dead worker's job stays active until its lock expires), wait.
    const counts = await queue.queueCounts();
    log.debug({ counts, pending: pending.size }, 'sweep');
    if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) > 0) return;
    for (const [sha256, photos] of [...pending]) {
      const analyse = await queue.status('analyse', jobId('analyse', sha256));
      if (analyse.state === 'waiting' || analyse.state === 'active' || analyse.state === 'delayed') continue;
      const commit = await queue.status('commit', jobId('commit', sha256));
      if (commit.state === 'waiting' || commit.state === 'active' || commit.state === 'delayed') continue;
      if (!pending.has(sha256)) continue;
      if (analyse.state === 'failed' || commit.state === 'failed') {
        const reason = parseFailureReason(commit.state === 'failed' ? commit.failedReason : analyse.failedReason);
        log.warn({ photo: sha256.slice(0, 12), code: reason.code }, 'a job failed with no result sent (a worker crashed on it?)');
        await resolve(sha256, photos[0]!, { outcome: 'failed', ...reason });
        continue;
      }
      const stored = await Promise.all(photos.map((p) => catalog.getPhotoByPath(p.key)));
      if (stored.every((s) => s?.status === 'done' && s.sha256 === sha256 && s.model === analyser.modelKey)) {
        // Another writer (a second management process) wrote it.
        pending.delete(sha256);
        done += photos.length;
        summary.photos.processed += photos.length;
        progress();
        wake();
        continue;
      }
      log.warn({ photo: sha256.slice(0, 12), analyse: analyse.state }, 'a job was lost; queueing the photo again');
      await queue.add('analyse', jobId('analyse', sha256), { sha256, photo: photos[0]!, source: sourceRef, modelKey: analyser.modelKey, crops: cropsLocation(config) }, { replaceFinished: true });
    }
  }

  const sweepMs = options.sweepMs ?? 5000;
  const sweeper = setInterval(() => {
    if (scheduling || pending.size === 0 || Date.now() - lastActivity < sweepMs) return;
    lastActivity = Date.now();
    sweep().catch((error: unknown) => log.warn({ code: toAppError(error).code }, 'sweep failed; trying again later'));
  }, Math.max(100, Math.min(sweepMs, 1000)));

  async function schedule(photo: SourcePhoto) {
    let sha256: string | null = null;
    try {
      if (photo.problem) throw new AppError(photo.problem.code, photo.problem.message);
      const t0 = performance.now();
      if (photo.size > config.index.maxFileBytes) {
        throw new AppError('PHOTO_TOO_LARGE', `the file is ${photo.size} bytes, over index.maxFileBytes ${config.index.maxFileBytes}; raise FACETAG_INDEX_MAX_FILE_BYTES if it is a genuine photo`);
      }
      const bytes = await source.read(photo);
      sha256 = createHash('sha256').update(bytes).digest('hex');
      stages.read.push(performance.now() - t0);
      if (metrics) recordStages(metrics, { read: performance.now() - t0 });
      const existing = await catalog.getPhotoByPath(photo.key);
      if (existing?.status === 'done' && existing.sha256 === sha256 && existing.model === analyser.modelKey) {
        summary.photos.skippedUnchanged++;
        if (metrics) recordPhotoSkipped(metrics);
        await source.settle(photo, 'done');
        done++;
        progress();
        return;
      }
      const same = pending.get(sha256);
      if (same) {
        same.push(photo);
        return;
      }
      pending.set(sha256, [photo]);
      // The catalog wants this photo: an earlier job for it that failed, or completed with no
      // result on its way (a catalog restored from a backup, a lost result), runs again.
      const id = jobId('analyse', sha256);
      const prior = await queue.status('analyse', id);
      const inFlight = (state: string) => state === 'waiting' || state === 'active' || state === 'delayed';
      const rerun = prior.state === 'failed' || (prior.state === 'completed' && !inFlight((await queue.status('commit', jobId('commit', sha256))).state));
      if (rerun && prior.state === 'completed') {
        // Its result may have been written a moment ago (by another management process).
        const now = await catalog.getPhotoByPath(photo.key);
        if (now?.status === 'done' && now.sha256 === sha256 && now.model === analyser.modelKey) {
          pending.delete(sha256);
          summary.photos.skippedUnchanged++;
          if (metrics) recordPhotoSkipped(metrics);
          done++;
          progress();
          return;
        }
      }
      await queue.add('analyse', id, { sha256, photo, source: sourceRef, modelKey: analyser.modelKey, crops: cropsLocation(config) }, { replaceFinished: rerun });
    } catch (error) {
      if (sha256) pending.delete(sha256);
      await fail(photo, sha256, toAppError(error));
      done++;
      progress();
    }
  }

  progress();
  try {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(4, Math.max(1, files.length)) }, async () => {
      while (next < files.length && !options.signal?.aborted) await schedule(files[next++]!);
    }));
    scheduling = false;
    lastActivity = Date.now();
    if (options.signal?.aborted) summary.interrupted = true;
    await new Promise<void>((resolveWait) => {
      const check = () => {
        if (finished() || options.signal?.aborted) resolveWait();
      };
      wake = check;
      options.signal?.addEventListener('abort', check, { once: true });
      check();
    });
    if (options.signal?.aborted && pending.size > 0) summary.interrupted = true;
  } finally {
    clearInterval(sweeper);
    // Every result of this run is written: results for other runs wait in the queue for the next writer.
    while (applying.size > 0) await Promise.allSettled([...applying]);
    await commits.close();
    await writer.idle();
  }
  await failures.finish();

  if (!summary.interrupted) {
    const waiting = (await catalog.listFaces({ unassigned: true })).filter((f) => f.model === analyser.embedderId && f.source === null);
    countAssignments(await assignFaces({ catalog, index }, waiting.map((f) => f.id), params));
  }
  finishIndexSummary(summary, stages, await catalog.counts(), started);
  log.info({ processed: summary.photos.processed, skipped: summary.photos.skippedUnchanged, failed: summary.photos.failed, faces: summary.faces, ms: summary.durationMs }, 'queued index run finished');
  return summary;
}
