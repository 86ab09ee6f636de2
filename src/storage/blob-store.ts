/** The blob store port: face thumbnails and other binary artefacts, by key (`faces/ab/…jpg`). */
export interface BlobStore {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The bytes, or null when there is no such key. */
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): Promise<string[]>;
  /**
   * A short-lived URL serving the blob without this process (an S3 presigned GET), for stores
   * that have one; the dashboard redirects thumbnails to it. Valid for at least ttl/2 seconds;
   * the same URL for a key within a window of ttl/2. Absent for the fs store.
   */
  signedUrl?(key: string, ttlSeconds: number): Promise<string>;
  /** The origin signed URLs point at, for the dashboard's Content-Security-Policy. */
  readonly urlOrigin?: string;
  close(): Promise<void>;
}

/** Keys are relative, `/`-separated, of safe characters: never a path a request could steer. */
export function checkKey(key: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(key) || key.includes('..')) {
    throw new Error(`blob key ${JSON.stringify(key)} is not a safe relative key`);
  }
  return key;
}
