import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { assignFaces } from '../cluster/incremental-assign.js';
import { clusterParams } from '../cluster/cluster-params.js';
import { createVectorIndex } from '../cluster/create-vector-index.js';
import type { Deps } from '../context.js';
import { AppError, toAppError } from '../errors.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { iou } from '../vision/image.js';
import { findModel } from '../vision/model-manifest.js';
import { applyRegionImport, emptyXmpCounts, planRegionImport, type XmpImportCounts } from '../interop/import-regions.js';
import { listPhotoFiles } from './walk.js';

const embedderDimensions = (embedderId: string) => findModel(embedderId.split('@')[0]!)?.dimensions ?? 512;

export interface IndexSummary {
  photos: { seen: number; processed: number; skippedUnchanged: number; failed: number };
  faces: number;
  newFaces: number;
  people: number;
  unassigned: number;
  durationMs: number;
  /** `file` is relative to the indexed folder. */
  failures: Array<{ file: string; code: string; message: string }>;
  /** Median milliseconds per stage over the processed photos. */
  stageMedianMs: { read: number; decode: number; detect: number; embed: number; store: number };
  interrupted: boolean;
  /** Face regions and person keywords imported from XMP sidecars and embedded XMP (see interop/). */
  xmp: XmpImportCounts;
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
}

/**
 * Indexes every photo under `folder`: new and changed photos are analysed, stored with their
 * faces in one transaction each, and their faces assigned to people; unchanged photos are
 * skipped by content hash. A photo that fails is recorded with its error and the run goes on.
 * Killed at any point, a second run finishes the job with no duplicate.
 */
export async function indexFolder(
  { config, catalog, blobs, log }: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse'>,
  folder: string,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  const started = performance.now();
  const root = resolve(folder);
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) {
    throw new AppError('FOLDER_NOT_FOUND', `${folder} is not a folder; give the folder that holds your photos, e.g. \`facetag index ~/Pictures\``);
  }
  const files = await listPhotoFiles(root, {
    followSymlinks: config.index.followSymlinks,
    onError: (_path, error) => log.warn({ code: error.code }, 'a folder could not be listed'),
  });
  const params = clusterParams(config);
  const index = createVectorIndex(embedderDimensions(analyser.embedderId));
  for (const v of await catalog.allFaceVectors(analyser.embedderId)) index.add(v.id, v.embedding);
  log.info({ photos: files.length, facesKnown: index.size, params }, 'index run started');

  const summary: IndexSummary = {
    photos: { seen: files.length, processed: 0, skippedUnchanged: 0, failed: 0 },
    faces: 0, newFaces: 0, people: 0, unassigned: 0, durationMs: 0, failures: [],
    stageMedianMs: { read: 0, decode: 0, detect: 0, embed: 0, store: 0 }, interrupted: false, xmp: emptyXmpCounts(),
  };
  const stages: Record<keyof IndexSummary['stageMedianMs'], number[]> = { read: [], decode: [], detect: [], embed: [], store: [] };
  let done = 0;
  const progress = () => options.onProgress?.({ total: files.length, done, failed: summary.photos.failed, faces: summary.newFaces });

  // One writer: results are applied to the catalog and the index in order, one at a time.
  let writer: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = writer.then(fn, fn);
    writer = next.catch(() => undefined);
    return next;
  };

  async function processFile(path: string) {
    const file = relative(root, path);
    let size = 0;
    let mtimeMs = 0;
    let sha256: string | null = null;
    try {
      const t0 = performance.now();
      const s = await stat(path);
      size = s.size;
      mtimeMs = s.mtimeMs;
      if (size > config.index.maxFileBytes) {
        throw new AppError('PHOTO_TOO_LARGE', `the file is ${size} bytes, over index.maxFileBytes ${config.index.maxFileBytes}; raise FACETAG_INDEX_MAX_FILE_BYTES if it is a genuine photo`);
      }
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new AppError('PHOTO_UNREADABLE', `the file cannot be read (${code ?? (error as Error).message}); check its permissions`);
      }
      sha256 = createHash('sha256').update(bytes).digest('hex');
      const existing = await catalog.getPhotoByPath(path);
      if (existing?.status === 'done' && existing.sha256 === sha256 && existing.model === analyser.modelKey) {
        summary.photos.skippedUnchanged++;
        return;
      }
      const t1 = performance.now();
      const analysis = await analyser.analyse(bytes);
      const t2 = performance.now();
      const sha = sha256;
      // Boxes a person dismissed as "not a face" stay dismissed when the photo is analysed again.
      const dismissed = existing ? await catalog.dismissedBoxes(path) : [];
      const faces = analysis.faces.filter((f) => !dismissed.some((b) => iou(b, f.box) >= 0.5));
      const thumbs = await Promise.all(faces.map(async (face, i) => {
        const key = `faces/${sha.slice(0, 2)}/${sha}-${i}.jpg`;
        await blobs.put(key, Buffer.from(face.thumbnail), 'image/jpeg');
        return key;
      }));
      const regions = await planRegionImport({ catalog, blobs }, analyser, {
        path, bytes, sha256: sha, size: analysis.meta, detected: faces.map((f) => f.box), existingPhotoId: existing?.id ?? null,
      });
      if (regions.problems.length > 0) log.warn({ photo: sha.slice(0, 12), problems: regions.problems.length }, 'some XMP face regions could not be read');
      await serially(async () => {
        const saved = await catalog.savePhoto({
          path, sha256: sha, size, mtimeMs, width: analysis.meta.width, height: analysis.meta.height,
          takenAt: analysis.meta.takenAt, gps: analysis.meta.gps, model: analyser.modelKey,
          faces: faces.map((f, i) => ({
            box: f.box, landmarks: f.landmarks, detScore: f.detScore, quality: f.quality.quality,
            embedding: f.embedding, model: analyser.embedderId, thumbKey: thumbs[i]!,
          })),
        });
        for (const key of saved.removedThumbKeys) if (!thumbs.includes(key)) await blobs.delete(key);
        faces.forEach((f, i) => index.add(saved.faceIds[i]!, f.embedding));
        const imported = await applyRegionImport({ catalog, index }, regions, saved.photoId, saved.faceIds);
        for (const k of Object.keys(imported) as Array<keyof XmpImportCounts>) summary.xmp[k] += imported[k];
        await assignFaces({ catalog, index }, saved.faceIds, params);
      });
      const t3 = performance.now();
      stages.read.push(t1 - t0);
      stages.decode.push(analysis.timings.decodeMs);
      stages.detect.push(analysis.timings.detectMs);
      stages.embed.push(analysis.timings.embedMs);
      stages.store.push(t3 - t2);
      summary.photos.processed++;
      summary.newFaces += faces.length;
      log.debug({ photo: sha.slice(0, 12), faces: faces.length, ms: Math.round(t3 - t0) }, 'photo indexed');
    } catch (error) {
      const e = toAppError(error, 'INTERNAL');
      summary.photos.failed++;
      summary.failures.push({ file, code: e.code, message: e.message });
      log.warn({ photo: sha256?.slice(0, 12) ?? null, code: e.code }, 'photo failed');
      await serially(() => catalog.recordFailure({ path, sha256, size, mtimeMs, code: e.code, message: e.message })).catch((storeError) => {
        log.error({ code: toAppError(storeError).code }, 'could not record a failure');
      });
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
  await writer;

  // Faces that found no person when they arrived may have one now that the run is complete.
  if (!summary.interrupted) {
    const waiting = (await catalog.listFaces({ unassigned: true })).filter((f) => f.model === analyser.embedderId && f.source === null);
    await assignFaces({ catalog, index }, waiting.map((f) => f.id), params);
  }

  const counts = await catalog.counts();
  summary.faces = counts.faces;
  summary.people = counts.people;
  summary.unassigned = counts.unassigned;
  summary.durationMs = Math.round(performance.now() - started);
  for (const key of Object.keys(stages) as Array<keyof typeof stages>) summary.stageMedianMs[key] = median(stages[key]);
  summary.failures.sort((a, b) => a.file.localeCompare(b.file));
  log.info({ processed: summary.photos.processed, skipped: summary.photos.skippedUnchanged, failed: summary.photos.failed, faces: summary.faces, people: summary.people, ms: summary.durationMs }, 'index run finished');
  return summary;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[s.length >> 1]! * 10) / 10;
}
