import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/photos.js';
import { createFaceAnalyser, type FaceAnalyser } from '../vision/face-analyser.js';
import { createDetectionService, rgbToPng, type DetectResponse } from './detection-service.js';
import { createEmbeddingService, type EmbedResponse } from './embedding-service.js';
import { DEFAULT_MODELS } from '../vision/model-manifest.js';

const options = { ...DEFAULT_MODELS, modelsDir: '/nonexistent', threads: 1, minFaceSizePx: 16, maxPixels: 1e8, padRetry: true };
const log = { error: () => {} };
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
};

describe('detection and embedding services (real models, app.request)', () => {
  let analyser: FaceAnalyser;
  let detection: ReturnType<typeof createDetectionService>;
  let embedding: ReturnType<typeof createEmbeddingService>;
  const astronaut = readFileSync(fixture('astronaut.jpg'));

  beforeAll(async () => {
    analyser = await createFaceAnalyser(options);
    detection = createDetectionService({ analyser, log, maxBodyBytes: 4 * 1024 * 1024, version: 'test' });
    embedding = createEmbeddingService({ analyser, log, maxBodyBytes: 4 * 1024 * 1024, version: 'test' });
  });
  afterAll(() => analyser.close());

  const detect = (body: Uint8Array | string, query = '', type = 'image/jpeg') =>
    detection.app.request(`/v1/detect${query}`, { method: 'POST', body, headers: { 'Content-Type': type } });
  const embed = (body: unknown) =>
    embedding.app.request('/v1/embed', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

  it('finds the astronaut face with its box, five landmarks, score and quality', async () => {
    const res = await detect(astronaut);
    expect(res.status).toBe(200);
    const body = (await res.json()) as DetectResponse;
    expect(body.model).toBe(analyser.detectorId);
    expect(body.image).toMatchObject({ width: 512, height: 512, format: 'jpeg' });
    expect(body.faces).toHaveLength(1);
    const f = body.faces[0]!;
    expect(f.box.x).toBeGreaterThan(150);
    expect(f.box.x + f.box.w).toBeLessThan(300);
    expect(f.landmarks).toHaveLength(5);
    expect(f.score).toBeGreaterThan(0.7);
    expect(f.quality.quality).toBeGreaterThan(0.4);
    expect(f.aligned).toBeUndefined();
  });

  it('embeds an aligned crop exactly as the embedded pipeline embeds that face', async () => {
    const local = (await analyser.analyse(astronaut)).faces[0]!;
    // The crop the detection service hands out, and the crop the pipeline itself aligned.
    const detected = (await (await detect(astronaut, '?aligned=true')).json()) as DetectResponse;
    const served = detected.faces[0]!.aligned!;
    const mine = (await rgbToPng(local.aligned)).toString('base64');
    const res = await embed({ model: analyser.embedderId, crops: [served, mine] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as EmbedResponse;
    expect(body.model).toBe(`${DEFAULT_MODELS.embedder}@${analyser.embedderId.split('@')[1]}`);
    expect(body.dimensions).toBe(local.embedding.length);
    expect(body.embeddings).toHaveLength(2);
    for (const e of body.embeddings) {
      expect(Math.hypot(...e)).toBeCloseTo(1, 5);
      expect(cosine(e, local.embedding)).toBeGreaterThan(0.999);
    }
  });

  it('embeds a face given as an image and a box', async () => {
    const local = (await analyser.analyse(astronaut)).faces[0]!;
    const res = await embed({ image: astronaut.toString('base64'), boxes: [local.box] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as EmbedResponse;
    expect(cosine(body.embeddings[0]!, local.embedding)).toBeGreaterThan(0.8);
  });

  it('refuses another model version, wrong crop sizes and bad bodies with clear 4xx errors', async () => {
    const wrongModel = await embed({ model: `${DEFAULT_MODELS.embedder}@0.0.1`, crops: ['AAAA'] });
    expect(wrongModel.status).toBe(409);
    expect(((await wrongModel.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'MODEL_MISMATCH', message: expect.stringContaining(`runs ${analyser.embedderId}`) });

    const big = await sharp({ create: { width: 100, height: 90, channels: 3, background: '#888' } }).png().toBuffer();
    const wrongSize = await embed({ crops: [big.toString('base64')] });
    expect(wrongSize.status).toBe(400);
    expect(await wrongSize.text()).toContain(`crops[0] is 100x90; send faces aligned to ${analyser.alignedSize}x${analyser.alignedSize}`);

    const garbage = await embed({ crops: [Buffer.from('not a png').toString('base64')] });
    expect(garbage.status).toBe(422);
    expect((await embed({})).status).toBe(400);
    expect((await embed({ crops: ['x'], image: 'y', boxes: [{ x: 0, y: 0, w: 1, h: 1 }] })).status).toBe(400);

    const notImage = await detect(Buffer.from('this is not an image at all'), '', 'application/octet-stream');
    expect(notImage.status).toBe(415);
    expect(await notImage.text()).toContain('not an image in a format facetag reads: it holds text');
    expect((await detect(new Uint8Array(0))).status).toBe(400);
    expect((await detect('{"a":1}', '', 'application/json')).status).toBe(415);
    expect((await detect(astronaut, '?model=yunet-2023mar@1')).status).toBe(409);
    const tooBig = await detect(Buffer.alloc(5 * 1024 * 1024, 1));
    expect(tooBig.status).toBe(413);
  });

  it('publishes /healthz, /metrics with its request counters, and an OpenAPI document', async () => {
    const health = (await (await detection.app.request('/healthz')).json()) as { ok: boolean; models: Record<string, string> };
    expect(health).toMatchObject({ ok: true, models: { detector: analyser.detectorId } });
    const metrics = await (await detection.app.request('/metrics')).text();
    expect(metrics).toMatch(/facetag_service_requests_total\{service="detection",status="200"\} [1-9]/);
    expect(metrics).toMatch(/facetag_service_requests_total\{service="detection",status="415"\} [1-9]/);
    expect(metrics).toContain('facetag_service_request_seconds_bucket{le="0.01",service="detection"}');
    // The shared definitions: the machine and process figures the collector re-exports per node, no pipeline series.
    expect(metrics).toMatch(/^facetag_host_cpu_cores [1-9]/m);
    expect(metrics).toMatch(/^facetag_process_resident_memory_bytes [1-9]/m);
    expect(metrics).not.toContain('facetag_photos_processed_total');
    const doc = (await (await embedding.app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/embed']!.post!.requestBody).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/embed', '/healthz', '/metrics']));
  });

  it('requires the bearer token when one is configured', async () => {
    const locked = createEmbeddingService({ analyser, log, maxBodyBytes: 1024, token: 'a-long-enough-secret', version: 'test' });
    const post = (auth?: string) => locked.app.request('/v1/embed', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) } });
    expect((await post()).status).toBe(401);
    expect((await post('Bearer wrong-secret-of-some-length')).status).toBe(401);
    expect((await post('Bearer a-long-enough-secret')).status).toBe(400);
    expect((await locked.app.request('/healthz')).status).toBe(200);
  });
});
