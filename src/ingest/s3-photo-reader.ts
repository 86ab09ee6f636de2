import { GetObjectCommand } from '@aws-sdk/client-s3';
import { AppError } from '../errors.js';
import { createS3Client, parseS3Url, s3Error, type S3Settings } from '../storage/s3-client.js';

/**
 * Reads a photo the catalog knows as `s3://bucket/key` for the dashboard (previews, hand-drawn
 * faces): from where it was listed, else from `storage.processedBucket` under the same key, where
 * indexing moved or copied it. Null when it is in neither (expired or deleted).
 */
export function createS3PhotoReader(settings: S3Settings) {
  const client = createS3Client(settings);
  const fetchObject = async (bucket: string, key: string): Promise<Buffer | null> => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NoSuchBucket') return null;
      throw s3Error(error, bucket, 'reading a photo', settings);
    }
  };
  return {
    async read(path: string): Promise<Buffer | null> {
      const url = parseS3Url(path);
      if (!url || !url.prefix) throw new AppError('INTERNAL', `photo path ${JSON.stringify(path)} is not an s3:// object URL`);
      return (await fetchObject(url.bucket, url.prefix)) ?? (url.bucket === settings.processedBucket ? null : await fetchObject(settings.processedBucket, url.prefix));
    },
    close: async () => client.destroy(),
  };
}
