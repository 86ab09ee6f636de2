import type { IndexProgress } from '../ingest/index-summary.js';

/** A one-line progress bar redrawn in place on a terminal; nothing when output is piped. */
export function createProgressBar(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, enabled: boolean) {
  const started = Date.now();
  let last = 0;
  return {
    update(p: IndexProgress) {
      if (!enabled || !stream.isTTY) return;
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
      const share = p.total ? p.done / p.total : 1;
      const filled = Math.round(share * width);
      const rate = p.done / Math.max(0.001, (now - started) / 1000);
      const eta = rate > 0 ? Math.round((p.total - p.done) / rate) : 0;
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} photos  ${p.faces} faces  ${p.failed} failed  ${rate.toFixed(1)}/s  eta ${eta}s\x1b[K`);
    },
    finish() {
      if (enabled && stream.isTTY) stream.write('\n');
    },
  };
}
