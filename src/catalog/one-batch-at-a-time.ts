import type { Catalog } from './catalog.js';

/**
 * A batch's transaction stays open across the writer's awaits, on the connection every other
 * call uses: so every other call (and a second batch) waits until the open batch has committed
 * or rolled back, rather than writing into it.
 */
export function oneBatchAtATime<C extends Catalog>(catalog: C): C {
  /** Batches run one after another; `open` is settled once the last one queued has. */
  let chain: Promise<unknown> = Promise.resolve();
  let open: Promise<unknown> | null = null;
  let queued = 0;
  const gated = { ...catalog };
  for (const [name, value] of Object.entries(catalog)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...args: unknown[]) => Promise<unknown>;
    (gated as Record<string, unknown>)[name] = name === 'writeBatch'
      ? (...args: unknown[]) => {
        queued++;
        const run = chain.then(() => fn(...args));
        chain = open = run.catch(() => undefined);
        return run.finally(() => {
          if (--queued === 0) open = null;
        });
      }
      : async (...args: unknown[]) => {
        while (open) await open;
        return fn(...args);
      };
  }
  return gated;
}
