import { plural } from '../plural.js';
import { HttpError } from './http-error.js';

/**
 * Failed logins per client address in a sliding window. Past `maxFailures`, logins from that
 * address are refused (429 with Retry-After) until the oldest failure leaves the window; a
 * global cap of ten times that stops a guesser that rotates addresses.
 */
export function createLoginLimiter(options: { maxFailures: number; windowMs?: number; now?: () => number }) {
  const windowMs = options.windowMs ?? 15 * 60_000;
  const clock = options.now ?? Date.now;
  const failures = new Map<string, number[]>();
  const all: number[] = [];
  const recent = (list: number[]) => {
    const cutoff = clock() - windowMs;
    while (list.length > 0 && list[0]! < cutoff) list.shift();
    return list;
  };
  const refuse = (oldest: number) => {
    const seconds = Math.max(1, Math.ceil((oldest + windowMs - clock()) / 1000));
    const wait = seconds < 60 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute');
    throw new HttpError(429, 'RATE_LIMITED', `too many failed logins; try again in ${wait}`, { 'Retry-After': String(seconds) });
  };
  return {
    /** Throws 429 when this address (or everyone together) failed too often. */
    check(address: string) {
      const mine = recent(failures.get(address) ?? []);
      if (mine.length >= options.maxFailures) refuse(mine[0]!);
      if (recent(all).length >= options.maxFailures * 10) refuse(all[0]!);
    },
    fail(address: string) {
      const list = failures.get(address) ?? [];
      list.push(clock());
      failures.set(address, list);
      all.push(clock());
      if (failures.size > 10_000) for (const [k, v] of failures) if (recent(v).length === 0) failures.delete(k);
    },
    succeed(address: string) {
      failures.delete(address);
    },
  };
}

export type LoginLimiter = ReturnType<typeof createLoginLimiter>;
