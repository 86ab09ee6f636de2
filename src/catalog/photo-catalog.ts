import type { PhotoRecord, PhotoResult, PhotoFailure, Page, PhotoQuery } from './catalog-records.js';

/**
 * Photos: what was indexed, what failed, and the photos searched by the people in them and their
 * date. A part of the catalog port (catalog.ts); every method is one transaction.
 */
export interface PhotoCatalog {
  getPhotoByPath(path: string): Promise<PhotoRecord | null>;
  getPhoto(id: number): Promise<PhotoRecord | null>;
  /** Stores a photo and its faces, replacing what an earlier version of the photo had. Returns the new face ids in order. */
  savePhoto(result: PhotoResult): Promise<{ photoId: number; faceIds: number[]; removedThumbKeys: string[] }>;
  recordFailure(failure: PhotoFailure): Promise<void>;
  listFailures(): Promise<PhotoRecord[]>;
  /** Removes a photo and its faces (embeddings included); returns the thumbnails no face uses any more. */
  deletePhoto(id: number): Promise<{ removedThumbKeys: string[] }>;
  listPhotos(): Promise<PhotoRecord[]>;
  /** Indexed photos by the people in them and the date taken, newest first, paged. */
  queryPhotos(query?: PhotoQuery): Promise<Page<PhotoRecord>>;
}
