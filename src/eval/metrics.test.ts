import { describe, expect, it } from 'vitest';
import { accuracyAt, bcubed, cosineDistance, detectionRecall, fixCounts, median, pairwiseF1, rocAuc, tarAtFar, type Labelled, type ScoredPair } from './metrics.js';

const pairs = (same: number[], different: number[]): ScoredPair[] => [
  ...same.map((distance) => ({ distance, same: true })),
  ...different.map((distance) => ({ distance, same: false })),
];

describe('rocAuc', () => {
  it('counts the same pairs closer than the different pairs, ties as half', () => {
    // 0.1 beats all three; 0.4 beats 0.5, ties 0.4, loses to 0.3: (3 + 1.5) / 6
    expect(rocAuc(pairs([0.1, 0.4], [0.3, 0.5, 0.4]))).toBe(0.75);
  });

  it('is 1 when separated, 0 when reversed, NaN with one kind only', () => {
    expect(rocAuc(pairs([0.1, 0.2], [0.8, 0.9]))).toBe(1);
    expect(rocAuc(pairs([0.8, 0.9], [0.1, 0.2]))).toBe(0);
    expect(rocAuc(pairs([0.1], []))).toBeNaN();
  });

  it('scores a failed same pair worst and a failed different pair as a match', () => {
    // 0.2 beats 0.5 only; Infinity beats nothing: 1 / 4
    expect(rocAuc(pairs([0.2, Infinity], [-Infinity, 0.5]))).toBe(0.25);
  });
});

describe('accuracyAt', () => {
  it('accepts a pair at or under the threshold', () => {
    // right: 0.2 same, 0.9 different; wrong: 0.6 same, 0.5 different (accepted at <=)
    expect(accuracyAt(pairs([0.2, 0.6], [0.5, 0.9]), 0.5)).toBe(0.5);
  });
});

describe('tarAtFar', () => {
  const impostors = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2];
  const genuine = [0.1, 0.2, 0.35, 0.5];

  it('sets the threshold at the first different pair past the allowed false accepts', () => {
    expect(tarAtFar(pairs(genuine, impostors), 0.1)).toEqual({ far: 0.1, threshold: 0.4, tar: 0.75, achievedFar: 0.1, resolved: true });
  });

  it('allows no false accept when the rate is under 1 / number of different pairs', () => {
    expect(tarAtFar(pairs(genuine, impostors), 0.01)).toEqual({ far: 0.01, threshold: 0.3, tar: 0.5, achievedFar: 0, resolved: false });
  });

  it('accepts nothing when failed different pairs alone exceed the rate', () => {
    const r = tarAtFar(pairs([0.1], [-Infinity, 0.5]), 0.01);
    expect(r.threshold).toBe(-Infinity);
    expect(r.tar).toBe(0);
  });
});

describe('clustering scores', () => {
  // cluster A holds x, x, y; cluster B holds the other y; cluster C holds z
  const items: Labelled[] = [
    { predicted: 'A', truth: 'x' }, { predicted: 'A', truth: 'x' }, { predicted: 'A', truth: 'y' },
    { predicted: 'B', truth: 'y' }, { predicted: 'C', truth: 'z' },
  ];

  it('bcubed averages per-item cluster purity and identity completeness', () => {
    // precision: 2/3 + 2/3 + 1/3 + 1 + 1 = 11/3 over 5 items; recall: 1 + 1 + 1/2 + 1/2 + 1 = 4 over 5
    const r = bcubed(items);
    expect(r.precision).toBeCloseTo(11 / 15, 12);
    expect(r.recall).toBeCloseTo(4 / 5, 12);
    expect(r.f1).toBeCloseTo(88 / 115, 12);
  });

  it('pairwiseF1 counts pairs put together and pairs of one identity', () => {
    // predicted pairs 3 (all in A), of which 1 is x-x; true pairs 2 (x-x, y-y)
    const r = pairwiseF1(items);
    expect(r.precision).toBeCloseTo(1 / 3, 12);
    expect(r.recall).toBe(0.5);
    expect(r.f1).toBeCloseTo(0.4, 12);
  });

  it('pairwiseF1 of singletons claims nothing and finds nothing', () => {
    expect(pairwiseF1([{ predicted: '1', truth: 'x' }, { predicted: '2', truth: 'x' }])).toEqual({ precision: 1, recall: 0, f1: 0 });
  });

  it('fixCounts counts one split (A mixes x and y) and one merge (y is in A and B)', () => {
    expect(fixCounts(items)).toEqual({ splits: 1, merges: 1, clusters: 3, identities: 3 });
  });

  it('a perfect clustering scores 1 and needs no fix', () => {
    const perfect: Labelled[] = [{ predicted: '7', truth: 'x' }, { predicted: '7', truth: 'x' }, { predicted: '8', truth: 'y' }];
    expect(bcubed(perfect)).toEqual({ precision: 1, recall: 1, f1: 1 });
    expect(pairwiseF1(perfect)).toEqual({ precision: 1, recall: 1, f1: 1 });
    expect(fixCounts(perfect)).toEqual({ splits: 0, merges: 0, clusters: 2, identities: 2 });
  });
});

describe('detectionRecall, median, cosineDistance', () => {
  it('caps extra detections at the expected count', () => {
    expect(detectionRecall([{ found: 3, expected: 2 }, { found: 1, expected: 4 }])).toBe(0.5);
  });

  it('median takes the middle, or the mean of the two middles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('cosineDistance is 1 - dot of unit vectors', () => {
    expect(cosineDistance(Float32Array.of(1, 0), Float32Array.of(0, 1))).toBe(1);
    expect(cosineDistance(Float32Array.of(0, 1), Float32Array.of(0, 1))).toBe(0);
    expect(cosineDistance(Float32Array.of(0.6, 0.8), Float32Array.of(0.8, 0.6))).toBeCloseTo(0.04, 6);
  });
});
