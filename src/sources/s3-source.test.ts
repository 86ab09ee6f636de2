import { afterAll, beforeAll, describe } from 'vitest';
import { requireS3, s3Env, startS3, uniqueBucket, type S3Server } from '../../test/helpers/s3.js';
import { loadConfig } from '../config/load-config.js';
import { createS3BlobStore, ensureBuckets } from '../storage/s3-blob-store.js';
import { photoSourceContract } from './photo-source-contract.js';

const available = requireS3('S3 photo source (Ceph RGW)');

describe.runIf(available)('S3 photo source on a real S3 server (Ceph RGW)', () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3();
  }, 120_000);
  afterAll(async () => s3?.stop());

  photoSourceContract('s3 (Ceph RGW)', async (files) => {
    const buckets = { incoming: uniqueBucket('incoming'), processed: uniqueBucket('processed') };
    const config = loadConfig({ env: s3Env(s3, buckets) });
    await ensureBuckets(config.storage, Object.values(buckets));
    const incoming = createS3BlobStore(config.storage, buckets.incoming);
    const processed = createS3BlobStore(config.storage, buckets.processed);
    for (const [name, bytes] of Object.entries(files)) await incoming.put(`in/${name}`, bytes, 'application/octet-stream');
    return {
      where: `s3://${buckets.incoming}/in/`,
      config,
      remove: (name) => incoming.delete(`in/${name}`),
      moved: async (name) => (await processed.list('in/')).includes(`in/${name}`) && !(await incoming.list('in/')).includes(`in/${name}`),
    };
  });
});
