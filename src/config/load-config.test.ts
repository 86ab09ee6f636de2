import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { MODEL_MANIFEST } from '../vision/model-manifest.js';
import { loadConfig, resolveTunedThresholds, UNTUNED_CLUSTER_THRESHOLDS } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'facetag-config-'));

describe('loadConfig', () => {
  it('gives documented defaults, resolved against cwd, frozen', () => {
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.data.dir).toBe(join(dir, 'facetag-data'));
    expect(config.index.concurrency).toBe(2);
    expect(config.vision.detector).toBe('ultraface-rfb320');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.index)).toBe(true);
  });

  it('layers defaults < file < env < flags', () => {
    const file = join(dir, 'facetag.yaml');
    writeFileSync(file, 'index:\n  concurrency: 3\n  maxPixels: 1000\nvision:\n  minFaceSizePx: 30\n');
    const config = loadConfig({
      cwd: dir, file,
      env: { FACETAG_INDEX_CONCURRENCY: '4', FACETAG_VISION_PAD_RETRY: 'false' },
      flags: { index: { concurrency: 5 } },
    });
    expect(config.index.concurrency).toBe(5);
    expect(config.index.maxPixels).toBe(1000);
    expect(config.vision.minFaceSizePx).toBe(30);
    expect(config.vision.padRetry).toBe(false);
    expect(config.configFile).toBe(file);
  });

  it('names the bad value, where it came from, and the env variable to fix it', () => {
    const run = () => loadConfig({ cwd: dir, env: { FACETAG_INDEX_CONCURRENCY: 'many' } });
    expect(run).toThrow(AppError);
    expect(run).toThrow(/index\.concurrency = "many" from environment variable FACETAG_INDEX_CONCURRENCY is invalid/);
  });

  it('rejects unknown keys in a file and unreadable files', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ index: { concurency: 2 } }));
    expect(() => loadConfig({ cwd: dir, file, env: {} })).toThrow(/unknown key\(s\) concurency/);
    expect(() => loadConfig({ cwd: dir, file: 'missing.yaml', env: {} })).toThrow(/cannot be read/);
    writeFileSync(join(dir, 'broken.json'), '{');
    expect(() => loadConfig({ cwd: dir, file: 'broken.json', env: {} })).toThrow(/not valid JSON/);
  });

  it('reads the config file named by FACETAG_CONFIG', () => {
    const file = join(dir, 'env.json');
    writeFileSync(file, JSON.stringify({ cluster: { k: 8 } }));
    expect(loadConfig({ cwd: dir, env: { FACETAG_CONFIG: file } }).cluster.k).toBe(8);
  });

  describe('model-tuned thresholds, resolved once', () => {
    it('fills cluster.maxDistance and minFaces from the configured embedder\'s manifest entry', () => {
      const embedders = MODEL_MANIFEST.filter((m) => m.kind === 'embedder' && m.tuned.maxDistance !== undefined);
      expect(embedders.length).toBeGreaterThan(1);
      for (const m of embedders) {
        const config = loadConfig({ cwd: dir, env: { FACETAG_VISION_EMBEDDER: m.id } });
        expect(config.cluster).toMatchObject({ maxDistance: m.tuned.maxDistance, minFaces: m.tuned.minFaces ?? UNTUNED_CLUSTER_THRESHOLDS.minFaces });
        expect(Object.isFrozen(config.cluster)).toBe(true);
      }
      const byDefault = loadConfig({ cwd: dir, env: {} });
      expect(byDefault.cluster.maxDistance).toBe(MODEL_MANIFEST.find((m) => m.id === byDefault.vision.embedder)!.tuned.maxDistance);
    });

    it('keeps a configured value over the tuned one, from any layer', () => {
      const file = join(dir, 'thresholds.yaml');
      writeFileSync(file, 'cluster:\n  minFaces: 5\n');
      const config = loadConfig({ cwd: dir, file, env: { FACETAG_CLUSTER_MAX_DISTANCE: '0.42' } });
      expect(config.cluster).toMatchObject({ maxDistance: 0.42, minFaces: 5, k: 16, minSeedQuality: 0.3 });
    });

    it('falls back to the untuned defaults for an embedder the manifest does not tune', () => {
      const config = loadConfig({ cwd: dir, env: {} });
      const own = resolveTunedThresholds({ ...config, vision: { ...config.vision, embedder: 'my-own-embedder' }, cluster: { k: 16, minSeedQuality: 0.3 } });
      expect(own).toEqual({ k: 16, minSeedQuality: 0.3, ...UNTUNED_CLUSTER_THRESHOLDS });
    });
  });
});
