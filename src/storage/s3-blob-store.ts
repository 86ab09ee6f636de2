import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkKey, type BlobStore } from './blob-store.js';
import { createS3Client, s3Error, type S3Settings } from './s3-client.js';

const isMissing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
};

/**
 * Blobs as objects of one S3 bucket (`storage.cropsBucket`, default `face-crops`) on MinIO, AWS S3
 * or Ceph RGW. Keys are the same as the fs store's; a put is atomic on S3 (no half object).
 */
export function createS3BlobStore(settings: S3Settings, bucket: string, options: { client?: S3Client } = {}): BlobStore {
  const client = options.client ?? createS3Client(settings);
  const fail = (error: unknown, doing: string) => s3Error(error, bucket, doing, settings);
  const origin = settings.s3Endpoint ? new URL(settings.s3Endpoint).origin : `https://${settings.s3ForcePathStyle ? '' : `${bucket}.`}s3.${settings.s3Region}.amazonaws.com`;
  return {
    urlOrigin: origin,
    async put(key, data, contentType) {
      checkKey(key);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: contentType, ContentLength: data.length }))
        .catch((error: unknown) => { throw fail(error, 'a write'); });
    },
    async get(key) {
      checkKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (error) {
        if (isMissing(error)) return null;
        throw fail(error, 'a read');
      }
    },
    async delete(key) {
      checkKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch((error: unknown) => {
        if (!isMissing(error)) throw fail(error, 'a delete');
      });
    },
    async exists(key) {
      checkKey(key);
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw fail(error, 'a lookup');
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
          .catch((error: unknown) => { throw fail(error, 'a listing'); });
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async signedUrl(key, ttlSeconds) {
      checkKey(key);
      // Signed at the start of a window of ttl/2: the same URL (and the browser's cache of it) within the window.
      const windowMs = ttlSeconds * 500;
      const signingDate = new Date(Math.floor(Date.now() / windowMs) * windowMs);
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: ttlSeconds, signingDate });
    },
    async close() {
      if (!options.client) client.destroy();
    },
  };
}

/**
 * Creates the buckets that do not exist yet (`facetag storage init`); returns the ones it created.
 * A bucket owned by someone else, or bad credentials, is an error naming the setting.
 */
export async function ensureBuckets(settings: S3Settings, buckets: string[]): Promise<string[]> {
  const client = createS3Client(settings);
  const created: string[] = [];
  try {
    for (const bucket of buckets) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        continue;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== 404) throw s3Error(error, bucket, 'a bucket lookup', settings);
      }
      await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
        if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw s3Error(error, bucket, 'creating the bucket', settings);
      });
      created.push(bucket);
    }
    return created;
  } finally {
    client.destroy();
  }
}
