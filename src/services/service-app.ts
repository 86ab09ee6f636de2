import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod/v4';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { createMetrics } from '../metrics/metrics.js';
import { recordServiceRequest } from '../metrics/record.js';

/**
 * What the detection and embedding services share: bearer-token check, body limit, errors as
 * `{error: {code, message}}`, `/healthz`, `/metrics` and `/openapi.json`.
 *
 * Metrics (a registry of their own, one per service process):
 * `facetag_service_requests_total{service,status}` and `facetag_service_request_seconds{service}`.
 */
export interface ServiceAppOptions {
  service: 'detection' | 'embedding';
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
  /** When set, POSTs need `Authorization: Bearer <token>`. */
  token?: string | undefined;
  log: Pick<Logger, 'error'>;
  /** Model ids for /healthz. */
  models: Record<string, string>;
  /** OpenAPI paths of the service's own operations. */
  paths: Record<string, unknown>;
  description: string;
  version: string;
}

export class ServiceError extends Error {
  constructor(readonly status: 400 | 401 | 409 | 413 | 415 | 422, readonly code: string, message: string) {
    super(message);
  }
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export const errorJsonSchema = {
  type: 'object', required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};

export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const errorResponses = (statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), {
  description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
}]));

/** Refuses a request for a model the service does not run: embeddings of two models never mix. */
export function checkModel(asked: string | undefined, serving: string) {
  if (asked !== undefined && asked !== serving) {
    throw new AppError('MODEL_MISMATCH', `this service runs ${serving}, not ${asked}; send model "${serving}", or route the request to a worker running ${asked}`);
  }
}

export function createServiceApp(options: ServiceAppOptions) {
  // The shared metric definitions: request counts and times, plus process and machine figures.
  const metrics = createMetrics({ dataDir: null, queues: [], pipeline: false, service: true });
  const started = Date.now();

  const document = {
    openapi: '3.1.0',
    info: { title: `facetag ${options.service} service`, version: options.version, description: options.description },
    paths: {
      ...options.paths,
      '/healthz': { get: { summary: 'Liveness: 200 with the models loaded', operationId: 'getHealthz', responses: { 200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } } } },
      '/metrics': { get: { summary: 'Prometheus metrics (text format)', operationId: 'getMetrics', responses: { 200: { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document', operationId: 'getOpenapi', responses: { 200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } } } },
    },
    components: {
      schemas: { Error: errorJsonSchema },
      securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'services.token, when the service is configured with one' } },
    },
  };

  const app = new Hono();
  app.use(async (c, next) => {
    const t0 = performance.now();
    await next();
    if (c.req.method === 'POST') {
      recordServiceRequest(metrics, { service: options.service, status: c.res.status, seconds: (performance.now() - t0) / 1000 });
    }
  });
  app.use('/v1/*', async (c, next) => {
    if (options.token) {
      const sent = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!same(sent, options.token)) throw new ServiceError(401, 'UNAUTHENTICATED', 'send the service token as `Authorization: Bearer <token>` (services.token of the worker)');
    }
    await next();
  });
  app.use('/v1/*', bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: () => {
      throw new ServiceError(413, 'PAYLOAD_TOO_LARGE', `the body is over ${options.maxBodyBytes} bytes (services.maxBodyBytes); send a smaller image or raise the limit`);
    },
  }));
  app.get('/healthz', (c) => c.json({ ok: true, service: options.service, models: options.models, uptimeSeconds: Math.round((Date.now() - started) / 1000) }));
  app.get('/metrics', async (c) => c.body(await metrics.text(), 200, { 'Content-Type': metrics.contentType }));
  app.get('/openapi.json', (c) => c.json(document));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${new URL(c.req.url).pathname}; see /openapi.json` } }, 404));
  app.onError((error, c) => {
    if (error instanceof ServiceError) return c.json({ error: { code: error.code, message: error.message } }, error.status);
    if (error instanceof AppError) return c.json({ error: { code: error.code, message: error.message } }, error.httpStatus as 400);
    options.log.error({ err: { message: (error as Error).message, stack: (error as Error).stack }, service: options.service }, 'request failed');
    return c.json({ error: { code: 'INTERNAL', message: 'internal error; the service log has the details' } }, 500);
  });
  return { app, registry: metrics.registry, metrics };
}

/** The raw body of an image request, refusing an empty one or a JSON/form body with a clear message. */
export async function imageBody(c: Context): Promise<Buffer> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('application/json') || type.startsWith('multipart/') || type.startsWith('text/')) {
    throw new ServiceError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the image bytes as the body with Content-Type image/jpeg (or image/png, application/octet-stream), not ${type.split(';')[0]}`);
  }
  const body = Buffer.from(await c.req.arrayBuffer());
  if (body.length === 0) throw new ServiceError(400, 'INVALID_INPUT', 'the body is empty; send the image bytes (curl --data-binary @photo.jpg)');
  return body;
}

/** Parses a JSON body with a zod schema, naming the bad field. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw new ServiceError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with `Content-Type: application/json`');
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new ServiceError(400, 'INVALID_INPUT', 'the body is not valid JSON');
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ServiceError(400, 'INVALID_INPUT', `body${issue.path.length ? ` ${issue.path.join('.')}` : ''}: ${issue.message}`);
}
