import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPorts, loopbackClusterCopy } from '../helpers/cluster.js';
import { requireNeo4j, startNeo4j, type Neo4jServer } from '../helpers/neo4j.js';
import { labelled, PEOPLE, photoForm, STRANGER } from '../helpers/recognition.js';
import { startServe, type RunningServe } from '../helpers/serve.js';
import { startService, type RunningService } from '../helpers/service.js';
import { requireShared, SHARED_FACES } from '../helpers/shared.js';

const SUITE = 'recognition in cluster mode (Neo4j catalog, the workers\' detection and embedding services)';
const run = requireShared(SHARED_FACES, SUITE) && requireNeo4j(SUITE);

/** A counter of a service's /metrics: requests answered 200. */
const served = async (service: RunningService, name: string) => {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return Number(new RegExp(`facetag_service_requests_total\\{service="${name}",status="200"\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

describe.skipIf(!run)(SUITE, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'facetag-cluster-recognize-'));
  let neo4j: Neo4jServer;
  let services: RunningService[] = [];
  let server: RunningServe;
  let key: string;

  beforeAll(async () => {
    const clusterFile = await loopbackClusterCopy(join(tmp, 'cluster.yaml'), (d) => {
      d.setIn(['nodes', 1, 'services'], ['detection', 'embedding']);
      d.setIn(['nodes', 2, 'services'], []);
    });
    const ports = clusterPorts(clusterFile);
    [neo4j, ...services] = await Promise.all([
      startNeo4j(),
      startService('detection', { host: '127.0.0.11', port: ports.detection }),
      startService('embedding', { host: '127.0.0.11', port: ports.embedding }),
    ]) as [Neo4jServer, RunningService, RunningService];
    server = await startServe(join(tmp, 'management'), {
      FACETAG_CATALOG_DRIVER: 'neo4j', FACETAG_CATALOG_NEO4J_URL: neo4j.url, FACETAG_CATALOG_NEO4J_PASSWORD: neo4j.password,
      FACETAG_NODE_REMOTE_INFERENCE: 'true', FACETAG_NODE_CLUSTER_FILE: clusterFile,
    });
    key = await server.token('door camera', 'recognition');
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    await Promise.all(services.map((s) => s.stop()));
    await neo4j?.stop();
  });

  it('adds examples and recognises through the services, searching the Neo4j catalog', async () => {
    const before = { detect: await served(services[0]!, 'detection'), embed: await served(services[1]!, 'embedding') };
    const send = async (path: string, file: string) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'x-api-key': key }, body: photoForm({ file }) });
      const body = await res.json();
      return { status: res.status, body: body as any };
    };
    for (const p of [PEOPLE.tom, PEOPLE.laura]) {
      for (const f of p.examples) expect(await send(`/api/v1/recognition/faces?subject=${encodeURIComponent(p.name)}`, labelled(f))).toMatchObject({ status: 201 });
    }
    for (const p of [PEOPLE.tom, PEOPLE.laura]) {
      const r = await send('/api/v1/recognition/recognize?prediction_count=2', labelled(p.third));
      expect(r.status).toBe(200);
      expect(r.body.result[0].subjects[0].subject).toBe(p.name);
      expect(r.body.result[0].subjects[0].similarity).toBeGreaterThanOrEqual(0.6);
      expect(r.body.result[0].subjects[1].similarity).toBeLessThan(0.6);
    }
    const stranger = await send('/api/recognize?limit=3', labelled(STRANGER));
    expect(stranger.body.faces[0].people.every((p: { match: boolean }) => !p.match)).toBe(true);

    // Every photo went to the detection service, and every face to the embedding service.
    expect(await served(services[0]!, 'detection') - before.detect).toBe(7);
    expect(await served(services[1]!, 'embedding') - before.embed).toBe(7);
    // The examples are in the cluster's catalog, Neo4j, for every node to see.
    const subjects = await (await fetch(`${server.url}/api/v1/recognition/subjects`, { headers: { 'x-api-key': key } })).json();
    expect(subjects).toEqual({ subjects: [PEOPLE.laura.name, PEOPLE.tom.name] });
  });
});
