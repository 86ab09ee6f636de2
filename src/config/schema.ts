import { z } from 'zod';
import { DEFAULT_MODELS } from '../vision/model-manifest.js';

const bool = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  return v;
}, z.boolean());

const positiveInt = z.coerce.number().int().positive();

/** `a=b,c=d` as pairs (for list-valued keys set from the environment); `shape` names the form in errors. */
const parseList = (v: string, shape: string): Array<[string, string]> => v.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
  const at = item.indexOf('=');
  return at > 0 ? [item.slice(0, at), item.slice(at + 1)] : [item, `(not ${shape})`];
});

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
        /**
         * The index run's single writer commits results in batches, one catalog transaction each:
         * a batch is written once it holds this many photos... @default 256
         */
        writeBatchPhotos: positiveInt.max(10_000).default(256),
        /**
         * ...or once its first photo has waited this many milliseconds for others (at least: after a
         * batch that took longer to write, the next waits as long, up to 5 s). Each transaction costs
         * a Neo4j server ~40 ms of CPU whatever its size, so there results wait longer and go in
         * bigger batches. 0 writes each result at once. @default 20 with SQLite, 1000 with Neo4j
         */
        writeBatchWaitMs: z.coerce.number().int().min(0).max(60_000).optional(),
      })
      .strict()
      .default({}),
    vision: z
      .object({
        /** Detector model id (`facetag models list`). @default "ultraface-rfb320" */
        detector: z.string().default(DEFAULT_MODELS.detector),
        /** Landmarker model id: the five alignment points and the face-presence check. @default "mediapipe-facemesh" */
        landmarker: z.string().default(DEFAULT_MODELS.landmarker),
        /** Embedder model id. Changing it re-embeds every face on the next index run. @default "dlib-resnet-v1-int8" */
        embedder: z.string().default(DEFAULT_MODELS.embedder),
        /** Minimum detection score kept; unset means the model's own tuned value. */
        minDetScore: z.coerce.number().min(0).max(1).optional(),
        /**
         * Face-presence score (the landmarker's, 0..1, in either of its two framings) a confident
         * detection needs to be kept as a face: below it a cat, a statue or a wall pattern is
         * dropped. Unset means the landmarker's own tuned value (0.3 for FaceMesh).
         */
        minFaceness: z.coerce.number().min(0).max(1).optional(),
        /**
         * Face-presence score, in both framings, an unsure detection (under the detector's
         * confident score) needs. Unset means the landmarker's own tuned value (0.9 for FaceMesh).
         */
        minFacenessUnsure: z.coerce.number().min(0).max(1).optional(),
        /**
         * Faces smaller than this (shorter box side, oriented pixels) are dropped. Faces under
         * ~24 px are kept for tagging (a face in the back row of a group photo) but score zero
         * quality, so they never seed a person. @default 12
         */
        minFaceSizePx: positiveInt.default(12),
        /**
         * Finest tiling of a big photo when looking for small faces: 1 (whole image only), 2 (2x2
         * tiles), 3 or 4. Grids finer than 2x2 run only on photos where the coarser views found a
         * crowd of small faces (a group photo), so portraits cost no more. Measured on
         * ../shared/faces (with the default models): group recall 0.955 with 2, 0.973 with 3.
         * @default 3
         */
        maxTileGrid: z.coerce.number().int().min(1).max(4).default(3),
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
        /**
         * Max cosine distance between two faces of one person (also recognition's match threshold);
         * unset: the embedder's tuned value, else 0.5 (resolved when the config loads).
         */
        maxDistance: z.coerce.number().gt(0).lt(2).optional(),
        /** Close faces (including itself) needed to form a new person; unset: the embedder's tuned value, else 3. */
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
    recognition: z
      .object({
        /**
         * Requests that analyse an image (`POST /api/recognize`, the CompreFace-compatible
         * recognize, verify and add-example calls) per minute, per API token or login; past it,
         * 429 with Retry-After. About 8 a second keep both cores of a small machine busy. @default 120
         */
        ratePerMinute: positiveInt.max(1_000_000).default(120),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        /** Address the metrics collector (`facetag metrics collect`) binds to. @default "127.0.0.1" */
        host: z.string().min(1).default('127.0.0.1'),
        /** Port of the metrics collector (0 picks a free port). @default 9091 */
        port: z.coerce.number().int().min(0).max(65535).default(9091),
        /** Longest wait for one health check or one scrape of a target or service. @default 2000 */
        timeoutMs: positiveInt.max(60_000).default(2000),
        /**
         * The processes the collector watches, `{ node, role, url }` (url: base URL; `/healthz` and
         * `/metrics` are added). In the environment: `node/role=url,node/role=url`. @default []
         */
        targets: z.preprocess((v) => (typeof v === 'string' ? parseList(v, 'node/role=url').map(([key, url]) => {
          const [node, role] = key.split('/');
          return { node, role, url };
        }) : v), z.array(z.object({
          node: z.string().min(1), role: z.string().min(1), url: z.string().url(),
          healthPath: z.string().startsWith('/').optional(), metricsPath: z.string().startsWith('/').optional(),
        }).strict())).default([]),
        /**
         * Services probed at each scrape, `{ name, url }`: `tcp://host:port` (a TCP connect: Redis,
         * Neo4j Bolt) or an `http(s)://` URL that must answer 2xx (MinIO `/minio/health/live`).
         * In the environment: `name=url,name=url`. @default []
         */
        services: z.preprocess((v) => (typeof v === 'string' ? parseList(v, 'name=url').map(([name, url]) => ({ name, url })) : v),
          z.array(z.object({ name: z.string().min(1), url: z.string().url() }).strict())).default([]),
      })
      .strict()
      .default({}),
    node: z
      .object({
        /** The cluster file (`deploy/cluster.example.yaml` shows one) that `facetag cluster` reads; `--file` overrides it. */
        clusterFile: z.string().optional(),
        /** This machine's node name in the cluster file; unset means the node whose address is on this machine. */
        name: z.string().min(1).optional(),
        /**
         * Analyse photos on the workers' detection and embedding services named in the cluster
         * file (health-aware, spread over every worker) instead of on this machine's cores.
         * @default false
         */
        remoteInference: bool.default(false),
      })
      .strict()
      .default({}),
    services: z
      .object({
        /** Address the detection and embedding services bind to. @default "127.0.0.1" */
        host: z.string().min(1).default('127.0.0.1'),
        /** Port of the face detection service (0 picks a free one). @default 5001 */
        detectionPort: z.coerce.number().int().min(0).max(65535).default(5001),
        /** Port of the embedding service (0 picks a free one). @default 5002 */
        embeddingPort: z.coerce.number().int().min(0).max(65535).default(5002),
        /** Largest request body the services accept, in bytes (413 above it). @default 67108864 */
        maxBodyBytes: positiveInt.default(64 * 1024 * 1024),
        /**
         * Shared secret callers send as `Authorization: Bearer <token>` (env FACETAG_SERVICES_TOKEN).
         * Unset: the services answer anyone who can reach them; the firewall (`facetag cluster
         * firewall`) limits that to the cluster's VLANs.
         */
        token: z.string().min(16).optional(),
      })
      .strict()
      .default({}),
    llm: z
      .object({
        /**
         * Base URL of an OpenAI-compatible API, up to and including `/v1` (exo on the management
         * node: `http://127.0.0.1:8000/v1`; llama.cpp, Ollama and vLLM serve the same API). Unset: no LLM.
         */
        url: z.string().url().optional(),
        /** Model id sent with each request; unset: the first model the server lists at `/models`. */
        model: z.string().min(1).optional(),
        /** Model for photo captions, which must accept images (e.g. a llava or qwen-vl); unset: `model`. */
        visionModel: z.string().min(1).optional(),
        /** Bearer token for the API, from a secret (env FACETAG_LLM_API_KEY); most local servers need none. */
        apiKey: z.string().min(1).optional(),
        /** Use the LLM at all. @default true when `url` is set, else false */
        enabled: bool.optional(),
        /** Time one request may take (when streaming: between two chunks). @default 60000 */
        timeoutMs: positiveInt.max(3_600_000).default(60_000),
        /** Retries of a request that failed to reach the server, timed out or got a 429/5xx, with exponential backoff. @default 2 */
        retries: z.coerce.number().int().min(0).max(10).default(2),
        /** Requests in flight at once (a large model on one machine serves one or two well). @default 2 */
        concurrency: positiveInt.max(64).default(2),
        /** Ask for the answer as a server-sent event stream (keeps idle proxies from cutting a slow answer). @default false */
        stream: bool.default(false),
        /** Most tokens of one answer. @default 600 */
        maxTokens: positiveInt.max(32_768).default(600),
      })
      .strict()
      .default({}),
    catalog: z
      .object({
        /**
         * Where photos, faces, people and decisions live: `sqlite` (one file in the data folder, no
         * server: the embedded default) or `neo4j` (a Neo4j 5 server: cluster mode). @default "sqlite"
         */
        driver: z.enum(['sqlite', 'neo4j']).default('sqlite'),
        /** Bolt URL of the Neo4j server (driver `neo4j`). @default "bolt://127.0.0.1:7687" */
        neo4jUrl: z.string().min(1).default('bolt://127.0.0.1:7687'),
        /** Neo4j user. @default "neo4j" */
        neo4jUser: z.string().min(1).default('neo4j'),
        /**
         * Neo4j password, a secret: from the config file or env FACETAG_CATALOG_NEO4J_PASSWORD.
         * No default: an empty or well-known password is refused.
         */
        neo4jPassword: z.string().optional(),
        /** Neo4j database; unset means the server's default database. */
        neo4jDatabase: z.string().min(1).optional(),
        /**
         * How long one catalog write is retried while Neo4j is unreachable or busy before it fails
         * with STORE_FAILED. @default 30000
         */
        neo4jMaxRetryMs: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
      })
      .strict()
      .default({}),
    queue: z
      .object({
        /**
         * `memory`: jobs run inside the one process (embedded default). `bullmq`: jobs go through
         * Redis, so `facetag worker` processes on any machine share the work. @default "memory"
         */
        driver: z.enum(['memory', 'bullmq']).default('memory'),
        /** Redis of the bullmq driver, `redis://[:password@]host:port[/db]`. @default "redis://127.0.0.1:6379" */
        redisUrl: z.string().url().default('redis://127.0.0.1:6379'),
        /** Key prefix in Redis; two libraries can share one Redis with two prefixes. @default "facetag" */
        prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('facetag'),
        /** Runs of a job before it is failed for good (the first run counts). @default 3 */
        attempts: positiveInt.max(100).default(3),
        /** Wait before the first retry; doubled for each next one. @default 2000 */
        backoffMs: z.coerce.number().int().min(0).default(2000),
        /** Jobs a `facetag worker` runs at once; unset means two per CPU core (one analysis thread per core). */
        concurrency: positiveInt.max(256).optional(),
        /**
         * A worker holds a job's lock this long and renews it while alive; a job whose worker died
         * (SIGKILL, power cut) goes to another worker once the lock has expired. @default 30000
         */
        lockMs: positiveInt.min(1000).default(30_000),
      })
      .strict()
      .default({}),
    worker: z
      .object({
        /**
         * Address the `facetag worker` process serves `/metrics` and `/healthz` on (Prometheus and
         * the collector scrape it). In a cluster, the worker's own address. @default "127.0.0.1"
         */
        host: z.string().min(1).default('127.0.0.1'),
        /** Port of the worker's `/metrics` and `/healthz` (0 picks a free port). @default 9101 */
        port: z.coerce.number().int().min(0).max(65535).default(9101),
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
        /**
         * Levels of single components over `level`, e.g. "server=debug,index=warn" (components:
         * cli, index, server, backup, eval, worker, ...). @default ""
         */
        levels: z
          .string()
          .regex(/^\s*([a-z][a-z0-9-]*=(trace|debug|info|warn|error|fatal|silent)\s*(,\s*|$))*$/, 'must be component=level pairs separated by commas, e.g. "server=debug,index=info"')
          .default(''),
        /** A log file is rotated before it passes this size (fractions allowed). @default 10 */
        maxSizeMb: z.coerce.number().positive().max(10_000).default(10),
        /** Rotated files kept per component (`<component>.<time>.log`). @default 5 */
        maxFiles: z.coerce.number().int().min(0).max(1000).default(5),
        /** A log file is rotated once it is this many days old, and rotated files older than this are deleted. @default 14 */
        maxAgeDays: z.coerce.number().positive().max(3650).default(14),
      })
      .strict()
      .default({}),
    backup: z
      .object({
        /**
         * Folder that `facetag backup` (with no destination) and the daily schedule write a
         * snapshot into, one `facetag-<UTC time>` folder per run. Put it on another disk.
         */
        dir: z.string().optional(),
        /** Snapshots kept in `backup.dir`; older ones are deleted after a successful run. @default 7 */
        keep: positiveInt.max(3650).default(7),
        /** Local time of the daily backup, HH:MM (24 h). @default "03:30" */
        at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM, e.g. "03:30"').default('03:30'),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
