import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, requireS3, s3Env, uniqueBucket, type S3Server } from '../../test/helpers/s3.js';
import { startTlsProxy } from '../../test/helpers/tls-proxy.js';
import { loadConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';
import { blobStoreContract } from './blob-store-contract.js';
import { createS3BlobStore, ensureBuckets } from './s3-blob-store.js';

const available = requireS3('S3 blob store (Ceph RGW)');

describe.runIf(available)('S3 blob store on a real S3 server (Ceph RGW)', () => {
  let s3: S3Server;
  const settings = (env: Record<string, string> = {}) => loadConfig({ env: { ...s3Env(s3), ...env } }).storage;
  const freshStore = async () => {
    const bucket = uniqueBucket('blobs');
    await ensureBuckets(settings(), [bucket]);
    return createS3BlobStore(settings(), bucket);
  };

  beforeAll(async () => {
    s3 = await startS3();
    console.log(`Ceph RGW started in ${s3.startMs} ms`);
  }, 120_000);
  afterAll(async () => s3?.stop());

  blobStoreContract('s3 (Ceph RGW)', freshStore);

  it('lists past one page of 1,000 keys', async () => {
    const store = await freshStore();
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}.bin`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Buffer.from(k), 'application/octet-stream')));
    expect(await store.list('many/')).toEqual(keys);
    await store.close();
  }, 120_000);

  it('serves a blob through a presigned URL, and refuses an unsigned request', async () => {
    const store = await freshStore();
    const data = Buffer.from('presigned bytes');
    await store.put('faces/p/1.jpg', data, 'image/jpeg');
    const url = await store.signedUrl!('faces/p/1.jpg', 60);
    expect(url).toContain('X-Amz-Signature=');
    expect(new URL(url).origin).toBe(store.urlOrigin);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(data);
    const unsigned = await fetch(url.split('?')[0]!);
    expect(unsigned.status).toBe(403);
    const tampered = await fetch(url.replace(/X-Amz-Signature=[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0')));
    expect(tampered.status).toBe(403);
    await store.close();
  });

  it('names the bucket and the fix when the bucket does not exist', async () => {
    const store = createS3BlobStore(settings(), 'no-such-bucket-here');
    const error = await store.put('a/b.jpg', Buffer.from('x'), 'image/jpeg').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('S3_BUCKET_MISSING');
    expect((error as AppError).message).toMatch(/bucket "no-such-bucket-here" does not exist.*create it/);
    await expect(store.list('')).rejects.toMatchObject({ code: 'S3_BUCKET_MISSING' });
    await store.close();
  });

  it('says which setting to fix when the secret key is wrong (the server checks signatures)', async () => {
    const bucket = uniqueBucket('auth');
    await ensureBuckets(settings(), [bucket]);
    const store = createS3BlobStore(settings({ FACETAG_STORAGE_S3_SECRET_ACCESS_KEY: 'not-the-secret-key-at-all-0000000000000' }), bucket);
    const error = await store.get('a/b.jpg').catch((e: unknown) => e);
    expect((error as AppError).code).toBe('S3_AUTH');
    expect((error as AppError).message).toMatch(/SignatureDoesNotMatch.*storage\.s3SecretAccessKey/);
    const unknownKey = createS3BlobStore(settings({ FACETAG_STORAGE_S3_ACCESS_KEY_ID: 'NOSUCHKEY0000000' }), bucket);
    await expect(unknownKey.put('a/b.jpg', Buffer.from('x'), 'image/jpeg')).rejects.toMatchObject({ code: 'S3_AUTH', message: expect.stringMatching(/InvalidAccessKeyId.*storage\.s3AccessKeyId/) });
    await store.close();
    await unknownKey.close();
  });

  it('talks TLS to a server whose certificate a private CA signed, given storage.s3CaFile; names the setting without it', async () => {
    const tls = await startTlsProxy(s3.endpoint);
    try {
      const bucket = uniqueBucket('tls');
      await ensureBuckets(settings(), [bucket]);
      const secure = createS3BlobStore(settings({ FACETAG_STORAGE_S3_ENDPOINT: tls.endpoint, FACETAG_STORAGE_S3_CA_FILE: tls.caFile }), bucket);
      await secure.put('faces/tls/1.jpg', Buffer.from('over TLS'), 'image/jpeg');
      expect((await secure.get('faces/tls/1.jpg'))?.toString()).toBe('over TLS');
      const url = await secure.signedUrl!('faces/tls/1.jpg', 60);
      expect(url.startsWith(`${tls.endpoint}/`)).toBe(true);
      await secure.close();
      const untrusting = createS3BlobStore(settings({ FACETAG_STORAGE_S3_ENDPOINT: tls.endpoint, FACETAG_STORAGE_S3_MAX_ATTEMPTS: '1' }), bucket);
      const error = await untrusting.get('faces/tls/1.jpg').catch((e: unknown) => e);
      expect((error as AppError).code).toBe('S3_TLS');
      expect((error as AppError).message).toMatch(/not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); set storage\.s3CaFile/);
      await untrusting.close();
      expect(() => createS3BlobStore(settings({ FACETAG_STORAGE_S3_CA_FILE: '/nonexistent/ca.pem' }), bucket)).toThrow(/storage\.s3CaFile \/nonexistent\/ca\.pem cannot be read \(ENOENT\)/);
    } finally {
      await tls.stop();
    }
  });

  it('refuses to start without credentials, naming the setting', () => {
    expect(() => createS3BlobStore(settings({ FACETAG_STORAGE_S3_SECRET_ACCESS_KEY: '' }), 'x-bucket')).toThrow(/storage\.s3SecretAccessKey \(env FACETAG_STORAGE_S3_SECRET_ACCESS_KEY\) is empty/);
  });
});
