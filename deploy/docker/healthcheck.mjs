#!/usr/bin/env node
// HEALTHCHECK of a facetag container: GET $FACETAG_HEALTHCHECK_URL (each role's own port;
// default the dashboard's /healthz) answers 2xx within 4 s, or the container is unhealthy.
const url = process.env.FACETAG_HEALTHCHECK_URL ?? 'http://127.0.0.1:8080/healthz';
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
