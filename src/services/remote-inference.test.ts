import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/photos.js';
import { startService, type RunningService } from '../../test/helpers/service.js';
import { createAnalysisPool } from '../vision/analysis-pool.js';
import { createFaceAnalyser } from '../vision/face-analyser.js';
import { createRemoteAnalysisPool } from './remote-analysis-pool.js';
import { rgbToPng } from './detection-service.js';
import { createRemoteInference } from './remote-inference.js';
import { DEFAULT_MODELS } from '../vision/model-manifest.js';
import { modelKeys } from '../vision/model-key.js';

const analyserOptions = { ...DEFAULT_MODELS, modelsDir: '/nonexistent', threads: 1, minFaceSizePx: 16, maxPixels: 1e8, padRetry: true };

describe('remote inference over real service processes on 127.0.0.1', () => {
  let a: RunningService;
  let b: RunningService;
  let detection: RunningService;
  let crop: string;
  let expected: Float32Array;
  // A worker that accepts connections and never answers: a hung machine.
  let hung: Server;
  const sockets: Socket[] = [];
  let hungUrl: string;

  beforeAll(async () => {
    [a, b, detection] = await Promise.all([startService('embedding'), startService('embedding'), startService('detection')]);
    const analyser = await createFaceAnalyser(analyserOptions);
    const face = (await analyser.analyse(readFileSync(fixture('astronaut.jpg')))).faces[0]!;
    crop = (await rgbToPng(face.aligned)).toString('base64');
    expected = face.embedding;
    await analyser.close();
    hung = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    hungUrl = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), detection?.stop()]);
    for (const s of sockets) s.destroy();
    hung?.close();
  });

  it('spreads requests over both workers, and keeps answering when one is killed, never sending it another request', async () => {
    const client = createRemoteInference({ detection: [], embedding: [a.url, b.url], probeIntervalMs: 60_000 });
    try {
      for (let i = 0; i < 4; i++) {
        const r = await client.embed([crop]);
        expect(r.embeddings[0]![0]).toBeCloseTo(expected[0]!, 5);
      }
      const before = client.status();
      expect(before.map((s) => s.attempts)).toEqual([2, 2]);

      a.child.kill('SIGKILL');
      await new Promise((r) => a.child.once('exit', r));
      for (let i = 0; i < 6; i++) expect((await client.embed([crop])).embeddings).toHaveLength(1);

      const [dead, alive] = client.status();
      expect(dead).toMatchObject({ url: a.url, up: false, failures: 1, lastError: 'ECONNREFUSED' });
      // At most the one request that found it dead (and failed over at once); none after.
      expect(dead!.attempts).toBeLessThanOrEqual(3);
      const deadAttempts = dead!.attempts;
      for (let i = 0; i < 3; i++) await client.embed([crop]);
      expect(client.status()[0]!.attempts).toBe(deadAttempts);
      expect(alive).toMatchObject({ up: true, failures: 0 });

      // The background probe keeps it marked down while it stays dead.
      await client.probeNow();
      expect(client.status()[0]!.up).toBe(false);
    } finally {
      client.close();
    }
  });

  it('marks a hung worker down from its health probe, so requests skip it instead of waiting', async () => {
    const client = createRemoteInference({ detection: [], embedding: [hungUrl, b.url], probeIntervalMs: 60_000, probeTimeoutMs: 300 });
    try {
      await client.probeNow();
      const [hungStatus] = client.status();
      expect(hungStatus).toMatchObject({ up: false, lastError: expect.stringMatching(/TimeoutError|aborted/i) });
      for (let i = 0; i < 4; i++) await client.embed([crop]);
      expect(client.status().map((s) => s.attempts)).toEqual([0, 4]);
    } finally {
      client.close();
    }
  });

  it('analyses a photo remotely (detect on one service, embed on another) as the embedded pipeline does', async () => {
    const client = createRemoteInference({ detection: [detection.url], embedding: [b.url], probeIntervalMs: 60_000 });
    try {
      const r = await client.analyse(readFileSync(fixture('astronaut.jpg')));
      expect(r.detector).toMatch(new RegExp(`^${DEFAULT_MODELS.detector}@[^+]+\\+${DEFAULT_MODELS.landmarker}@`));
      expect(r.embedder).toMatch(new RegExp(`^${DEFAULT_MODELS.embedder}@`));
      expect(r.faces).toHaveLength(1);
      let dot = 0;
      for (let i = 0; i < expected.length; i++) dot += expected[i]! * r.faces[0]!.embedding[i]!;
      expect(dot).toBeGreaterThan(0.999);
    } finally {
      client.close();
    }
  });

  it('fails at once with a clear error when no worker is up, and refuses another model version', async () => {
    const none = createRemoteInference({ detection: [], embedding: [a.url], probeIntervalMs: 60_000 });
    await expect(none.embed([crop])).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('start `facetag service embedding`') });
    none.close();
    const other = createRemoteInference({ detection: [], embedding: [b.url], embedder: `${DEFAULT_MODELS.embedder}@9.9.9`, probeIntervalMs: 60_000 });
    await expect(other.embed([crop])).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
    other.close();
  });

  it('serves the pipeline\'s AnalysisPool from the workers: the same faces, embeddings, metadata and thumbnails as the local pool', async () => {
    const localPool = await createAnalysisPool(analyserOptions, 1);
    const client = createRemoteInference({ detection: [detection.url], embedding: [b.url], embedder: localPool.embedderId, probeIntervalMs: 60_000 });
    const { detectorId } = modelKeys(analyserOptions);
    const pool = createRemoteAnalysisPool(client, { detectorId, embedderId: localPool.embedderId, size: 2, local: async () => localPool });
    try {
      expect(pool.modelKey).toBe(localPool.modelKey);
      for (const name of ['astronaut.jpg', 'astronaut-rotated.jpg']) {
        const photo = readFileSync(fixture(name));
        const [remote, local] = [await pool.analyse(photo), await localPool.analyse(photo)];
        expect(remote.meta).toEqual(local.meta);
        expect(remote.faces).toHaveLength(local.faces.length);
        expect(remote.faces.length).toBeGreaterThan(0);
        remote.faces.forEach((f, i) => {
          const l = local.faces[i]!;
          expect(f.box).toEqual(l.box);
          expect(f.quality).toEqual(l.quality);
          let dot = 0;
          for (let k = 0; k < l.embedding.length; k++) dot += l.embedding[k]! * f.embedding[k]!;
          expect(dot).toBeGreaterThan(0.999);
          expect(Buffer.from(f.thumbnail).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
          expect(Buffer.from(f.thumbnail).equals(Buffer.from(l.thumbnail))).toBe(true);
        });
      }
      // A hand-drawn box goes to the local pool.
      const drawn = await pool.analyse(readFileSync(fixture('astronaut.jpg')), { x: 179, y: 65, w: 88, h: 108 });
      expect(drawn.faces).toHaveLength(1);
      expect(client.status().find((s) => s.service === 'detection')!.attempts).toBe(2);
    } finally {
      await pool.close();
    }
  });
});
