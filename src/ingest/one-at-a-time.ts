/**
 * Runs the functions given to it one at a time, in the order given: the single writer of an
 * index run. A failure rejects that call only; the next still runs.
 */
export function oneAtATime(): { run<T>(fn: () => Promise<T>): Promise<T>; idle(): Promise<void> } {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>) {
      const next = tail.then(fn, fn);
      tail = next.catch(() => undefined);
      return next;
    },
    idle: () => tail.then(() => undefined),
  };
}
