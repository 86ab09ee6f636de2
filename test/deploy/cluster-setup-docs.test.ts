import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { neo4jSettings } from '../../src/catalog/neo4j-settings.js';
import { loadConfig, type ResolvedConfig } from '../../src/config/load-config.js';
import { REPO } from '../helpers/cli.js';

/** The per-role files of docs/CLUSTER_SETUP.md: each `facetag.yaml of node X` block and the env block after it. */
function documentedNodes() {
  const doc = readFileSync(join(REPO, 'docs/CLUSTER_SETUP.md'), 'utf8');
  const blocks = [...doc.matchAll(/```(yaml)?\n([\s\S]*?)```/g)].map((m) => ({ yaml: m[1] === 'yaml', text: m[2]! }));
  const nodes: Array<{ node: string; role: string; yaml: string; env: Record<string, string> }> = [];
  blocks.forEach((b, i) => {
    const head = /^# facetag\.yaml of node (\S+) \((\w+)\)/.exec(b.text);
    if (!b.yaml || !head) return;
    const envBlock = blocks.slice(i + 1).find((n) => !n.yaml)!;
    // Placeholders become values a person would type (long enough, not a well-known password).
    const env = Object.fromEntries(envBlock.text.trim().split('\n').map((line) => {
      const [key, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
      return [key, value.replace(/<[^>]+>/g, 'Xq7-secret-value-long-enough')];
    }));
    nodes.push({ node: head[1]!, role: head[2]!, yaml: b.text, env });
  });
  return nodes;
}

const load = (n: ReturnType<typeof documentedNodes>[number]): ResolvedConfig => {
  const file = join(mkdtempSync(join(tmpdir(), 'facetag-docs-')), 'facetag.yaml');
  writeFileSync(file, n.yaml);
  return loadConfig({ file, env: n.env });
};

describe('docs/CLUSTER_SETUP.md: the per-role config files', () => {
  const cluster = parse(readFileSync(join(REPO, 'deploy/cluster.example.yaml'), 'utf8')) as {
    ports: Record<string, number>; nodes: Array<{ name: string; roles: string[]; address: string }>;
  };
  const address = (name: string) => cluster.nodes.find((n) => n.name === name)!.address;
  const nodes = documentedNodes();

  it('documents a management node and a worker node, and each loads with facetag\'s own config loader', () => {
    expect(nodes.map((n) => [n.node, n.role])).toEqual([['mgmt', 'management'], ['worker-1', 'worker']]);
    for (const n of nodes) expect(() => load(n)).not.toThrow();
  });

  it('gives the management its catalog, queue and storage, at the addresses of the example cluster file', () => {
    const m = load(nodes.find((n) => n.role === 'management')!);
    expect(m.catalog.driver).toBe('neo4j');
    expect(neo4jSettings(m).url).toBe(`bolt://${address('mgmt')}:${cluster.ports.neo4jBolt}`);
    expect(m.queue.driver).toBe('bullmq');
    expect(new URL(m.queue.redisUrl).host).toBe(`${address('mgmt')}:${cluster.ports.redis}`);
    expect(new URL(m.queue.redisUrl).password).not.toBe('');
    expect(m.storage.driver).toBe('s3');
    expect(m.storage.s3Endpoint).toBe(`http://${address('storage')}:${cluster.ports.minioApi}`);
    expect(m.storage.s3SecretAccessKey).toBeTruthy();
    expect([m.server.host, m.server.port]).toEqual([address('mgmt'), cluster.ports.dashboard]);
    expect([m.metrics.host, m.metrics.port]).toEqual([address('mgmt'), cluster.ports.metricsCollector]);
    expect(m.node.name).toBe('mgmt');
  });

  it('gives a worker the same queue and crops bucket as the management, its own metrics address, and no catalog', () => {
    const m = load(nodes.find((n) => n.role === 'management')!);
    const w = load(nodes.find((n) => n.role === 'worker')!);
    expect(parse(nodes.find((n) => n.role === 'worker')!.yaml)).not.toHaveProperty('catalog');
    expect([w.queue.driver, w.queue.prefix, w.queue.redisUrl]).toEqual([m.queue.driver, m.queue.prefix, m.queue.redisUrl]);
    expect([w.storage.driver, w.storage.s3Endpoint, w.storage.cropsBucket, w.storage.s3AccessKeyId]).toEqual([m.storage.driver, m.storage.s3Endpoint, m.storage.cropsBucket, m.storage.s3AccessKeyId]);
    expect([w.worker.host, w.worker.port]).toEqual([address('worker-1'), cluster.ports.workerMetrics]);
    expect(w.services.host).toBe(address('worker-1'));
    expect(w.services.token).toBe(m.services.token);
    expect([w.vision.detector, w.vision.embedder]).toEqual([m.vision.detector, m.vision.embedder]);
  });
});
