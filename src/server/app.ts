import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { embedderKey } from '../clustering/cluster-params.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { createMetrics, type ClusterChangeKind, type Metrics } from '../metrics/metrics.js';
import type { QueueDepthReader } from '../metrics/queue-depth.js';
import { recordClusterChange, recordHttpRequest } from '../metrics/record.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import type { AuthStore } from './auth-store.js';
import { bodyLimits } from './body-limits.js';
import { createFaceIndexCache } from './face-index-cache.js';
import { HttpError, type ErrorBody } from './http-error.js';
import { createImageService } from './images.js';
import { createIngestRunner } from './ingest-runner.js';
import type { AnalysisTransport } from '../ingest/analysis-transport.js';
import { poolTransport } from '../ingest/pool-transport.js';
import { createPhotoReader } from '../sources/photo-opener.js';
import { createLoginLimiter } from './rate-limit.js';
import { openApiDocument, register, route, type AnyRoute } from './route.js';
import { compreFaceErrorResponse, isCompreFacePath } from './compreface-shapes.js';
import { createRecognitionService } from './recognition-service.js';
import { annotateRoutes } from './routes/annotate-routes.js';
import { compreFaceExampleRoutes } from './routes/compreface-example-routes.js';
import { compreFaceRecognitionRoutes } from './routes/compreface-recognition-routes.js';
import { faceRoutes } from './routes/face-routes.js';
import { ingestRoutes } from './routes/ingest-routes.js';
import { metaRoutes } from './routes/meta-routes.js';
import { peopleRoutes } from './routes/people-routes.js';
import { photoRoutes } from './routes/photo-routes.js';
import { recognizeRoutes } from './routes/recognize-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import type { ServerEnv } from './server-env.js';
import { SESSION_COOKIE, type ServerServices } from './services.js';
import { registerStatic } from './static-files.js';
import { faceCheckOf } from '../vision/face-check.js';

export interface ServerAppOptions extends Pick<Deps, 'config' | 'log' | 'catalog' | 'blobs'> {
  auth: AuthStore;
  /** Starts the analysis pool; called on first need only. */
  startAnalyser(): Promise<AnalysisPool>;
  /** The built dashboard (web/dist). */
  webRoot: string;
  /** The folder "Index now" indexes, absolute; null hides the button. */
  indexFolder: string | null;
  /**
   * Who analyses the photos of "Index now" (closed after each run); default: this server's own
   * analysis threads. Cluster mode: `facetag worker` processes, through the queue.
   */
  indexTransport?: () => Promise<AnalysisTransport>;
  version: string;
  /** This process's metrics; default a new registry over the data folder. */
  metrics?: Metrics;
  /** Cluster mode: the queue's job counts, read into `facetag_queue_depth` at each scrape of /metrics. */
  queueDepth?: QueueDepthReader;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The routes by which a person changes who is who, counted in `facetag_cluster_changes_total{kind}` when they succeed. */
const CLUSTER_CHANGES: Record<string, ClusterChangeKind> = {
  'POST /api/merges': 'merge', 'POST /api/people/:id/split': 'split', 'PUT /api/faces/:id/person': 'move',
  'POST /api/people/:id/reject': 'reject', 'POST /api/people/:id/confirm': 'confirm',
};

const hostOf = (origin: string) => {
  try {
    return new URL(origin).host;
  } catch {
    return null; // "null" (a sandboxed frame) or garbage: never this server
  }
};

/**
 * The dashboard's HTTP app: REST API under /api, the built dashboard, /healthz and /metrics.
 * It opens no port: `facetag serve` hands `app.fetch` to a Node server, tests call `app.request()`.
 */
export function createServerApp(options: ServerAppOptions) {
  const { config, log, catalog, auth } = options;
  let pool: Promise<AnalysisPool> | null = null;
  const analyser = () => {
    pool ??= options.startAnalyser().catch((error) => {
      pool = null;
      throw error;
    });
    return pool;
  };
  const metrics = options.metrics ?? createMetrics({ dataDir: config.data.dir });
  const faceIndex = createFaceIndexCache(catalog, embedderKey(config));
  // Photos after their run (previews, hand-drawn faces) are read where sources/ says: files, s3:// objects.
  const photos = createPhotoReader(config);
  const readPhoto = photos.read;
  const base = {
    config, log, catalog, blobs: options.blobs, auth, analyser, faceIndex,
    limiter: createLoginLimiter({ maxFailures: config.server.maxLoginFailures }),
    images: createImageService(options.blobs, { maxPixels: config.index.maxPixels, presignTtlSeconds: config.storage.presignTtlSeconds, readPhoto }),
    readPhoto,
    ingest: createIngestRunner({ ...options, metrics }, options.indexTransport ?? (async () => poolTransport(options, await analyser())), options.indexFolder, () => faceIndex.reset()),
    metrics,
    version: options.version,
    embedderId: embedderKey(config),
    ...(options.queueDepth ? { queueDepth: options.queueDepth } : {}),
    cluster: config.cluster,
    faceCheck: faceCheckOf(config.vision),
  };
  const services: ServerServices = { ...base, recognition: createRecognitionService(base) };

  const routes: AnyRoute[] = [
    ...metaRoutes(services), ...sessionRoutes(services), ...peopleRoutes(services), ...faceRoutes(services),
    ...photoRoutes(services), ...reviewRoutes(services), ...ingestRoutes(services),
    ...annotateRoutes(services), ...recognizeRoutes(services), ...compreFaceRecognitionRoutes(services),
    ...compreFaceExampleRoutes(services),
  ];
  const document = openApiDocument([...routes, route({
    method: 'get', path: '/api/openapi.json', tag: 'meta', summary: 'This document', handle: () => null,
  })], { version: options.version });

  // strict: false: `/api/v1/recognition/subjects/` as CompreFace's documentation writes it works too.
  const app = new Hono<ServerEnv>({ strict: false });
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    recordHttpRequest(metrics, { method: c.req.method, route: c.req.routePath, status: c.res.status, seconds: (performance.now() - started) / 1000 });
    const change = CLUSTER_CHANGES[`${c.req.method} ${c.req.routePath}`];
    if (change && c.res.ok) recordClusterChange(metrics, change);
  });
  app.use(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:', 'blob:', ...(options.blobs.urlOrigin ? [options.blobs.urlOrigin] : [])],
      connectSrc: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"], objectSrc: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
  }));
  // Who is calling: a session cookie or an API token (CompreFace clients send it as x-api-key).
  // Nothing is refused here; routes decide.
  app.use(async (c, next) => {
    c.set('caller', null);
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? c.req.header('x-api-key')?.trim();
    if (bearer) {
      const token = auth.findToken(bearer);
      if (token === null) throw new HttpError(401, 'UNAUTHENTICATED', 'the API token is not valid (revoked, or mistyped); create one in the dashboard');
      c.set('caller', { kind: 'token', tokenId: token.id, scope: token.scope });
    } else {
      const id = getCookie(c, SESSION_COOKIE);
      const session = id ? auth.findSession(id, config.server.sessionTtlHours * 3600_000) : null;
      if (id && session) c.set('caller', { kind: 'session', sessionId: id, csrf: session.csrf });
    }
    await next();
  });
  // A second CSRF fence for browsers: a state-changing request from another site is refused.
  app.use(async (c, next) => {
    if (STATE_CHANGING.has(c.req.method)) {
      const origin = c.req.header('origin');
      const site = c.req.header('sec-fetch-site');
      const host = c.req.header('host') ?? new URL(c.req.url).host;
      if ((origin !== undefined && hostOf(origin) !== host) || site === 'cross-site') {
        throw new HttpError(403, 'CSRF_FAILED', 'a request from another site was refused');
      }
    }
    await next();
  });
  app.use('/api/*', bodyLimits(routes, config.index.maxFileBytes));

  register(app, routes);
  app.get('/api/openapi.json', (c) => {
    if (!c.get('caller')) throw new HttpError(401, 'UNAUTHENTICATED', 'log in first (POST /api/session), or send an API token');
    return c.json(document);
  });
  registerStatic(app, options.webRoot);

  app.notFound((c) => {
    if (isCompreFacePath(c.req.path)) {
      const error = c.get('caller')
        ? new HttpError(404, 'NO_ROUTE', `no route ${c.req.method} ${c.req.path} in facetag's CompreFace-compatible API; see /api/openapi.json`)
        : new HttpError(401, 'UNAUTHENTICATED', 'send your facetag API token in the x-api-key header (create one in the dashboard, Settings)');
      return compreFaceErrorResponse(c, error, log);
    }
    const body: ErrorBody = c.get('caller')
      ? { error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${new URL(c.req.url).pathname}; see /api/openapi.json` } }
      : { error: { code: 'UNAUTHENTICATED', message: 'log in first (POST /api/session)' } };
    return c.json(body, c.get('caller') ? 404 : 401);
  });
  app.onError((error, c) => {
    if (isCompreFacePath(c.req.path)) return compreFaceErrorResponse(c, error, log);
    if (error instanceof HttpError) {
      for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
      return c.json({ error: { code: error.code, message: error.message } } satisfies ErrorBody, error.status);
    }
    if (error instanceof AppError) {
      return c.json({ error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } } satisfies ErrorBody, error.httpStatus as 400);
    }
    log.error({ err: { message: (error as Error).message, stack: (error as Error).stack }, route: c.req.routePath }, 'request failed');
    return c.json({ error: { code: 'INTERNAL', message: 'internal error; the server log has the details' } } satisfies ErrorBody, 500);
  });

  return {
    app,
    services,
    /** Waits for an index run to stop, and stops the analysis pool. */
    async close() {
      await services.ingest.close();
      await options.queueDepth?.close();
      if (pool) await (await pool.catch(() => null))?.close();
      await photos.close();
    },
  };
}

export type ServerApp = ReturnType<typeof createServerApp>;
