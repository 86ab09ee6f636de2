import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config/load-config.js';
import type { Deps } from '../deps.js';
import { AppError, toAppError } from '../errors.js';
import { encodeAnalysis } from '../queue/analysis-codec.js';
import { jobId, type JobPayload } from '../queue/jobs.js';
import { ReleaseJob, type JobHandler, type JobQueue } from '../queue/queue.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { analysePhoto } from './analyse-photo.js';
import type { SourceOpener } from '../sources/photo-opener.js';

/** Where this node's blob store keeps face crops, as the `crops` of an analyse job. */
export const cropsLocation = (config: Pick<ResolvedConfig, 'storage'>) => (config.storage.driver === 's3' ? `s3://${config.storage.cropsBucket}` : 'fs');

/**
 * The `analyse` job, run by `facetag worker`: reads the photo from the source, checks it is
 * the content the job was made for, and analyses it as an in-process run would
 * (`analysePhoto`: faces, thumbnails stored content-keyed so a rerun overwrites the same blobs,
 * XMP regions and keywords), then sends the result to the management's writer as a `commit`
 * job. It never writes the catalog. A job for other models is released back to the queue,
 * untouched, for a worker that has them.
 */
export function createAnalyseHandler(
  { config, blobs, log }: Pick<Deps, 'config' | 'blobs' | 'log'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'analyse'>,
  queue: Pick<JobQueue, 'add'>,
  openSource: SourceOpener,
): JobHandler<'analyse'> {
  const sendResult = (p: JobPayload<'analyse'>, result: JobPayload<'commit'>['result']) =>
    queue.add('commit', jobId('commit', p.sha256), { sha256: p.sha256, photo: p.photo, source: p.source, result }, { removeWhenDone: true });

  const crops = cropsLocation(config);
  return async (p, info) => {
    if (p.modelKey !== analyser.modelKey) {
      throw new ReleaseJob('MODEL_MISMATCH', `this worker has models ${analyser.modelKey} but the management expects ${p.modelKey}; install the same facetag version and models (vision.detector, vision.embedder) on every node`);
    }
    if (p.crops !== undefined && p.crops !== crops) {
      // Crops stored where the management cannot read them would be lost: give the job back untouched.
      throw new ReleaseJob('CONFIG_INVALID', `this worker stores face crops in ${crops === 'fs' ? 'its own data folder (storage.driver fs)' : crops} but the management reads them from ${p.crops === 'fs' ? 'its data folder (storage.driver fs)' : p.crops}; set the same storage.driver and storage.cropsBucket (FACETAG_STORAGE_DRIVER, FACETAG_STORAGE_CROPS_BUCKET) on every node`);
    }
    try {
      const source = await openSource(p.source);
      const bytes = await source.read(p.photo);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== p.sha256) {
        throw new AppError('PHOTO_CHANGED', `the photo changed after it was queued (sha256 ${sha256.slice(0, 12)}, queued ${p.sha256.slice(0, 12)}); the next index run picks up the new content`);
      }
      const analysis = await analysePhoto({ blobs }, analyser, { key: p.photo.key, sidecars: p.photo.sidecars, sha256, bytes });
      await sendResult(p, { outcome: 'done', analysis: encodeAnalysis(analysis) });
      log.debug({ photo: sha256.slice(0, 12), faces: analysis.faces.length }, 'photo analysed');
    } catch (error) {
      const e = toAppError(error);
      log.warn({ photo: p.sha256.slice(0, 12), code: e.code, attempt: info.attempt, final: info.finalAttempt || !e.retryable }, 'photo analysis failed');
      // The last failure goes to the writer too, which records it in the catalog's failures.
      if (info.finalAttempt || !e.retryable) await sendResult(p, { outcome: 'failed', code: e.code, message: e.message });
      throw e;
    }
  };
}
