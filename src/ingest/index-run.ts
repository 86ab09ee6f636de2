import { createHash } from 'node:crypto';
import type { AssignOutcome } from '../clustering/incremental-assign.js';
import { embeddingDimensions } from '../clustering/cluster-params.js';
import { createVectorIndex } from '../clustering/create-vector-index.js';
import { loadIndex } from '../clustering/suggestions.js';
import type { ResolvedConfig } from '../config/load-config.js';
import type { Deps } from '../deps.js';
import { AppError, toAppError } from '../errors.js';
import type { XmpImportCounts } from '../interop/import-regions.js';
import { recordClusterChange, recordPhotoFailed, recordPhotoIndexed, recordPhotoSkipped, recordPhotoWritten, recordStages } from '../metrics/record.js';
import { findModel } from '../vision/model-manifest.js';
import type { AnalysisOutcome } from './analysis-result.js';
import type { AnalysisTransport, TransportHooks } from './analysis-transport.js';
import { clearListedFolderFailures, createFailureRecorder } from './failure-record.js';
import { finishIndexSummary, noteExifDropped, startIndexSummary, type IndexOptions, type IndexSummary } from './index-summary.js';
import { isUnchanged } from './photo-unchanged.js';
import { splitListing, type PhotoSource, type SourcePhoto } from '../sources/photo-source.js';
import { createSingleWriter, type WriteOutcome } from './single-writer.js';
import { watchSource, type WatchOptions, type WatchTotals } from './watch-photos.js';
import { acquireWriterLock } from './writer-lock.js';
import { finishModelChange, type EmbedBox } from './model-change.js';
import { createPhotoReader } from '../sources/photo-opener.js';

type RunDeps = Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>;

/** The one index run of every mode (see `openIndexer`). */
export interface Indexer {
  /** Indexes every photo of `source` once: new and changed photos are analysed and written, unchanged ones skipped. */
  run(source: PhotoSource, options?: IndexOptions): Promise<IndexSummary>;
  /** Indexes `source` again and again until `options.signal` (watch-photos.ts). */
  watch(source: PhotoSource, options: WatchOptions): Promise<WatchTotals>;
  /** Lets go of the writer lock. The transport is the caller's. */
  close(): Promise<void>;
}

/**
 * Every index run, whatever its mode (`facetag index` embedded or `--queue bullmq`, `--watch`,
 * a folder or an S3 source, the dashboard's "Index now"), is this one run:
 *
 * 1. **admission**: list the source; read and hash each photo; skip it when the catalog holds it
 *    as it is (`isUnchanged`); refuse one over `index.maxFileBytes`;
 * 2. **analysis** behind `transport` (this machine's threads, the workers' 5001/5002 services, or
 *    `facetag worker` processes through the queue), which returns everything the writer needs;
 * 3. **the single writer** (single-writer.ts): results and failures applied in arrival order, in
 *    batches, one catalog transaction each, clustering face by face against one in-memory vector
 *    index; then the source settles each photo (S3: moved to `processed` once written).
 *
 * Opening takes the data folder's writer lock (a second writer of the catalog is refused) and
 * loads the vector index from the catalog, once for every run of this indexer.
 */
export async function openIndexer(deps: RunDeps, transport: AnalysisTransport): Promise<Indexer> {
  const { config, catalog, log } = deps;
  const lock = acquireWriterLock(config);
  try {
    const dimensions = findModel(transport.embedderId.split('@')[0]!)?.dimensions;
    const index = await loadIndex(catalog, transport.embedderId, (found) => createVectorIndex(dimensions ?? found ?? embeddingDimensions(transport.embedderId)));
    const params = config.cluster;
    const writer = createSingleWriter(deps, index, params, transport, { maxPhotos: config.index.writeBatchPhotos, maxWaitMs: writeBatchWaitMs(config) });
    log.info({ facesKnown: index.size, params }, 'index writer ready');
    const indexer: Indexer = {
      run: (source, options = {}) => runOnce(deps, transport, writer, source, options),
      watch: (source, options) => watchSource(log, source, (view) => indexer.run(view, options), options),
      async close() {
        await writer.idle();
        lock.release();
      },
    };
    return indexer;
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * How long a result waits for others to share its catalog transaction (`index.writeBatchWaitMs`):
 * on Neo4j a transaction costs the server ~40 ms of CPU whatever its size (measured: 45 ms a photo
 * written one at a time, 10 in batches of 4, 4.6 in batches of 256), on SQLite next to nothing.
 */
export const writeBatchWaitMs = (config: Pick<ResolvedConfig, 'index' | 'catalog'>) =>
  config.index.writeBatchWaitMs ?? (config.catalog.driver === 'neo4j' ? 1000 : 20);

/**
 * A face's embedding by the run's models, from its photo as the catalog has it (a file, or an
 * object in the source or the processed bucket): for faces no detector proposes.
 */
function embedBoxOf(config: ResolvedConfig, transport: AnalysisTransport): { embed: EmbedBox; close(): Promise<void> } {
  let reader: ReturnType<typeof createPhotoReader> | null = null;
  return {
    async embed(photo, box) {
      reader ??= createPhotoReader(config);
      return transport.analyseBox(await reader.read(photo.path, photo.id), box);
    },
    close: async () => reader?.close(),
  };
}

async function runOnce(
  { config, catalog, log }: RunDeps,
  transport: AnalysisTransport,
  writer: ReturnType<typeof createSingleWriter>,
  source: PhotoSource,
  options: IndexOptions,
): Promise<IndexSummary> {
  const started = performance.now();
  const listing = splitListing(await source.list());
  const files = listing.photos;
  await clearListedFolderFailures({ catalog }, source, files);
  log.info({ photos: files.length, analysedBy: transport.analysedBy }, 'index run started');
  const { summary, stages } = startIndexSummary(files.length);
  summary.skipped = listing.skippedByReason;
  for (const entry of listing.skipped) await source.settle(entry, 'done');
  const { metrics, signal } = options;
  let done = 0;
  let modelChanged = 0;
  const progress = () => options.onProgress?.({ total: files.length, done, failed: summary.photos.failed, faces: summary.newFaces });
  /** Photos handed to the transport and not written yet, by content hash (two files may hold the same bytes). */
  const pending = new Map<string, SourcePhoto[]>();
  let admitting = true;
  let wake = () => {};
  const finished = (n: number) => {
    done += n;
    progress();
    wake();
  };

  const countAssignments = (o: Pick<AssignOutcome, 'assigned' | 'created'>) => {
    if (!metrics) return;
    recordClusterChange(metrics, 'face_assigned', o.assigned);
    recordClusterChange(metrics, 'person_created', o.created);
  };
  // The photo is in the catalog: a failure to settle it (an S3 move) must not record it as failed,
  // which would drop its faces. It stays in the source; the next run skips it as unchanged and settles it.
  const settleDone = (photo: SourcePhoto) => source.settle(photo, 'done').catch((error: unknown) => {
    summary.photos.unsettled++;
    log.warn({ code: toAppError(error).code }, 'an indexed photo could not be settled in its source');
  });

  // A photo leaves the source only once its failure is on record: nothing is lost.
  const failures = createFailureRecorder({ log }, source, async (photo, failure) => {
    const o = await writer.fail(photo, failure.sha256, failure);
    return o.kind === 'failed' && !o.recorded ? (o.refusal ?? { code: 'STORE_FAILED', message: 'the catalog refused it' }) : null;
  });

  /** Counts what the writer did with a photo; `ours` is false for a result another run queued. */
  async function account(photo: SourcePhoto, sha256: string | null, outcome: WriteOutcome, ours: boolean, analysis?: AnalysisOutcome, since = performance.now()) {
    if (outcome.kind === 'failed') {
      log.warn({ photo: sha256?.slice(0, 12) ?? null, code: outcome.code }, 'photo failed');
      if (ours) {
        summary.photos.failed++;
        summary.failures.push({ file: source.displayName(photo), code: outcome.code, message: outcome.message });
        if (metrics) recordPhotoFailed(metrics, outcome.code);
      }
      const failure = { path: photo.key, sha256, size: photo.size, mtimeMs: photo.mtimeMs, code: outcome.code, message: outcome.message };
      await failures.noted(photo, failure, outcome.recorded ? null : (outcome.refusal ?? { code: 'STORE_FAILED', message: 'the catalog refused it' }));
      return;
    }
    await settleDone(photo);
    if (!ours) return;
    if (outcome.kind === 'unchanged') {
      summary.photos.skippedUnchanged++;
      if (metrics) recordPhotoSkipped(metrics);
      return;
    }
    const storeMs = performance.now() - since;
    const a = analysis?.outcome === 'done' ? analysis.analysis : null;
    summary.photos.processed++;
    summary.newFaces += outcome.faces;
    if (a) noteExifDropped(summary, source.displayName(photo), a.meta.exifDropped);
    for (const k of Object.keys(outcome.xmp) as Array<keyof XmpImportCounts>) summary.xmp[k] += outcome.xmp[k];
    countAssignments(outcome.assigned);
    if (a) {
      stages.decode.push(a.timings.decodeMs);
      stages.detect.push(a.timings.detectMs);
      stages.embed.push(a.timings.embedMs);
    }
    stages.store.push(storeMs);
    if (metrics) {
      // Workers count what they analyse; this process counts what it analysed itself, and what it stores.
      if (transport.analysedBy === 'here' && a) {
        recordPhotoIndexed(metrics, { stageMs: { decode: a.timings.decodeMs, detect: a.timings.detectMs, embed: a.timings.embedMs, store: storeMs }, faces: outcome.faces });
      } else {
        recordPhotoWritten(metrics, { store: storeMs });
      }
    }
    log.debug({ photo: sha256?.slice(0, 12), faces: outcome.faces }, 'photo indexed');
  }

  const hooks: TransportHooks = {
    async deliver(sha256, photo, result) {
      const since = performance.now();
      const photos = pending.get(sha256);
      pending.delete(sha256);
      const ours = photos !== undefined;
      // The last result of the run may have just arrived: the run flushes the writer then.
      wake();
      await Promise.all((photos ?? [photo]).map(async (p) => {
        const outcome = result.outcome === 'failed' ? await writer.fail(p, sha256, result) : await writer.write(p, sha256, result.analysis);
        await account(p, sha256, outcome, ours, result, since);
      }));
      if (photos) finished(photos.length);
    },
    pending: () => pending,
    admitting: () => admitting,
    async writtenElsewhere(sha256) {
      const photos = pending.get(sha256);
      if (!photos) return false;
      const stored = await Promise.all(photos.map((p) => catalog.getPhotoByPath(p.key)));
      if (!stored.every((s) => isUnchanged(s, sha256, transport.modelKey)) || pending.get(sha256) !== photos) return false;
      pending.delete(sha256);
      summary.photos.processed += photos.length;
      finished(photos.length);
      return true;
    },
  };
  const session = transport.open(hooks);

  async function admit(photo: SourcePhoto) {
    let sha256: string | null = null;
    try {
      // A folder that could not be listed: on record as a failure under its own key.
      if (photo.problem) throw new AppError(photo.problem.code, photo.problem.message);
      const t0 = performance.now();
      if (photo.size > config.index.maxFileBytes) {
        throw new AppError('PHOTO_TOO_LARGE', `the file is ${photo.size} bytes, over index.maxFileBytes ${config.index.maxFileBytes}; raise FACETAG_INDEX_MAX_FILE_BYTES if it is a genuine photo`);
      }
      const bytes = await source.read(photo);
      sha256 = createHash('sha256').update(bytes).digest('hex');
      const read = performance.now() - t0;
      stages.read.push(read);
      if (metrics) recordStages(metrics, { read });
      const stored = await catalog.getPhotoByPath(photo.key);
      if (isUnchanged(stored, sha256, transport.modelKey)) {
        summary.photos.skippedUnchanged++;
        if (metrics) recordPhotoSkipped(metrics);
        await settleDone(photo);
        finished(1);
        return;
      }
      // The same bytes, analysed by other models before: this run upgrades the photo (see model-change.ts).
      if (stored?.status === 'done' && stored.sha256 === sha256) modelChanged++;
      const same = pending.get(sha256);
      if (same) {
        same.push(photo);
        return;
      }
      pending.set(sha256, [photo]);
      await session.submit({ photo, sha256, bytes, source: source.ref });
    } catch (error) {
      const e = toAppError(error, 'INTERNAL');
      const others = sha256 ? (pending.get(sha256) ?? []).filter((p) => p !== photo) : [];
      if (sha256) pending.delete(sha256);
      for (const p of [photo, ...others]) await account(p, sha256, await writer.fail(p, sha256, e), true);
      finished(1 + others.length);
    }
  }

  progress();
  try {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(transport.lanes, Math.max(1, files.length)) }, async () => {
      while (next < files.length && !signal?.aborted) await admit(files[next++]!);
    }));
    admitting = false;
    if (signal?.aborted) summary.interrupted = true;
    // Every photo handed over gets its result; a durable transport's results may also wait for the next run.
    await new Promise<void>((resolve) => {
      const check = () => {
        if (pending.size === 0 || (signal?.aborted && transport.durable)) resolve();
      };
      wake = check;
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
    if (signal?.aborted && pending.size > 0) summary.interrupted = true;
    // Every result is with the writer: nothing more is coming to wait for, write them now.
    await writer.idle();
  } finally {
    admitting = false;
    await session.close();
    await writer.idle();
  }
  await failures.finish();

  // Faces that found no person when they arrived may have one now that the run is complete.
  const written = performance.now();
  if (!summary.interrupted) countAssignments(await writer.clusterWaiting());
  // Photos analysed again by new models: the faces no detector proposes are embedded again, and the library clustered again.
  if (!summary.interrupted) {
    const boxes = embedBoxOf(config, transport);
    const change = await finishModelChange({ catalog, log }, boxes.embed, transport, config.cluster, {
      changedPhotos: modelChanged, onEmbedded: (updates) => writer.reindexFaces(updates), ...(signal ? { signal } : {}),
    }).finally(() => boxes.close());
    if (modelChanged > 0 || change.facesReembedded + change.facesLeft > 0) {
      summary.modelChange = { photos: modelChanged, facesReembedded: change.facesReembedded, facesLeft: change.facesLeft };
    }
  }
  finishIndexSummary(summary, stages, await catalog.counts(), started);
  log.debug({ ms: Math.round(performance.now() - written) }, 'waiting faces clustered and library counted');
  log.info({ processed: summary.photos.processed, skipped: summary.photos.skippedUnchanged, failed: summary.photos.failed, faces: summary.faces, people: summary.people, ms: summary.durationMs }, 'index run finished');
  return summary;
}
