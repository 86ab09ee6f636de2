import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/photos.js';
import { createFaceAnalyser, type FaceAnalyser } from './face-analyser.js';
import { DEFAULT_MODELS } from './model-manifest.js';

const options = { ...DEFAULT_MODELS, modelsDir: '/nonexistent', threads: 1, minFaceSizePx: 16, maxPixels: 1e8 };

describe('face analyser (default models)', () => {
  let padded: FaceAnalyser;
  let plain: FaceAnalyser;
  beforeAll(async () => {
    padded = await createFaceAnalyser({ ...options, padRetry: true });
    plain = await createFaceAnalyser({ ...options, padRetry: false });
  });
  afterAll(async () => {
    await padded.close();
    await plain.close();
  });

  it('finds one frontal face with landmarks in order, a unit embedding and a sane quality', async () => {
    const r = await padded.analyse(readFileSync(fixture('astronaut.jpg')));
    expect(r.faces).toHaveLength(1);
    const f = r.faces[0]!;
    expect(f.box.x).toBeGreaterThan(150);
    expect(f.box.x + f.box.w).toBeLessThan(300);
    const [le, re, nose, lm, rm] = f.landmarks;
    expect(le![0]).toBeLessThan(re![0]);
    expect(lm![0]).toBeLessThan(rm![0]);
    expect(nose![1]).toBeGreaterThan(le![1]);
    expect(lm![1]).toBeGreaterThan(nose![1]);
    expect(Math.hypot(...f.embedding)).toBeCloseTo(1, 5);
    expect(f.quality.quality).toBeGreaterThan(0.4);
    expect(Math.abs(f.quality.yaw)).toBeLessThan(0.25);
  });

  it('finds a face that fills the whole frame only by looking again with padding', async () => {
    const tight = await sharp(fixture('astronaut.jpg')).extract({ left: 200, top: 95, width: 50, height: 55 }).jpeg().toBuffer();
    expect((await plain.analyse(tight)).faces).toHaveLength(0);
    const found = (await padded.analyse(tight)).faces;
    expect(found).toHaveLength(1);
    // Mapped back to the crop's own pixels: the box lies on the crop.
    expect(found[0]!.box.x).toBeGreaterThan(-10);
    expect(found[0]!.box.y).toBeGreaterThan(-10);
    expect(found[0]!.box.x + found[0]!.box.w).toBeLessThan(60);
  });

  it('embeds a box drawn by hand', async () => {
    const r = await padded.analyseBox(readFileSync(fixture('astronaut.jpg')), { x: 179, y: 65, w: 88, h: 108 });
    const auto = (await padded.analyse(readFileSync(fixture('astronaut.jpg')))).faces[0]!;
    let dot = 0;
    for (let i = 0; i < auto.embedding.length; i++) dot += auto.embedding[i]! * r.faces[0]!.embedding[i]!;
    expect(1 - dot).toBeLessThan(0.2);
    await expect(padded.analyseBox(readFileSync(fixture('astronaut.jpg')), { x: 500, y: 500, w: 80, h: 80 })).rejects.toThrow(/is not inside the 512x512 photo/);
  });
});
