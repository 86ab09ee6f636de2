import { HttpError } from './http-error.js';
import type { Caller } from './server-env.js';

/**
 * Requests per caller (an API token, or a login) in a sliding minute. Past `perMinute`, a
 * request is refused with 429 and Retry-After until the oldest one in the window is a minute old.
 */
export function createRequestRateLimit(options: { perMinute: number; now?: () => number }) {
  const windowMs = 60_000;
  const clock = options.now ?? Date.now;
  const seen = new Map<string, number[]>();
  const keyOf = (caller: Caller) => (caller.kind === 'token' ? `token:${caller.tokenId}` : `session:${caller.sessionId}`);
  return {
    /** Counts one request of `caller`, or throws 429 when it is over its rate. */
    take(caller: Caller, what: string) {
      const key = keyOf(caller);
      const now = clock();
      const list = (seen.get(key) ?? []).filter((t) => t > now - windowMs);
      if (list.length >= options.perMinute) {
        const seconds = Math.max(1, Math.ceil((list[0]! + windowMs - now) / 1000));
        seen.set(key, list);
        throw new HttpError(429, 'RATE_LIMITED', `more than ${options.perMinute} ${what} requests in a minute from this caller (recognition.ratePerMinute); try again in ${seconds} s`, { 'Retry-After': String(seconds) });
      }
      list.push(now);
      seen.set(key, list);
      if (seen.size > 10_000) for (const [k, v] of seen) if (v.every((t) => t <= now - windowMs)) seen.delete(k);
    },
  };
}

export type RequestRateLimit = ReturnType<typeof createRequestRateLimit>;
