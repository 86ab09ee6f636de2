import { connect } from 'node:net';
import { AppError } from '../errors.js';

/**
 * A port for the collector: something it checks at each scrape (Redis, Neo4j, S3...). `probe`
 * resolves when the service answers and rejects (or is aborted by `signal`) when it does not.
 * The composition root adds driver-level probes (a Redis PING, a Neo4j `RETURN 1`); from config
 * come the two generic ones below.
 */
export interface ServiceProbe {
  name: string;
  probe(signal: AbortSignal): Promise<void>;
}

/** Reachable when a TCP connection to host:port opens (Redis 6379, Neo4j Bolt 7687). */
export function tcpProbe(name: string, host: string, port: number): ServiceProbe {
  return {
    name,
    probe: (signal) => new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port });
      const fail = (error: Error) => {
        socket.destroy();
        reject(error);
      };
      const onAbort = () => fail(new Error('timed out'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.end();
        resolve();
      });
      socket.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        fail(error);
      });
    }),
  };
}

/** Healthy when a GET answers 2xx (MinIO `/minio/health/live`, any `/healthz`). */
export function httpProbe(name: string, url: string): ServiceProbe {
  return {
    name,
    async probe(signal) {
      const res = await fetch(url, { signal, redirect: 'manual' });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    },
  };
}

/** A probe from a config entry: `tcp://host:port`, or an `http(s)://` URL to GET. */
export function probeFromUrl(name: string, url: string): ServiceProbe {
  const u = new URL(url);
  if (u.protocol === 'tcp:') {
    if (!u.port) throw new AppError('CONFIG_INVALID', `metrics.services "${name}": ${url} has no port; write tcp://host:port, e.g. tcp://127.0.0.1:6379`);
    return tcpProbe(name, u.hostname.replace(/^\[|\]$/g, ''), Number(u.port));
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') return httpProbe(name, url);
  throw new AppError('CONFIG_INVALID', `metrics.services "${name}": ${url} is neither tcp:// nor http(s)://; e.g. tcp://127.0.0.1:6379 or http://127.0.0.1:9000/minio/health/live`);
}
