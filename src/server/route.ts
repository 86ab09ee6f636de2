import { timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod/v4';
import { AppError } from '../errors.js';
import { HttpError } from './http-error.js';
import type { ServerContext, ServerEnv } from './server-env.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type AnySchema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/**
 * One REST route: its documentation, its input schemas and its handler. The same object
 * registers the route and writes its part of /api/openapi.json, so the two cannot drift.
 */
export interface RouteDef<P extends AnySchema | undefined = undefined, Q extends AnySchema | undefined = undefined, B extends AnySchema | undefined = undefined> {
  method: Method;
  /** Hono syntax: `/api/people/:id`. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The JSON answer (for the document), or the media type of a binary one. */
  response?: AnySchema | { media: string };
  /** Status of a success. @default 200 */
  status?: 200 | 201 | 202 | 204;
  /** Reachable without logging in. @default false */
  public?: boolean;
  /** Only a browser session may call it, not an API token (tokens and the password). @default false */
  sessionOnly?: boolean;
  /** API tokens limited to recognition (scope `recognition`) may call it too. @default false */
  recognition?: boolean;
  /**
   * The body is images, not JSON: `multipart/form-data` with these parts (or JSON with them as
   * base64 strings; a single image may also be the raw body). The handler reads them itself,
   * within the photo size limit instead of the JSON body limit.
   */
  images?: string[];
  handle(input: { params: Out<P>; query: Out<Q>; body: Out<B>; c: ServerContext }): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDef<any, any, any>;

export function route<P extends AnySchema | undefined = undefined, Q extends AnySchema | undefined = undefined, B extends AnySchema | undefined = undefined>(
  def: RouteDef<P, Q, B>,
): RouteDef<P, Q, B> {
  return def;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function parse<S extends AnySchema>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.length ? `${where} ${issue.path.join('.')}` : where;
  throw new AppError('INVALID_INPUT', `${at}: ${issue.message}`);
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Who may call, and CSRF. A session (cookie) must send its CSRF token in `X-CSRF-Token` on
 * every state-changing request; an API token is not sent by browsers on their own, so needs none.
 */
export function checkAccess(c: ServerContext, def: Pick<AnyRoute, 'public' | 'sessionOnly' | 'recognition'>) {
  const caller = c.get('caller');
  if (!def.public) {
    if (!caller) throw new HttpError(401, 'UNAUTHENTICATED', 'log in first (POST /api/session), or send an API token as `Authorization: Bearer ftk_...` (or in the x-api-key header)');
    if (def.sessionOnly && caller.kind !== 'session') throw new HttpError(403, 'FORBIDDEN', 'API tokens cannot manage tokens or the password; use the dashboard');
    if (caller.kind === 'token' && caller.scope === 'recognition' && !def.recognition) {
      throw new HttpError(403, 'FORBIDDEN', `this API token is limited to recognition; ${c.req.method} ${c.req.routePath} needs a token with full access (create one in the dashboard, Settings)`);
    }
  }
  if (caller?.kind === 'session' && STATE_CHANGING.has(c.req.method)) {
    const sent = c.req.header('x-csrf-token') ?? '';
    if (!same(sent, caller.csrf)) throw new HttpError(403, 'CSRF_FAILED', 'missing or wrong X-CSRF-Token header; reload the page (GET /api/session gives the token)');
  }
}

/** Registers each route on the app with input validation, access checks and JSON answers. */
export function register(app: Hono<ServerEnv>, routes: AnyRoute[]) {
  for (const def of routes) {
    app.on(def.method.toUpperCase(), def.path, async (c) => {
      checkAccess(c, def);
      const params = def.params ? parse(def.params, c.req.param(), 'path parameter') : {};
      const query = def.query ? parse(def.query, c.req.query(), 'query parameter') : {};
      let body: unknown = {};
      if (def.body) {
        if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
          throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with `Content-Type: application/json`');
        }
        let raw: unknown;
        try {
          raw = await c.req.json();
        } catch {
          throw new AppError('INVALID_INPUT', 'the body is not valid JSON');
        }
        body = parse(def.body, raw, 'body');
      }
      const result = await def.handle({ params, query, body, c } as never);
      if (result instanceof Response) return result;
      if (def.status === 204) return c.body(null, 204);
      return c.json(result ?? {}, def.status ?? 200);
    });
  }
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', description: 'facts a program can act on, e.g. the photoIds of a refused merge' } } } },
};

/** The documented body of a route that takes images: multipart parts, or base64 strings in JSON. */
const imagesBody = (parts: string[]) => {
  const props = (schema: object) => ({ type: 'object', required: parts, properties: Object.fromEntries(parts.map((p) => [p, schema])) });
  return {
    required: true,
    content: {
      'multipart/form-data': { schema: props({ type: 'string', format: 'binary' }) },
      'application/json': { schema: props({ type: 'string', contentEncoding: 'base64' }) },
      ...(parts.length === 1 ? { 'image/*': { schema: { type: 'string', format: 'binary' } } } : {}),
    },
  };
};

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };
const jsonSchema = (s: AnySchema): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** The OpenAPI 3.1 document of the routes (schemas are JSON Schema 2020-12). */
export function openApiDocument(routes: AnyRoute[], info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of routes) {
    const path = def.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', def.params], ['query', def.query]] as const) {
      if (!schema) continue;
      const js = jsonSchema(schema);
      for (const [name, prop] of Object.entries(js.properties ?? {})) {
        const p = prop as { description?: string };
        parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: prop, ...(p.description ? { description: p.description } : {}) });
      }
    }
    const ok = def.response && 'media' in def.response
      ? { description: 'OK', content: { [def.response.media]: { schema: { type: 'string', format: 'binary' } } } }
      : def.status === 204
        ? { description: 'Done, no content' }
        : { description: 'OK', content: { 'application/json': { schema: def.response ? jsonSchema(def.response as AnySchema) : { type: 'object' } } } };
    const errors = Object.fromEntries(
      [400, ...(def.public ? [] : [401, 403]), 404, 409, 429].map((s) => [String(s), { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
    );
    paths[path] ??= {};
    paths[path]![def.method] = {
      summary: def.summary,
      tags: [def.tag],
      operationId: `${def.method}${path.replace(/[{}]/g, '').split(/[/-]/).map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : '')).join('')}`,
      ...(parameters.length ? { parameters } : {}),
      ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.body) } } } } : {}),
      ...(def.images ? { requestBody: imagesBody(def.images) } : {}),
      responses: { [String(def.status ?? 200)]: ok, ...errors },
      security: def.public ? [] : [{ session: [], csrf: [] }, { token: [] }, { apiKey: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'facetag admin API',
      version: info.version,
      description: 'Review and name the people facetag found. Errors are `{error: {code, message, details?}}`. A browser session (cookie from POST /api/session) sends `X-CSRF-Token` on every POST, PUT, PATCH and DELETE; scripts use an API token as `Authorization: Bearer ftk_...` (or `x-api-key: ftk_...`). The CompreFace-compatible recognition API under /api/v1 answers errors as CompreFace does, `{message, code}`.',
    },
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'facetag_session' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
        token: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API token, in the header CompreFace clients send it in' },
      },
    },
  };
}
