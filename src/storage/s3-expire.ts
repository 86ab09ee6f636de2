import { DeleteObjectCommand, ListObjectsV2Command, PutBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { createS3Client, s3Error, type S3Settings } from './s3-client.js';

const DAY_MS = 86_400_000;

/**
 * Deletes the originals in `storage.processedBucket` last written more than `days` days before
 * `now` (`facetag storage expire`). Only the processed bucket is touched: `incoming` (photos not
 * yet indexed, or failed) and the face crops never are. Runs on any S3 server, unlike lifecycle
 * rules, which not every server applies on time.
 */
export async function expireProcessed(settings: S3Settings, days: number, now = Date.now()): Promise<{ deleted: number; kept: number }> {
  const client = createS3Client(settings);
  const bucket = settings.processedBucket;
  const cutoff = now - days * DAY_MS;
  let deleted = 0;
  let kept = 0;
  try {
    let startAfter: string | undefined;
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: startAfter }))
        .catch((error: unknown) => { throw s3Error(error, bucket, 'listing processed photos', settings); });
      const contents = page.Contents ?? [];
      for (const o of contents) {
        if (!o.Key) continue;
        if ((o.LastModified?.getTime() ?? now) < cutoff) {
          await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }))
            .catch((error: unknown) => { throw s3Error(error, bucket, 'deleting an expired photo', settings); });
          deleted++;
        } else {
          kept++;
        }
      }
      if (!page.IsTruncated || contents.length === 0) break;
      startAfter = contents[contents.length - 1]!.Key;
    }
    return { deleted, kept };
  } finally {
    client.destroy();
  }
}

/**
 * Sets a lifecycle rule on `storage.processedBucket` so the server itself expires originals after
 * `days` days (`facetag storage init` with expireProcessedDays set). MinIO, AWS S3 and Ceph RGW
 * accept it and apply it on their own schedule (RGW: once a day by default). It replaces the
 * bucket's lifecycle configuration: the processed bucket is facetag's own.
 */
export async function setProcessedExpiryRule(settings: S3Settings, days: number): Promise<void> {
  const client = createS3Client(settings);
  const bucket = settings.processedBucket;
  try {
    await client.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: { Rules: [{ ID: 'facetag-expire-processed', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: days } }] },
    })).catch((error: unknown) => { throw s3Error(error, bucket, 'setting the expiry rule', settings); });
  } finally {
    client.destroy();
  }
}
