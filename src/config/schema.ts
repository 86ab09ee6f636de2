import { z } from 'zod';

const bool = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  return v;
}, z.boolean());

const positiveInt = z.coerce.number().int().positive();

/**
 * The whole configuration. Every key is documented with its default; the environment name of
 * a key is `FACETAG_<SECTION>_<KEY>` in upper snake case (`vision.minDetScore` is
 * `FACETAG_VISION_MIN_DET_SCORE`).
 */
export const configSchema = z
  .object({
    data: z
      .object({
        /** Where the catalog, face thumbnails and logs live. @default "./facetag-data" */
        dir: z.string().min(1).default('./facetag-data'),
      })
      .strict()
      .default({}),
    index: z
      .object({
        /** Photos analysed at once. Two keeps both cores of a small machine busy. @default 2 */
        concurrency: positiveInt.max(64).default(2),
        /** Refuse images with more pixels than this (decompression bombs). @default 250000000 */
        maxPixels: positiveInt.default(250_000_000),
        /** Refuse files larger than this many bytes. @default 500000000 */
        maxFileBytes: positiveInt.default(500_000_000),
        /** Follow symbolic links while walking a folder (loops are always detected). @default true */
        followSymlinks: bool.default(true),
      })
      .strict()
      .default({}),
    vision: z
      .object({
        /** Detector model id (`facetag models list`). @default "ultraface-rfb320" */
        detector: z.string().default('ultraface-rfb320'),
        /** Embedder model id. @default "faceplugin-r512" */
        embedder: z.string().default('faceplugin-r512'),
        /** Minimum detection score kept; unset means the model's own tuned value. */
        minDetScore: z.coerce.number().min(0).max(1).optional(),
        /**
         * Faces smaller than this (shorter box side, oriented pixels) are dropped. Faces under
         * ~24 px are kept for tagging but score zero quality, so they never seed a person.
         * @default 16
         */
        minFaceSizePx: positiveInt.default(16),
        /**
         * Finest tiling of a big photo when looking for small faces: 1 (whole image only), 2 (2x2
         * tiles) or 4 (2x2 and 4x4). Measured on ../shared/faces: 4 finds 0.955 of group faces
         * against 0.937 for 2, at about four times the detection time (5.9 against 10.3
         * photos/s on 2-3 MP photos). @default 2
         */
        maxTileGrid: z.coerce.number().refine((v) => v === 1 || v === 2 || v === 4, 'must be 1, 2 or 4').default(2),
        /** When no face is found, try again on a padded image (tight portrait crops). @default true */
        padRetry: bool.default(true),
        /** Threads each model session uses inside one inference. @default 1 */
        threads: positiveInt.max(64).default(1),
        /** Folder of models fetched by `facetag models pull`; default `<data.dir>/models`. */
        modelsDir: z.string().optional(),
      })
      .strict()
      .default({}),
    cluster: z
      .object({
        /** Max cosine distance between two faces of one person; unset means the model's tuned value. */
        maxDistance: z.coerce.number().gt(0).lt(2).optional(),
        /** Close faces (including itself) needed to form a new person; unset means the model's value. */
        minFaces: positiveInt.max(100).optional(),
        /** Neighbours looked at for each new face. @default 16 */
        k: positiveInt.max(256).default(16),
        /** Faces under this quality never seed a new person. @default 0.3 */
        minSeedQuality: z.coerce.number().min(0).max(1).default(0.3),
      })
      .strict()
      .default({}),
    server: z
      .object({
        /** Address `facetag serve` binds to; anything but loopback exposes the dashboard to the network. @default "127.0.0.1" */
        host: z.string().min(1).default('127.0.0.1'),
        /** Port of the admin dashboard and its REST API (0 picks a free port). @default 8080 */
        port: z.coerce.number().int().min(0).max(65535).default(8080),
        /**
         * The admin password, from a secret (env FACETAG_SERVER_ADMIN_PASSWORD). Unset: the one
         * stored in the data folder, or on first start a generated one, printed once.
         */
        adminPassword: z.string().min(8).optional(),
        /** The folder the dashboard's "Index now" button indexes; unset hides the button. */
        indexFolder: z.string().optional(),
        /** Hours a login lasts without use. @default 168 */
        sessionTtlHours: positiveInt.max(24 * 365).default(168),
        /** Mark cookies `Secure` (set when the dashboard is served over HTTPS by a proxy). @default false */
        secureCookies: bool.default(false),
        /** Failed logins allowed per client address in 15 minutes before 429. @default 5 */
        maxLoginFailures: positiveInt.max(1000).default(5),
      })
      .strict()
      .default({}),
    storage: z
      .object({
        /** Where face crops live and photos come from in cluster mode: `fs` (folders under data.dir) or `s3` (MinIO, AWS S3, Ceph RGW). @default "fs" */
        driver: z.enum(['fs', 's3']).default('fs'),
        /** The S3 API address, e.g. `http://storage.local:9000` for MinIO; unset means AWS S3 of `s3Region`. */
        s3Endpoint: z.string().url().optional(),
        /** The S3 region (MinIO and Ceph accept any). @default "us-east-1" */
        s3Region: z.string().min(1).default('us-east-1'),
        /** The access key id; required with driver s3. */
        s3AccessKeyId: z.string().optional(),
        /** The secret key, from a secret (env FACETAG_STORAGE_S3_SECRET_ACCESS_KEY); required with driver s3. Never logged. */
        s3SecretAccessKey: z.string().optional(),
        /** Path-style URLs (`endpoint/bucket/key`), as MinIO and Ceph RGW need; false for AWS virtual-hosted style. @default true */
        s3ForcePathStyle: bool.default(true),
        /** A PEM file of the CA that signed the S3 server's TLS certificate (a private CA); unset trusts the system CAs. */
        s3CaFile: z.string().optional(),
        /** Tries per S3 request (the first included) on a throttle, a 5xx or a dropped connection. @default 4 */
        s3MaxAttempts: positiveInt.max(20).default(4),
        /** The bucket `facetag index --source s3://` reads new photos from. @default "incoming" */
        incomingBucket: z.string().min(3).default('incoming'),
        /** The bucket indexed photos move (or are copied) to. @default "processed" */
        processedBucket: z.string().min(3).default('processed'),
        /** The bucket of face crops and thumbnails with driver s3. @default "face-crops" */
        cropsBucket: z.string().min(3).default('face-crops'),
        /** After a photo is indexed: `move` it to processedBucket, `copy` it there, or `leave` it. Failed photos always stay. @default "move" */
        processedAction: z.enum(['move', 'copy', 'leave']).default('move'),
        /** `facetag storage expire` deletes originals in processedBucket older than this many days; unset keeps them forever. */
        expireProcessedDays: positiveInt.max(36500).optional(),
        /** Seconds a presigned thumbnail URL handed to the dashboard stays valid. @default 300 */
        presignTtlSeconds: positiveInt.max(604800).default(300),
      })
      .strict()
      .default({}),
    log: z
      .object({
        /** trace, debug, info, warn, error, fatal or silent. @default "info" */
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        /** Folder for log files; default `<data.dir>/logs`. */
        dir: z.string().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
