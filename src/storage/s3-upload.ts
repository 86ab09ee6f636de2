import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AppError } from '../errors.js';
import { fsPath } from '../sources/file-key.js';
import { listPhotoFiles } from '../sources/walk.js';
import { createS3Client, s3Error, type S3Settings } from './s3-client.js';

/**
 * Uploads the photos under a folder into a bucket (`facetag storage upload`), keyed by their path
 * relative to the folder under `prefix`, streamed from disk. Keys keep the names as they are
 * (spaces, accents): S3 allows any UTF-8 key.
 */
export async function uploadFolder(settings: S3Settings, folder: string, bucket: string, prefix: string, options: { followSymlinks: boolean }): Promise<{ uploaded: number; bytes: number }> {
  const s = await stat(folder).catch(() => null);
  if (!s?.isDirectory()) throw new AppError('FOLDER_NOT_FOUND', `${folder} is not a folder; give the folder of photos to upload`);
  const { files } = await listPhotoFiles(folder, { followSymlinks: options.followSymlinks });
  const client = createS3Client(settings);
  let bytes = 0;
  try {
    for (const file of files) {
      const size = (await stat(fsPath(file))).size;
      const key = `${prefix}${relative(folder, file).split(sep).join('/')}`;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(fsPath(file)), ContentLength: size }))
        .catch((error: unknown) => { throw s3Error(error, bucket, 'uploading a photo', settings); });
      bytes += size;
    }
    return { uploaded: files.length, bytes };
  } finally {
    client.destroy();
  }
}
