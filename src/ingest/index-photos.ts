import { createHash } from 'node:crypto';
import { assignFaces, type AssignOutcome } from '../cluster/incremental-assign.js';
import { clusterParams } from '../cluster/cluster-params.js';
import { createVectorIndex } from '../cluster/create-vector-index.js';
import type { Deps } from '../context.js';
import { AppError, toAppError } from '../errors.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { findModel } from '../vision/model-manifest.js';
import type { XmpImportCounts } from '../interop/import-regions.js';
import type { Metrics } from '../metrics/metrics.js';
import { recordClusterChange, recordPhotoFailed, recordPhotoIndexed, recordPhotoSkipped } from '../metrics/record.js';
import { splitListing, type PhotoSource, type SourcePhoto } from './photo-source.js';
import { commitPhoto, preparePhoto } from './store-photo.js';
import { finishIndexSummary, noteExifDropped, startIndexSummary } from './index-summary.js';
import { oneAtATime } from './one-at-a-time.js';
import { clearListedFolderFailures, createFailureRecorder } from './failure-record.js';
import { acquireWriterLock } from './writer-lock.js';

const embedderDimensions = (embedderId: string) => findModel(embedderId.split('@')[0]!)?.dimensions ?? 512;

export interface IndexSummary {
  /** `unsettled`: indexed, but not yet moved out of the source (e.g. S3 down); the next run moves them. */
  photos: { seen: number; processed: number; skippedUnchanged: number; failed: number; unsettled: number };
  faces: number;
  newFaces: number;
  people: number;
  unassigned: number;
  durationMs: number;
  /** `file` is the photo's name in its source (relative to the indexed folder). */
  failures: Array<{ file: string; code: string; message: string }>;
  /** Median milliseconds per stage over the processed photos. */
  stageMedianMs: { read: number; decode: number; detect: number; embed: number; store: number };
  interrupted: boolean;
  /** Face regions and person keywords imported from XMP sidecars and embedded XMP (see interop/). */
  xmp: XmpImportCounts;
  /** Entries named like photos that are no file to read (a dangling symlink, a FIFO), by reason; not in `photos`. */
  skipped: Record<string, number>;
  /** Photos indexed with something left out (EXIF values out of range), one line each. */
  warnings: Array<{ file: string; message: string }>;
}

export interface IndexProgress {
  total: number;
  done: number;
  failed: number;
  faces: number;
}

export interface IndexOptions {
  onProgress?: (p: IndexProgress) => void;
  /** Stops taking new photos when aborted; photos in flight finish. */
  signal?: AbortSignal;
  /** Where the run's pipeline figures go (the server's registry); none for a one-off CLI run. */
  metrics?: Metrics;
}

/**
 * Indexes every photo of `source`: new and changed photos are analysed, stored with their faces
 * in one transaction each, and their faces assigned to people; unchanged photos are skipped by
 * content hash. A photo that fails is recorded with its error and the run goes on. Killed at any
 * point, a second run finishes the job with no duplicate. The run holds the data folder's writer
 * lock: a second run on the same catalog is refused while this one goes.
 */
export async function indexPhotos(
  deps: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse'>,
  source: PhotoSource,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  const lock = acquireWriterLock(deps.config.data.dir);
  try {
    return await indexAsWriter(deps, analyser, source, options);
  } finally {
    lock.release();
  }
}

async function indexAsWriter(
  { config, catalog, blobs, log }: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse'>,
  source: PhotoSource,
  options: IndexOptions,
): Promise<IndexSummary> {
  const started = performance.now();
  const listing = splitListing(await source.list());
  const files = listing.photos;
  await clearListedFolderFailures({ catalog }, source, files);
  const params = clusterParams(config);
  const index = createVectorIndex(embedderDimensions(analyser.embedderId));
  for (const v of await catalog.allFaceVectors(analyser.embedderId)) index.add(v.id, v.embedding);
  log.info({ photos: files.length, facesKnown: index.size, params }, 'index run started');

  const { summary, stages } = startIndexSummary(files.length);
  summary.skipped = listing.skippedByReason;
  for (const entry of listing.skipped) await source.settle(entry, 'done');
  let done = 0;
  const progress = () => options.onProgress?.({ total: files.length, done, failed: summary.photos.failed, faces: summary.newFaces });

  // One writer: results are applied to the catalog and the index in order, one at a time.
  const writer = oneAtATime();
  const serially = writer.run;
  const failures = createFailureRecorder({ catalog, log }, source, serially);

  const countAssignments = (o: AssignOutcome) => {
    if (!options.metrics) return;
    recordClusterChange(options.metrics, 'face_assigned', o.assigned);
    recordClusterChange(options.metrics, 'person_created', o.created);
  };
  // The photo is in the catalog: a failure to settle it (an S3 move) must not record it as failed,
  // which would drop its faces. It stays in the source; the next run skips it as unchanged and settles it.
  const settleDone = (photo: SourcePhoto) => source.settle(photo, 'done').catch((error: unknown) => {
    summary.photos.unsettled++;
    log.warn({ code: toAppError(error).code }, 'an indexed photo could not be settled in its source');
  });

  async function processFile(photo: SourcePhoto) {
    let sha256: string | null = null;
    try {
      if (photo.problem) throw new AppError(photo.problem.code, photo.problem.message);
      const t0 = performance.now();
      if (photo.size > config.index.maxFileBytes) {
        throw new AppError('PHOTO_TOO_LARGE', `the file is ${photo.size} bytes, over index.maxFileBytes ${config.index.maxFileBytes}; raise FACETAG_INDEX_MAX_FILE_BYTES if it is a genuine photo`);
      }
      const bytes = await source.read(photo);
      sha256 = createHash('sha256').update(bytes).digest('hex');
      const existing = await catalog.getPhotoByPath(photo.key);
      if (existing?.status === 'done' && existing.sha256 === sha256 && existing.model === analyser.modelKey) {
        summary.photos.skippedUnchanged++;
        if (options.metrics) recordPhotoSkipped(options.metrics);
        await settleDone(photo);
        return;
      }
      const t1 = performance.now();
      const analysis = await analyser.analyse(bytes);
      const t2 = performance.now();
      noteExifDropped(summary, source.displayName(photo), analysis.meta.exifDropped);
      const prepared = await preparePhoto({ catalog, blobs, log }, analyser, {
        key: photo.key, size: photo.size, mtimeMs: photo.mtimeMs, sha256, bytes, analysis, existing,
      });
      await serially(async () => {
        const committed = await commitPhoto({ catalog, blobs }, index, params, prepared);
        for (const k of Object.keys(committed.xmp) as Array<keyof XmpImportCounts>) summary.xmp[k] += committed.xmp[k];
        countAssignments(committed.assigned);
      });
      await settleDone(photo);
      const t3 = performance.now();
      stages.read.push(t1 - t0);
      stages.decode.push(analysis.timings.decodeMs);
      stages.detect.push(analysis.timings.detectMs);
      stages.embed.push(analysis.timings.embedMs);
      stages.store.push(t3 - t2);
      summary.photos.processed++;
      if (options.metrics) {
        recordPhotoIndexed(options.metrics, {
          stageMs: { read: t1 - t0, decode: analysis.timings.decodeMs, detect: analysis.timings.detectMs, embed: analysis.timings.embedMs, store: t3 - t2 },
          faces: prepared.result.faces.length,
        });
      }
      summary.newFaces += prepared.result.faces.length;
      log.debug({ photo: sha256.slice(0, 12), faces: prepared.result.faces.length, ms: Math.round(t3 - t0) }, 'photo indexed');
    } catch (error) {
      const e = toAppError(error, 'INTERNAL');
      summary.photos.failed++;
      if (options.metrics) recordPhotoFailed(options.metrics, e.code);
      summary.failures.push({ file: source.displayName(photo), code: e.code, message: e.message });
      log.warn({ photo: sha256?.slice(0, 12) ?? null, code: e.code }, 'photo failed');
      await failures.record(photo, { path: photo.key, sha256, size: photo.size, mtimeMs: photo.mtimeMs, code: e.code, message: e.message });
    } finally {
      done++;
      progress();
    }
  }

  let next = 0;
  const workers = Array.from({ length: Math.min(config.index.concurrency, Math.max(1, files.length)) }, async () => {
    while (next < files.length) {
      if (options.signal?.aborted) {
        summary.interrupted = true;
        return;
      }
      await processFile(files[next++]!);
    }
  });
  progress();
  await Promise.all(workers);
  await writer.idle();
  await failures.finish();

  // Faces that found no person when they arrived may have one now that the run is complete.
  if (!summary.interrupted) {
    const waiting = (await catalog.listFaces({ unassigned: true })).filter((f) => f.model === analyser.embedderId && f.source === null);
    countAssignments(await assignFaces({ catalog, index }, waiting.map((f) => f.id), params));
  }

  finishIndexSummary(summary, stages, await catalog.counts(), started);
  log.info({ processed: summary.photos.processed, skipped: summary.photos.skippedUnchanged, failed: summary.photos.failed, faces: summary.faces, people: summary.people, ms: summary.durationMs }, 'index run finished');
  return summary;
}
