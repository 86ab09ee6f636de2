import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRequest {
  method: string;
  /** Path and query as sent, e.g. `/bucket/key.jpg` or `/bucket?list-type=2`. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FaultRule {
  /** Which requests this rule hits. */
  match: (req: FaultRequest) => boolean;
  /** An HTTP error with an S3 error body, or the connection dropped before any answer. */
  fault: 500 | 503 | 'reset';
  /** How many matching requests fail; then the rule passes them through. */
  times: number;
}

/** S3 request shapes (path-style). */
export const isObjectGet = (r: FaultRequest) => r.method === 'GET' && /^\/[^/?]+\/[^?]+/.test(r.url);
export const isListing = (r: FaultRequest) => r.method === 'GET' && /^\/[^/?]+\/?\?.*list-type=2/.test(r.url);
export const isCopy = (r: FaultRequest) => r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined;
export const isDelete = (r: FaultRequest) => r.method === 'DELETE';

/**
 * A small HTTP proxy on 127.0.0.1 in front of a real S3 server that fails chosen requests:
 * a 500/503 with an S3 error body, or a dropped connection. Everything else goes through
 * untouched, the Host header included, so the server's signature checks still pass.
 */
export async function startFaultProxy(upstream: string) {
  const target = new URL(upstream);
  const rules: FaultRule[] = [];
  const seen: Array<{ method: string; url: string; fault: FaultRule['fault'] | null }> = [];
  const server = createServer((req, res) => {
    const r: FaultRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    const rule = rules.find((x) => x.times > 0 && x.match(r));
    seen.push({ method: r.method, url: r.url, fault: rule?.fault ?? null });
    if (rule) {
      rule.times--;
      if (rule.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      const code = rule.fault === 503 ? 'ServiceUnavailable' : 'InternalError';
      res.writeHead(rule.fault, { 'Content-Type': 'application/xml', Connection: 'close' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`);
      return;
    }
    const upstreamReq = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstreamReq.on('error', () => req.socket.destroy());
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    rules,
    seen,
    faults: () => seen.filter((s) => s.fault !== null),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
