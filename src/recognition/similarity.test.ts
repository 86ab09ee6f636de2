import { describe, expect, it } from 'vitest';
import { clusterParams } from '../cluster/cluster-params.js';
import { loadConfig } from '../config/load-config.js';
import { MODEL_MANIFEST } from '../vision/model-manifest.js';
import { distanceOf, isMatch, MATCH_SIMILARITY, similarityOf } from './similarity.js';

describe('calibrated similarity', () => {
  // Thresholds of very different embedders: today's 512-d one, a compressed one like dlib's.
  const thresholds = [0.55, 0.08, 0.3];

  it('is 1 for identical faces, 0.6 at the library threshold, 0 from twice the threshold on, whatever the threshold', () => {
    for (const t of thresholds) {
      expect(similarityOf(0, t)).toBe(1);
      expect(similarityOf(t, t)).toBe(MATCH_SIMILARITY);
      expect(similarityOf(2 * t, t)).toBe(0);
      expect(similarityOf(1.5, t)).toBe(0);
      expect(similarityOf(t / 2, t)).toBeCloseTo(0.8, 5);
      expect(similarityOf(1.5 * t, t)).toBeCloseTo(0.3, 5);
    }
    expect(MATCH_SIMILARITY).toBe(0.6);
  });

  it('falls as the distance grows, and is a match exactly when the distance is within the threshold', () => {
    for (const t of thresholds) {
      let last = 2;
      for (let d = 0; d <= 2.5 * t; d += t / 50) {
        const s = similarityOf(d, t);
        expect(s).toBeLessThanOrEqual(last);
        expect(s >= MATCH_SIMILARITY).toBe(isMatch(d, t) || s === MATCH_SIMILARITY);
        last = s;
      }
      expect(isMatch(t, t)).toBe(true);
      expect(isMatch(t * 1.0001, t)).toBe(false);
      expect(similarityOf(t * 1.0001, t)).toBeLessThan(MATCH_SIMILARITY);
    }
  });

  it('turns back into the distance it came from', () => {
    for (const t of thresholds) for (const d of [0, 0.2 * t, t, 1.3 * t, 1.9 * t]) expect(distanceOf(similarityOf(d, t), t)).toBeCloseTo(d, 4);
  });

  it('sits at 0.6 on every embedder\'s tuned threshold, and on a configured one', () => {
    const embedders = MODEL_MANIFEST.filter((m) => m.kind === 'embedder');
    expect(embedders.length).toBeGreaterThan(0);
    for (const m of embedders) {
      const t = clusterParams(loadConfig({ env: { FACETAG_VISION_EMBEDDER: m.id } })).maxDistance;
      expect(t).toBe(m.tuned.maxDistance ?? t);
      expect(similarityOf(t, t)).toBe(MATCH_SIMILARITY);
    }
    const configured = clusterParams(loadConfig({ env: { FACETAG_CLUSTER_MAX_DISTANCE: '0.42' } })).maxDistance;
    expect(configured).toBe(0.42);
    expect(similarityOf(0.42, configured)).toBe(MATCH_SIMILARITY);
  });

  it('refuses a threshold that is not a positive distance', () => {
    expect(() => similarityOf(0.1, 0)).toThrow(/positive distance/);
  });
});
