import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, MODEL_MANIFEST, findModel } from './model-manifest.js';

const root = join(import.meta.dirname, '..', '..');
const PERMISSIVE = new Set(['MIT', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'public domain', 'CC0-1.0']);

describe('model manifest', () => {
  it('every default model has a permissive licence stated by its author, with the text shipped, from a pinned npm package', () => {
    const builtIn = MODEL_MANIFEST.filter((m) => m.builtIn);
    expect(builtIn.map((m) => m.id).sort()).toEqual(Object.values(DEFAULT_MODELS).sort());
    for (const m of builtIn) {
      expect(PERMISSIVE.has(m.licence), `${m.id}: ${m.licence}`).toBe(true);
      expect(m.origin.author).not.toMatch(/unknown/i);
      expect(m.origin.trainingData.length).toBeGreaterThan(10);
      expect(existsSync(join(root, m.origin.licenceFile!)), m.origin.licenceFile).toBe(true);
      expect('npm' in m.source && m.source.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // The licence texts name each default model's author.
    const readme = readFileSync(join(root, 'model-licences', 'README.md'), 'utf8');
    for (const m of builtIn) expect(readme).toContain(`\`${m.id}\``);
  });

  it('models of unknown origin are opt-in only and say so', () => {
    for (const m of MODEL_MANIFEST.filter((x) => x.licence === 'unknown')) {
      expect(m.builtIn).toBe(false);
      expect(m.origin.author).toMatch(/unknown/i);
    }
    expect(findModel('faceplugin-r512')!.licence).toBe('unknown');
  });

  it('every embedder says what aligned face it takes and its size; thresholds are tuned per model', () => {
    for (const m of MODEL_MANIFEST.filter((x) => x.kind === 'embedder')) {
      expect(m.alignment!.template).toHaveLength(5);
      expect(m.dimensions).toBeGreaterThan(0);
      expect(m.tuned.maxDistance).toBeGreaterThan(0);
    }
    expect(findModel(DEFAULT_MODELS.landmarker)!.tuned.minFaceness).toBeGreaterThan(0);
  });
});
