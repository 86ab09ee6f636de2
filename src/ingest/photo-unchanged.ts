import type { PhotoRecord } from '../catalog/catalog.js';

/**
 * The one test of "nothing to do for this photo": the catalog holds these bytes at this path,
 * analysed by these models. Admission skips such a photo; the writer drops a result for one
 * (a job that ran twice); the queue's sweep counts it as written by another writer.
 */
export function isUnchanged(record: Pick<PhotoRecord, 'status' | 'sha256' | 'model'> | null | undefined, sha256: string, modelKey: string): boolean {
  return record?.status === 'done' && record.sha256 === sha256 && record.model === modelKey;
}
