import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { recognizeText } from '../../src/eval/report-format.js';
import { json, runFacetag } from '../helpers/cli.js';
import { SHARED_FACES, requireShared } from '../helpers/shared.js';

describe.skipIf(!requireShared(SHARED_FACES, 'eval recognize on ../shared/faces'))('facetag eval recognize on the labelled photos of ../shared/faces', () => {
  let labelled: string[];
  let heldBack: number;
  let report: any;

  beforeAll(async () => {
    // Read here, not while collecting: a skipped suite must not touch an absent ../shared.
    labelled = readFileSync(join(SHARED_FACES, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).filter((l) => l.startsWith('images/'));
    const perIdentity = new Map<string, number>();
    for (const l of labelled) perIdentity.set(l.split(',')[1]!, (perIdentity.get(l.split(',')[1]!) ?? 0) + 1);
    heldBack = [...perIdentity.values()].filter((n) => n >= 2).reduce((a, b) => a + b, 0);
    const r = await runFacetag(['eval', 'recognize', '--dataset', SHARED_FACES, '--json']);
    expect(r.code, r.stderr).toBe(0);
    report = json(r);
    const f = (n: number | null) => (n === null ? '-' : n.toFixed(3));
    console.log(`eval recognize on ${SHARED_FACES} with ${report.models}: top-1 ${f(report.known.top1Accuracy)} of ${report.known.queries}, recognised ${report.known.recognised}, wrong above threshold ${report.known.wrongMatches}, below ${report.known.noMatch}; strangers matched ${report.strangers.wrongMatches}/${report.strangers.queries}`);
  }, 600_000);

  it('recognises held-back photos of named people: the right person first, rarely a wrong one above the threshold', () => {
    expect(report.photos).toBe(labelled.length);
    expect(report.notEnrolled).toEqual([]);
    expect(report.known.queries).toBe(heldBack);
    expect(report.known.recognised + report.known.wrongMatches + report.known.noMatch).toBe(heldBack);
    expect(report.known.top1Accuracy).toBeGreaterThanOrEqual(0.95);
    expect(report.known.wrongMatches / heldBack).toBeLessThanOrEqual(0.02);
    expect(report.known.medianSimilarity.right).toBeGreaterThanOrEqual(report.threshold.similarity);
    expect(report.threshold.similarity).toBe(0.6);
  });

  it('seldom matches a stranger to someone', () => {
    expect(report.strangers.queries).toBe(labelled.length);
    expect(report.strangers.wrongMatchRate).toBeLessThanOrEqual(0.05);
    expect(report.strangers.medianSimilarity).toBeLessThan(report.threshold.similarity);
    expect(report.misses.strangersMatched).toHaveLength(report.strangers.wrongMatches);
  });

  it('prints the figures as rows of a table', () => {
    const rows = new Map(recognizeText(report).rows);
    expect(rows.get('  top-1 accuracy')).toMatch(/^\d\.\d{3} \(\d+\/\d+\)$/);
    expect(rows.get('match threshold')).toMatch(/^distance \d\.\d{3} = similarity 0\.6$/);
  });
});
