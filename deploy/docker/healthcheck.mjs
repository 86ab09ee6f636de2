#!/usr/bin/env node
// HEALTHCHECK of a facetag container. A role with an HTTP port: GET $FACETAG_HEALTHCHECK_URL
// (default the dashboard's /healthz) answers 2xx within 4 s. A role without one (the queue
// worker): $FACETAG_HEALTHCHECK_TCP (host:port, its Redis) accepts a connection within 4 s.
import { connect } from 'node:net';

const tcp = process.env.FACETAG_HEALTHCHECK_TCP;
if (tcp) {
  const [host, port] = [tcp.slice(0, tcp.lastIndexOf(':')), Number(tcp.slice(tcp.lastIndexOf(':') + 1))];
  const socket = connect({ host, port, timeout: 4000 });
  socket.on('connect', () => { socket.end(); process.exit(0); });
  socket.on('timeout', () => process.exit(1));
  socket.on('error', () => process.exit(1));
} else {
  const url = process.env.FACETAG_HEALTHCHECK_URL ?? 'http://127.0.0.1:8080/healthz';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
    process.exit(res.ok ? 0 : 1);
  } catch {
    process.exit(1);
  }
}
