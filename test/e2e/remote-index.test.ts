import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPorts, loopbackClusterCopy } from '../helpers/cluster.js';
import { json, runFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';
import { startService, type RunningService } from '../helpers/service.js';

describe('facetag index with node.remoteInference (the workers\' services of a loopback cluster)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'facetag-remote-index-'));
  const photos = join(tmp, 'photos');
  let services: RunningService[] = [];
  let clusterFile: string;

  beforeAll(async () => {
    mkdirSync(photos);
    for (const f of ['astronaut.jpg', 'astronaut-rotated.jpg', 'cameraman.png']) copyFileSync(fixture(f), join(photos, f));
    clusterFile = await loopbackClusterCopy(join(tmp, 'cluster.yaml'), (d) => {
      d.setIn(['nodes', 1, 'services'], ['detection', 'embedding']);
      d.setIn(['nodes', 2, 'services'], []);
    });
    const ports = clusterPorts(clusterFile);
    services = await Promise.all([
      startService('detection', { host: '127.0.0.11', port: ports.detection }),
      startService('embedding', { host: '127.0.0.11', port: ports.embedding }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('indexes through the services and finds what the local pipeline finds', async () => {
    const remote = await runFacetag(['index', photos, '--json', '--data', join(tmp, 'remote-data')], {
      env: { FACETAG_NODE_REMOTE_INFERENCE: 'true', FACETAG_NODE_CLUSTER_FILE: clusterFile },
    });
    expect(remote.code, remote.stderr).toBe(0);
    const local = await runFacetag(['index', photos, '--json', '--data', join(tmp, 'local-data')]);
    const [r, l] = [json(remote), json(local)];
    expect(r.photos.processed).toBe(3);
    expect(r.faces).toBe(l.faces);
    expect(r.faces).toBeGreaterThan(1);
    expect(r.people).toBe(l.people);

    // The work went to the services: one detect per photo, one embed per photo with faces.
    const metrics = await (await fetch(`${services[0]!.url}/metrics`)).text();
    expect(metrics).toContain('facetag_service_requests_total{service="detection",status="200"} 3');
    const embedMetrics = await (await fetch(`${services[1]!.url}/metrics`)).text();
    expect(embedMetrics).toMatch(/facetag_service_requests_total\{service="embedding",status="200"\} [1-3]\n/);
  });

  it('says what to fix when remote inference has no cluster file', async () => {
    const r = await runFacetag(['index', photos, '--data', join(tmp, 'x')], { env: { FACETAG_NODE_REMOTE_INFERENCE: 'true' } });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('node.clusterFile is unset; set FACETAG_NODE_CLUSTER_FILE');
  });
});
