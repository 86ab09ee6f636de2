import type { CatalogCounts } from '../catalog/catalog.js';
import { emptyXmpCounts } from '../interop/import-regions.js';
import type { IndexSummary } from './index-photos.js';

export type StageTimes = Record<keyof IndexSummary['stageMedianMs'], number[]>;

/** The summary of a run over `seen` photos, before any is processed, and its per-stage timings. */
export function startIndexSummary(seen: number): { summary: IndexSummary; stages: StageTimes } {
  return {
    summary: {
      photos: { seen, processed: 0, skippedUnchanged: 0, failed: 0, unsettled: 0 },
      faces: 0, newFaces: 0, people: 0, unassigned: 0, durationMs: 0, failures: [],
      stageMedianMs: { read: 0, decode: 0, detect: 0, embed: 0, store: 0 }, interrupted: false, xmp: emptyXmpCounts(), skipped: {}, warnings: [],
    },
    stages: { read: [], decode: [], detect: [], embed: [], store: [] },
  };
}

/** Completes a run's summary: library counts, duration, stage medians, failures in name order. */
export function finishIndexSummary(summary: IndexSummary, stages: StageTimes, counts: CatalogCounts, startedMs: number): IndexSummary {
  summary.faces = counts.faces;
  summary.people = counts.people;
  summary.unassigned = counts.unassigned;
  summary.durationMs = Math.round(performance.now() - startedMs);
  for (const key of Object.keys(stages) as Array<keyof StageTimes>) summary.stageMedianMs[key] = median(stages[key]);
  summary.failures.sort((a, b) => a.file.localeCompare(b.file));
  return summary;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[s.length >> 1]! * 10) / 10;
}

/** A photo indexed with EXIF values dropped as out of range: said once, in the run's summary. */
export function noteExifDropped(summary: IndexSummary, file: string, dropped: string[] | undefined) {
  if (!dropped?.length) return;
  summary.warnings.push({ file, message: `${dropped.join('; ')}: indexed without ${dropped.length === 1 ? 'it' : 'them'}` });
}
