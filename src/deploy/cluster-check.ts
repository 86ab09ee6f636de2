import { connect } from 'node:net';
import { clusterEndpoints, type ClusterFile, type ServiceEndpoint } from './cluster-file.js';

/**
 * `facetag cluster check`: is every service the cluster file names reachable and healthy?
 * The network step goes through an injected `Probe`, so a test can prove that `--static`
 * opens no socket, and can keep every probe on loopback.
 */
export interface ProbeResult {
  healthy: boolean;
  /** What was seen: `200 /healthz`, `ECONNREFUSED`, `+PONG`. */
  detail: string;
}

export type Probe = (endpoint: ServiceEndpoint, timeoutMs: number) => Promise<ProbeResult>;

export interface CheckRow {
  node: string;
  role: string;
  service: string;
  what: string;
  address: string;
  port: number;
  status: 'healthy' | 'unhealthy' | 'not checked';
  detail: string;
}

export interface CheckReport {
  ok: boolean;
  rows: CheckRow[];
}

export async function checkCluster(file: ClusterFile, options: { static: boolean; probe: Probe; timeoutMs: number; node?: string | undefined }): Promise<CheckReport> {
  const endpoints = clusterEndpoints(file).filter((e) => !options.node || e.node === options.node);
  const rows = await Promise.all(endpoints.map(async (e): Promise<CheckRow> => {
    const base = { node: e.node, role: e.role, service: e.service, what: e.what, address: e.address, port: e.port };
    if (options.static) return { ...base, status: 'not checked', detail: 'static check' };
    const r = await options.probe(e, options.timeoutMs).catch((error: Error) => ({ healthy: false, detail: error.message }));
    return { ...base, status: r.healthy ? 'healthy' : 'unhealthy', detail: r.detail };
  }));
  return { ok: rows.every((r) => r.status !== 'unhealthy'), rows };
}

function tcpExchange(host: string, port: number, timeoutMs: number, send?: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let answer = '';
    const done = (r: ProbeResult) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done({ healthy: false, detail: `no answer within ${timeoutMs} ms` }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ healthy: false, detail: error.code ?? error.message }));
    socket.once('connect', () => {
      if (send === undefined) return done({ healthy: true, detail: 'accepts connections' });
      socket.write(send);
    });
    socket.on('data', (d) => {
      answer += d;
      if (!answer.includes('\r\n')) return;
      const line = answer.split('\r\n')[0]!;
      // A Redis that wants a password still answers: it is up.
      done({ healthy: line === '+PONG' || line.startsWith('-NOAUTH'), detail: line.slice(0, 60) });
    });
  });
}

/** The real probe: GET the health URL of an HTTP service, connect to a TCP one, PING Redis. */
export const networkProbe: Probe = async (e, timeoutMs) => {
  if (e.protocol === 'tcp' || !e.healthUrl) return tcpExchange(e.address, e.port, timeoutMs);
  if (e.protocol === 'redis') return tcpExchange(e.address, e.port, timeoutMs, 'PING\r\n');
  try {
    const res = await fetch(e.healthUrl, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    const path = new URL(e.healthUrl).pathname;
    // Up, but wants credentials (an LLM API key): reachable and answering is what is checked.
    const healthy = res.status < 400 || res.status === 401 || res.status === 403;
    return { healthy, detail: `${res.status} ${path}` };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    return { healthy: false, detail: err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.message) };
  }
};
