import type { Deps } from '../deps.js';
import { toAppError } from '../errors.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { analysePhoto } from './analyse-photo.js';
import type { AnalysisOutcome } from './analysis-result.js';
import { analyseBoxWith, type AnalysisTransport } from './analysis-transport.js';

/**
 * Analysis in this process: the pool of analysis threads (the embedded default), or the remote
 * pool that sends each photo to the workers' detection and embedding services
 * (`node.remoteInference`). `pool.size` photos are analysed at once; a photo's slot is free as
 * soon as its analysis is, while its result waits for the writer. The pool is the caller's.
 */
export function poolTransport({ blobs, log }: Pick<Deps, 'blobs' | 'log'>, pool: AnalysisPool): AnalysisTransport {
  return {
    modelKey: pool.modelKey,
    embedderId: pool.embedderId,
    analysedBy: 'here',
    durable: false,
    lanes: Math.max(1, pool.size),
    open(hooks) {
      const analysing = new Set<Promise<unknown>>();
      const delivering = new Set<Promise<unknown>>();
      const track = (set: Set<Promise<unknown>>, p: Promise<unknown>) => {
        const tracked = p.finally(() => set.delete(tracked));
        set.add(tracked);
        return tracked;
      };
      return {
        async submit(admitted) {
          while (analysing.size >= Math.max(1, pool.size)) await Promise.race(analysing).catch(() => undefined);
          const analysis = track(analysing, analysePhoto({ blobs }, pool, { key: admitted.photo.key, sidecars: admitted.photo.sidecars, sha256: admitted.sha256, bytes: admitted.bytes })
            .then((a): AnalysisOutcome => ({ outcome: 'done', analysis: a }), (error: unknown): AnalysisOutcome => {
              const e = toAppError(error, 'INTERNAL');
              return { outcome: 'failed', code: e.code, message: e.message };
            }));
          track(delivering, (analysis as Promise<AnalysisOutcome>).then((result) => hooks.deliver(admitted.sha256, admitted.photo, result))
            .catch((error: unknown) => log.error({ code: toAppError(error).code }, 'a result could not be delivered to the writer')));
        },
        async close() {
          while (analysing.size + delivering.size > 0) await Promise.allSettled([...analysing, ...delivering]);
        },
      };
    },
    analyseBox: (bytes, box) => analyseBoxWith(pool, bytes, box),
    close: async () => undefined,
  };
}
