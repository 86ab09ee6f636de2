import { AppError } from '../errors.js';
import type { Box, Point } from '../vision/image.js';
import type { FaceQuality } from '../vision/quality.js';
import type { DetectResponse } from './detection-service.js';
import type { EmbedResponse } from './embedding-service.js';

/**
 * Remote inference over the workers' detection (5001) and embedding (5002) services, spread
 * over every worker the cluster file names. Health-aware: a background probe of `/healthz`
 * with a short timeout marks a worker down at once, requests skip workers that are down, and a
 * refused or reset connection marks the worker down and fails over to the next at once, so a
 * dead worker costs no request timeout.
 */
export interface RemoteInferenceOptions {
  /** Base URLs of detection services (`http://10.10.10.11:5001`). */
  detection: string[];
  /** Base URLs of embedding services. */
  embedding: string[];
  /** services.token of the workers, when they have one. */
  token?: string | undefined;
  /** The embedder id@version the caller stores; a worker running another is refused. */
  embedder?: string | undefined;
  /** Time between health probes. @default 2000 */
  probeIntervalMs?: number;
  /** A worker that does not answer /healthz within this is marked down. @default 1000 */
  probeTimeoutMs?: number;
  /** Longest an inference request may take on a worker that is up. @default 120000 */
  requestTimeoutMs?: number;
  /** Injected for tests; the global fetch by default. */
  fetch?: typeof fetch;
}

export interface EndpointStatus {
  service: 'detection' | 'embedding';
  url: string;
  up: boolean;
  /** Requests sent to it (including ones that failed over). */
  attempts: number;
  failures: number;
  lastError: string | null;
}

export interface RemoteFace {
  box: Box;
  landmarks: Point[];
  detScore: number;
  quality: FaceQuality;
  embedding: Float32Array;
}

export interface RemoteInference {
  detect(image: Buffer, options?: { aligned?: boolean; thumbnails?: boolean; model?: string }): Promise<DetectResponse>;
  embed(crops: string[]): Promise<EmbedResponse>;
  /** Detect on one worker, embed the aligned faces on another (or the same): the pipeline's analysis. */
  analyse(image: Buffer): Promise<{ detector: string; embedder: string; faces: RemoteFace[]; dropped: number }>;
  status(): EndpointStatus[];
  /** Probes every worker now (the background probe does this every probeIntervalMs). */
  probeNow(): Promise<void>;
  close(): void;
}

/** A failure of the worker (not of the request): try the next one. */
const FAILOVER_STATUS = new Set([502, 503, 504]);

function describeNetworkError(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.name ?? String(error);
}

export function createRemoteInference(options: RemoteInferenceOptions): RemoteInference {
  const doFetch = options.fetch ?? fetch;
  const probeTimeoutMs = options.probeTimeoutMs ?? 1000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const endpoints: EndpointStatus[] = [
    ...options.detection.map((url) => ({ service: 'detection' as const, url: url.replace(/\/$/, ''), up: true, attempts: 0, failures: 0, lastError: null })),
    ...options.embedding.map((url) => ({ service: 'embedding' as const, url: url.replace(/\/$/, ''), up: true, attempts: 0, failures: 0, lastError: null })),
  ];
  const inFlight = new Map<EndpointStatus, number>();
  const cursor = { detection: 0, embedding: 0 };
  const auth: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};

  const markDown = (e: EndpointStatus, reason: string) => {
    e.up = false;
    e.failures++;
    e.lastError = reason;
  };

  async function probe(e: EndpointStatus) {
    try {
      const res = await doFetch(`${e.url}/healthz`, { signal: AbortSignal.timeout(probeTimeoutMs) });
      await res.body?.cancel();
      if (res.ok) {
        e.up = true;
        e.lastError = null;
      } else markDown(e, `healthz answered ${res.status}`);
    } catch (error) {
      markDown(e, `healthz: ${describeNetworkError(error)}`);
    }
  }
  const probeNow = async () => {
    await Promise.all(endpoints.map(probe));
  };
  const timer = setInterval(() => void probeNow(), options.probeIntervalMs ?? 2000);
  timer.unref();

  /** The up endpoints of a service, least busy first, round-robin among equals. */
  function candidates(service: 'detection' | 'embedding'): EndpointStatus[] {
    const all = endpoints.filter((e) => e.service === service);
    const start = cursor[service]++ % Math.max(1, all.length);
    const rotated = [...all.slice(start), ...all.slice(0, start)];
    return rotated.filter((e) => e.up).sort((a, b) => (inFlight.get(a) ?? 0) - (inFlight.get(b) ?? 0));
  }

  async function call(service: 'detection' | 'embedding', path: string, init: RequestInit): Promise<Response> {
    let list = candidates(service);
    if (list.length === 0) {
      // Every worker looked down: look again before giving up, they may be back.
      await Promise.all(endpoints.filter((e) => e.service === service).map(probe));
      list = candidates(service);
    }
    const tried: string[] = [];
    for (const e of list) {
      if (!e.up) continue; // marked down by a probe while we were trying others
      e.attempts++;
      inFlight.set(e, (inFlight.get(e) ?? 0) + 1);
      try {
        const res = await doFetch(`${e.url}${path}`, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
        if (FAILOVER_STATUS.has(res.status)) {
          await res.body?.cancel();
          markDown(e, `answered ${res.status}`);
          tried.push(`${e.url} (${res.status})`);
          continue;
        }
        return res;
      } catch (error) {
        const reason = describeNetworkError(error);
        markDown(e, reason);
        tried.push(`${e.url} (${reason})`);
      } finally {
        inFlight.set(e, (inFlight.get(e) ?? 1) - 1);
      }
    }
    const all = endpoints.filter((x) => x.service === service).map((x) => x.url);
    throw new AppError('SERVICE_UNAVAILABLE', all.length === 0
      ? `no ${service} service is configured; add a worker node to the cluster file`
      : `no ${service} service answered (${tried.length ? `tried ${tried.join(', ')}` : `all down: ${all.join(', ')}`}); start \`facetag service ${service}\` on the workers and run \`facetag cluster check\``);
  }

  async function answer<T>(res: Response, service: string): Promise<T> {
    const body = await res.json().catch(() => null) as (T & { error?: { code: string; message: string } }) | null;
    if (res.ok && body) return body;
    const code = body?.error?.code;
    const message = body?.error?.message ?? `the ${service} service answered ${res.status}`;
    if (code === 'MODEL_MISMATCH') throw new AppError('MODEL_MISMATCH', message);
    throw new AppError(res.status === 413 ? 'PHOTO_TOO_LARGE' : res.status === 415 ? 'PHOTO_UNSUPPORTED' : res.status === 422 ? 'PHOTO_CORRUPT' : res.status < 500 ? 'INVALID_INPUT' : 'INTERNAL', `${service} service: ${message}`);
  }

  const api: RemoteInference = {
    async detect(image, opts = {}) {
      const query = new URLSearchParams({ ...(opts.aligned ? { aligned: 'true' } : {}), ...(opts.thumbnails ? { thumbnails: 'true' } : {}), ...(opts.model ? { model: opts.model } : {}) }).toString();
      const res = await call('detection', `/v1/detect${query ? `?${query}` : ''}`, {
        method: 'POST', body: new Uint8Array(image), headers: { 'Content-Type': 'application/octet-stream', ...auth },
      });
      return answer<DetectResponse>(res, 'detection');
    },
    async embed(crops) {
      const res = await call('embedding', '/v1/embed', {
        method: 'POST', body: JSON.stringify({ crops, ...(options.embedder ? { model: options.embedder } : {}) }), headers: { 'Content-Type': 'application/json', ...auth },
      });
      return answer<EmbedResponse>(res, 'embedding');
    },
    async analyse(image) {
      const detected = await api.detect(image, { aligned: true });
      const embedded = detected.faces.length > 0 ? await api.embed(detected.faces.map((f) => f.aligned!)) : null;
      return {
        detector: detected.model,
        embedder: embedded?.model ?? options.embedder ?? '',
        dropped: detected.dropped,
        faces: detected.faces.map((f, i) => ({
          box: f.box, landmarks: f.landmarks as Point[], detScore: f.score, quality: f.quality,
          embedding: Float32Array.from(embedded!.embeddings[i]!),
        })),
      };
    },
    status: () => endpoints.map((e) => ({ ...e })),
    probeNow,
    close: () => clearInterval(timer),
  };
  return api;
}
