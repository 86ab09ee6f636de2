import type { MergeDetail, Dismissal } from './catalog-records.js';

/**
 * What a catalog dump (catalog-dump.ts) reads and restores beyond the other ports: the history of
 * merges and the dismissed boxes. A part of the catalog port (catalog.ts); every method is one
 * transaction.
 */
export interface DumpCatalog {
  /** Every merge, undone ones included, oldest first (for dumps). */
  listMerges(): Promise<MergeDetail[]>;
  /** Every dismissed box, oldest first (for dumps). */
  listDismissals(): Promise<Dismissal[]>;
  /** Restores a merge record from a dump (ids already remapped); moves no face. Returns its new id. */
  importMerge(merge: Omit<MergeDetail, 'id' | 'faceCount'>): Promise<number>;
  /** Restores a dismissed box from a dump. */
  importDismissal(dismissal: Dismissal): Promise<void>;
}
