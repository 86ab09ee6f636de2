import { parseArgs } from 'node:util';
import { AppError } from '../errors.js';
import { printJson, type Command } from './io.js';
import { plural } from '../plural.js';

const HELP = `Usage: facetag storage init [--json]     create the S3 buckets that are missing
       facetag storage expire [--json]   delete processed originals older than storage.expireProcessedDays
       facetag storage upload <folder> [--to s3://bucket/prefix/] [--json]
                                         put the photos of a folder into storage.incomingBucket

For storage.driver s3 and s3:// photo sources (settings storage.*, env FACETAG_STORAGE_*):
buckets storage.incomingBucket, storage.processedBucket and storage.cropsBucket (defaults
incoming, processed, face-crops). With storage.expireProcessedDays set, init also puts a
lifecycle rule on the processed bucket (the server expires them on its own schedule) and expire
deletes them now; unset, nothing is ever expired.
Crops of deleted people, photos and dismissed faces are deleted at once, not here.`;

export const storageCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, to: { type: 'string' } },
  });
  const verb = positionals[0];
  if (values.help || (verb !== 'init' && verb !== 'expire' && verb !== 'upload')) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  const config = load();
  const s = config.storage;
  if (verb === 'init') {
    const { ensureBuckets } = await import('../storage/s3-blob-store.js');
    const buckets = [s.incomingBucket, s.processedBucket, s.cropsBucket];
    const created = await ensureBuckets(s, buckets);
    if (s.expireProcessedDays !== undefined) {
      const { setProcessedExpiryRule } = await import('../storage/s3-expire.js');
      await setProcessedExpiryRule(s, s.expireProcessedDays);
    }
    const rule = s.expireProcessedDays === undefined ? null : s.expireProcessedDays;
    if (values.json) printJson(io, { buckets, created, expireProcessedDays: rule });
    else {
      io.stdout.write(`buckets ${buckets.join(', ')} are there${created.length ? ` (created: ${created.join(', ')})` : ''}\n`);
      if (rule !== null) io.stdout.write(`lifecycle rule set: the server expires photos in "${s.processedBucket}" after ${rule} days\n`);
    }
    return 0;
  }
  if (verb === 'upload') {
    if (positionals.length !== 2) throw new AppError('USAGE', 'storage upload takes one folder; e.g. `facetag storage upload ~/Pictures/2024 --to s3://incoming/2024/`');
    const { parseS3Url } = await import('../storage/s3-client.js');
    const target = values.to ? parseS3Url(values.to) : { bucket: s.incomingBucket, prefix: '' };
    if (!target) throw new AppError('USAGE', `--to ${values.to} is not an S3 location; write s3://bucket/ or s3://bucket/prefix/`);
    const prefix = target.prefix && !target.prefix.endsWith('/') ? `${target.prefix}/` : target.prefix;
    const { uploadFolder } = await import('../storage/s3-upload.js');
    const result = await uploadFolder(s, positionals[1]!, target.bucket, prefix, { followSymlinks: config.index.followSymlinks });
    if (values.json) printJson(io, { bucket: target.bucket, prefix, ...result });
    else io.stdout.write(`${plural(result.uploaded, 'photo')} (${(result.bytes / 1e6).toFixed(1)} MB) uploaded to s3://${target.bucket}/${prefix}\n`);
    return 0;
  }
  if (s.expireProcessedDays === undefined) {
    if (values.json) printJson(io, { expireProcessedDays: null, deleted: 0 });
    else io.stdout.write('storage.expireProcessedDays is not set: processed originals are kept forever; nothing deleted\n');
    return 0;
  }
  if (!s.s3AccessKeyId && s.driver !== 's3') throw new AppError('CONFIG_INVALID', 'storage expire works on the S3 bucket storage.processedBucket; set storage.s3Endpoint and the storage.s3* credentials');
  const { expireProcessed } = await import('../storage/s3-expire.js');
  const result = await expireProcessed(s, s.expireProcessedDays);
  if (values.json) printJson(io, { expireProcessedDays: s.expireProcessedDays, ...result });
  else io.stdout.write(`${result.deleted} processed photos older than ${s.expireProcessedDays} days deleted from "${s.processedBucket}", ${result.kept} kept\n`);
  return 0;
};
