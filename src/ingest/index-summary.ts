import type { CatalogCounts } from '../catalog/catalog.js';
import { emptyXmpCounts, type XmpImportCounts } from '../interop/import-regions.js';
import type { Metrics } from '../metrics/metrics.js';

/** What one index run did, in every mode (the CLI's `index --json`, the dashboard's last run). */
export interface IndexSummary {
  /** `unsettled`: indexed, but not yet moved out of the source (e.g. S3 down); the next run moves them. */
  photos: { seen: number; processed: number; skippedUnchanged: number; failed: number; unsettled: number };
  faces: number;
  newFaces: number;
  people: number;
  unassigned: number;
  durationMs: number;
  /** `file` is the photo's name in its source (relative to the indexed folder). */
  failures: Array<{ file: string; code: string; message: string }>;
  /** Median milliseconds per stage over the processed photos. */
  stageMedianMs: { read: number; decode: number; detect: number; embed: number; store: number };
  interrupted: boolean;
  /** Face regions and person keywords imported from XMP sidecars and embedded XMP (see interop/). */
  xmp: XmpImportCounts;
  /** Entries named like photos that are no file to read (a dangling symlink, a FIFO), by reason; not in `photos`. */
  skipped: Record<string, number>;
  /**
   * Photos analysed again because the models changed (`photos`), and the faces no detector
   * proposes that were embedded again (`facesReembedded`; `facesLeft`: their photo could not be
   * read, tried again next run). Absent when no model change was finished in this run.
   */
  modelChange?: { photos: number; facesReembedded: number; facesLeft: number };
  /** Photos indexed with something left out (EXIF values out of range), one line each. */
  warnings: Array<{ file: string; message: string }>;
}

export interface IndexProgress {
  total: number;
  done: number;
  failed: number;
  faces: number;
}

export interface IndexOptions {
  onProgress?: (p: IndexProgress) => void;
  /** Stops taking new photos when aborted; photos in flight finish (or, queued, wait for the next run). */
  signal?: AbortSignal;
  /** Where the run's pipeline figures go (the server's registry); none for a one-off CLI run. */
  metrics?: Metrics;
}

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
