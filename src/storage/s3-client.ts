import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import type { ResolvedConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';

export type S3Settings = ResolvedConfig['storage'];

/**
 * One S3 client for the settings (MinIO, AWS S3, Ceph RGW): path-style by default, a private CA
 * when `s3CaFile` is set, the SDK's standard retries (`s3MaxAttempts`) on 5xx, throttling and
 * dropped connections. Missing credentials are refused here, naming the setting.
 */
export function createS3Client(settings: S3Settings): S3Client {
  if (!settings.s3AccessKeyId || !settings.s3SecretAccessKey) {
    const missing = !settings.s3AccessKeyId ? 'storage.s3AccessKeyId (env FACETAG_STORAGE_S3_ACCESS_KEY_ID)' : 'storage.s3SecretAccessKey (env FACETAG_STORAGE_S3_SECRET_ACCESS_KEY)';
    throw new AppError('CONFIG_INVALID', `S3 storage needs credentials, and ${missing} is empty; set it to your MinIO/S3 access key (or set storage.driver to fs)`);
  }
  let ca: Buffer | undefined;
  if (settings.s3CaFile) {
    try {
      ca = readFileSync(settings.s3CaFile);
    } catch (error) {
      throw new AppError('CONFIG_INVALID', `storage.s3CaFile ${settings.s3CaFile} cannot be read (${(error as NodeJS.ErrnoException).code}); give the PEM file of the CA that signed your S3 server's certificate`);
    }
  }
  return new S3Client({
    endpoint: settings.s3Endpoint,
    region: settings.s3Region,
    forcePathStyle: settings.s3ForcePathStyle,
    credentials: { accessKeyId: settings.s3AccessKeyId, secretAccessKey: settings.s3SecretAccessKey },
    maxAttempts: settings.s3MaxAttempts,
    // Plain checksums only: older S3-compatible servers (Ceph Pacific, older MinIO) refuse the newer trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: 5_000,
      requestTimeout: 60_000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 16, ...(ca ? { ca } : {}) }),
    },
  });
}

const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/;
const AUTH_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken']);

/**
 * An S3 failure as an AppError whose message names the bucket and the fix (never a photo key):
 * bad credentials, a missing bucket, or a server that cannot be reached after the retries.
 */
export function s3Error(error: unknown, bucket: string, doing: string, settings: Pick<S3Settings, 's3Endpoint'>): AppError {
  if (error instanceof AppError) return error;
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const where = settings.s3Endpoint ?? 'AWS S3';
  const name = e.name ?? e.code ?? 'Error';
  if (AUTH_ERRORS.has(name) || e.$metadata?.httpStatusCode === 403) {
    return new AppError('S3_AUTH', `the S3 server ${where} refused ${doing} in bucket "${bucket}" (${name}); check storage.s3AccessKeyId and storage.s3SecretAccessKey (env FACETAG_STORAGE_S3_SECRET_ACCESS_KEY) and the user's rights on the bucket`, { cause: error });
  }
  const tlsCode = [e.code, (e as { cause?: { code?: string } }).cause?.code].find((c) => c && TLS_ERRORS.test(c));
  if (tlsCode) {
    return new AppError('S3_TLS', `the TLS certificate of the S3 server ${where} is not trusted (${tlsCode}); set storage.s3CaFile (env FACETAG_STORAGE_S3_CA_FILE) to the PEM file of the CA that signed it, and check that storage.s3Endpoint names the host the certificate is for`, { cause: error });
  }
  if (name === 'NoSuchBucket') {
    return new AppError('S3_BUCKET_MISSING', `bucket "${bucket}" does not exist on ${where}; create it (\`mc mb\`, \`aws s3 mb s3://${bucket}\`) or set the storage.*Bucket setting to an existing one`, { cause: error });
  }
  const status = e.$metadata?.httpStatusCode;
  return new AppError('S3_UNAVAILABLE', `the S3 server ${where} failed ${doing} in bucket "${bucket}" (${status ? `HTTP ${status} ` : ''}${name}${e.message && e.message !== name ? `: ${e.message}` : ''}) after retries; check that it is running and reachable (storage.s3Endpoint), then run again`, { cause: error });
}

/** Parses `s3://bucket[/prefix]`; null when the text is not an s3 URL. */
export function parseS3Url(text: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (!m) return null;
  return { bucket: m[1]!, prefix: m[2] ?? '' };
}
