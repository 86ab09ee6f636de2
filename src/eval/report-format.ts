import type { ClusterReport } from './cluster-eval.js';
import { CROP_MAX_SIDE_PX, type DetectReport } from './detect-eval.js';
import type { RecognizeReport } from './recognize-eval.js';
import type { VerifyReport } from './verify-eval.js';

/** A report as printed: rows of a two-column table, then notes (what to look at), one a line. */
export interface ReportText {
  rows: Array<[string, string]>;
  notes: string[];
}

const num = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : '-');
const list = (items: string[], max = 8) => `${items.slice(0, max).join(', ')}${items.length > max ? `, ... (${items.length - max} more)` : ''}`;

/** Numbers rounded to 4 decimals, and infinities and NaN as null, for --json. */
export function forJson(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value * 1e4) / 1e4 : null;
  if (Array.isArray(value)) return value.map(forJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forJson(v)]));
  return value;
}

export function detectText(r: DetectReport): ReportText {
  const g = r.groups;
  const found = g.perPhoto.reduce((s, p) => s + Math.min(p.found, p.expected), 0);
  const notes: string[] = [];
  const under = g.perPhoto.filter((p) => p.found < p.expected).map((p) => `${p.file} ${p.found}/${p.expected}${p.dropped ? ` (+${p.dropped} too small)` : ''}`);
  const over = g.perPhoto.filter((p) => p.found > p.expected).map((p) => `${p.file} ${p.found}/${p.expected}`);
  if (under.length) notes.push(`groups with faces missed: ${list(under)}`);
  if (over.length) notes.push(`groups with more detections than expected (counts are approximate): ${list(over)}`);
  if (r.noface.withDetections.length) notes.push(`faces found in noface/: ${list(r.noface.withDetections.map((p) => `${p.file} ${p.found}`))}`);
  if (r.labelled.missed.length) notes.push(`no face found in: ${list(r.labelled.missed)}`);
  for (const f of r.failures) notes.push(`failed: ${f.file}: ${f.message} [${f.code}]`);
  return {
    rows: [
      ['models', r.models],
      ['face recall, groups/', `${num(g.recall)} (${found}/${g.facesExpected} expected faces, ${g.detections} detections)`],
      ['  before minFaceSizePx', `${num(g.recallBeforeSizeFilter)} (${g.dropped} faces dropped as too small)`],
      ['false positives per image, noface/', `${num(r.noface.falsePositivesPerImage, 2)} (${r.noface.detections} in ${r.noface.photos} photos)`],
      ['no face found, images/', `${pct(r.labelled.all.missRate)} (${r.labelled.all.missed}/${r.labelled.all.photos})`],
      ['  without tight crops', `${pct(r.labelled.withoutCrops.missRate)} (${r.labelled.withoutCrops.missed}/${r.labelled.withoutCrops.photos}; ${r.labelled.crops} crops <= ${CROP_MAX_SIDE_PX} px left out)`],
      ['median ms per photo', `${num(r.timing.medianMsPerPhoto, 0)} (detection ${num(r.timing.medianDetectMs, 0)})`],
    ],
    notes,
  };
}

export function verifyText(r: VerifyReport): ReportText {
  const t = r.atThreshold;
  const notes: string[] = [];
  if (r.notEnrolled.length) notes.push(`no face to embed in: ${list(r.notEnrolled)}`);
  const pairs = (ps: VerifyReport['hardest']['same']) => list(ps.slice(0, 3).map((p) => `${p.fileA} ~ ${p.fileB} ${num(p.distance)}`), 3);
  if (r.hardest.same.length) notes.push(`same person, furthest apart: ${pairs(r.hardest.same)}`);
  if (r.hardest.different.length) notes.push(`different people, closest: ${pairs(r.hardest.different)}`);
  return {
    rows: [
      ['models', r.models],
      ['labelled face', 'the largest face of each photo'],
      ['failure to enrol', `${pct(r.failureToEnrol)} (${r.notEnrolled.length}/${r.photos} photos with no face)`],
      ['pairs', `${r.pairs.same} same, ${r.pairs.different} different (${r.pairs.withMissingFace} with a missing face, counted wrong)`],
      ['ROC AUC', num(r.auc, 4)],
      [`accuracy at maxDistance ${num(t.maxDistance, 2)}`, `${num(t.accuracy)} (TAR ${num(t.tar)}, FAR ${num(t.far)})`],
      ...r.atFar.map((f): [string, string] => [
        `TAR at FAR ${f.far * 100}%`,
        `${num(f.tar)} (same when distance < ${num(f.threshold)}${f.resolved ? '' : `; ${r.pairs.different} different pairs < 1/FAR, so none may be accepted`})`,
      ]),
      ['median distance', `same ${num(r.medianDistance.same)}, different ${num(r.medianDistance.different)}`],
    ],
    notes,
  };
}

export function clusterText(r: ClusterReport): ReportText {
  const prf = (m: ClusterReport['bcubed']) => `${num(m.precision)} / ${num(m.recall)} / ${num(m.f1)}`;
  const notes: string[] = [];
  for (const m of r.mixed) notes.push(`person ${m.person} mixes ${Object.entries(m.identities).map(([id, n]) => `${id} (${n})`).join(', ')}`);
  for (const s of r.scattered) {
    notes.push(`${s.identity}: ${s.photos} photos in ${s.people} people${s.unassigned ? `, ${s.unassigned} unassigned` : ''}${s.noFace ? `, ${s.noFace} without a face` : ''}`);
  }
  if (r.noFace.length) notes.push(`no face found in: ${list(r.noFace)}`);
  return {
    rows: [
      ['models', r.models],
      ['labelled face', 'the largest face of each photo'],
      ['photos / identities / people', `${r.photos} / ${r.identities} / ${r.people}`],
      ['unassigned / no face', `${r.unassigned} / ${r.noFace.length}`],
      ['BCubed P / R / F1', prf(r.bcubed)],
      ['pairwise P / R / F1', prf(r.pairwise)],
      ['splits per 1,000 faces', `${num(r.fixes.splitsPer1000Faces, 1)} (${r.fixes.splits})`],
      ['merges per 1,000 faces', `${num(r.fixes.mergesPer1000Faces, 1)} (${r.fixes.merges})`],
      ['index run', `${r.index.faces} faces, ${r.index.people} people, ${(r.index.durationMs / 1000).toFixed(1)} s, ${r.index.failed} failed`],
    ],
    notes,
  };
}

export function recognizeText(r: RecognizeReport): ReportText {
  const k = r.known;
  const s = r.strangers;
  const notes: string[] = [];
  const misses = (ms: RecognizeReport['misses']['wrongMatches']) => list(ms.map((m) => `${m.file} as ${m.answered ?? 'nobody'} ${num(m.similarity ?? Number.NaN, 2)}`), 5);
  if (r.notEnrolled.length) notes.push(`no face to embed in: ${list(r.notEnrolled)}`);
  if (r.misses.wrongMatches.length) notes.push(`named people matched to someone else: ${misses(r.misses.wrongMatches)}`);
  if (r.misses.noMatch.length) notes.push(`named people under the threshold: ${misses(r.misses.noMatch)}`);
  if (r.misses.strangersMatched.length) notes.push(`strangers matched to someone: ${misses(r.misses.strangersMatched)}`);
  return {
    rows: [
      ['models', r.models],
      ['labelled face', 'the largest face of each photo'],
      ['match threshold', `distance ${num(r.threshold.distance)} = similarity ${r.threshold.similarity}`],
      ['held-back photos of named people', `${k.queries} (each photo of an identity with 2+ photos, in turn)`],
      ['  top-1 accuracy', `${num(k.top1Accuracy)} (${Math.round(k.top1Accuracy * k.queries)}/${k.queries})`],
      ['  recognised (right, at or above threshold)', `${k.recognised} (${pct(k.recognised / k.queries)})`],
      ['  wrong person above threshold', `${k.wrongMatches} (${pct(k.wrongMatches / k.queries)})`],
      ['  below threshold (unknown)', `${k.noMatch} (${pct(k.noMatch / k.queries)})`],
      ['  median similarity, right / wrong top-1', `${num(k.medianSimilarity.right, 2)} / ${num(k.medianSimilarity.wrong, 2)}`],
      ['strangers (identity left out of the library)', `${s.queries} photos`],
      ['  matched to someone above threshold', `${s.wrongMatches} (${pct(s.wrongMatchRate)}); median top-1 similarity ${num(s.medianSimilarity, 2)}`],
    ],
    notes,
  };
}
