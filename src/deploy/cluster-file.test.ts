import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fixture } from '../../test/helpers/photos.js';
import { REPO } from '../../test/helpers/cli.js';
import { clusterTargets, findNode, inferenceEndpoints, inspectClusterText, parseClusterFile, inSubnet } from './cluster-file.js';

const example = readFileSync(`${REPO}deploy/cluster.example.yaml`, 'utf8');
const loopback = readFileSync(fixture('cluster.loopback.yaml'), 'utf8');

/** The example with one edit applied to its YAML document. */
function edited(edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(example);
  edit(doc);
  return doc.toString();
}

describe('cluster file', () => {
  it('reads the example: the seed\'s nodes, VLANs and port table', () => {
    const file = parseClusterFile(example, 'example');
    expect(file.nodes.map((n) => [n.name, n.roles.join(), n.address, n.vlan])).toEqual([
      ['mgmt', 'management', '10.30.30.10', 30], ['worker-1', 'worker', '10.10.10.11', 10],
      ['worker-2', 'worker', '10.10.10.12', 10], ['storage', 'storage', '10.20.20.100', 20],
    ]);
    expect(file.ports).toEqual({
      dashboard: 8080, metricsCollector: 9091, prometheus: 9090, grafana: 3000, neo4jBolt: 7687, llmApi: 8000,
      redis: 6379, detection: 5001, embedding: 5002, workerMetrics: 9101, minioApi: 9000, minioConsole: 9001,
    });
    expect(inferenceEndpoints(file)).toEqual({
      detection: ['http://10.10.10.11:5001', 'http://10.10.10.12:5001'],
      embedding: ['http://10.10.10.11:5002', 'http://10.10.10.12:5002'],
    });
  });

  it('lists every metrics endpoint for the collector', () => {
    const targets = clusterTargets(parseClusterFile(example, 'example'));
    expect(targets).toContainEqual({ node: 'worker-2', role: 'worker', service: 'embedding', url: 'http://10.10.10.12:5002/metrics', healthUrl: 'http://10.10.10.12:5002/healthz' });
    expect(targets).toContainEqual({ node: 'mgmt', role: 'management', service: 'dashboard', url: 'http://10.30.30.10:8080/metrics', healthUrl: 'http://10.30.30.10:8080/healthz' });
    expect(targets).toContainEqual({ node: 'worker-1', role: 'worker', service: 'workerMetrics', url: 'http://10.10.10.11:9101/metrics', healthUrl: 'http://10.10.10.11:9101/healthz' });
    expect(targets.map((t) => t.service)).not.toContain('redis');
    expect(targets).toHaveLength(10);
  });

  it('gives a node that runs no queue worker no worker metrics port', () => {
    const targets = clusterTargets(parseClusterFile(loopback, 'loopback'));
    expect(targets.filter((t) => t.service === 'workerMetrics').map((t) => t.node)).toEqual(['worker-1']);
    expect(targets.filter((t) => t.node === 'worker-2').map((t) => t.service)).toEqual(['detection', 'embedding']);
  });

  it('reads the loopback copy: the same plan on 127.0.0.x', () => {
    const file = parseClusterFile(loopback, 'loopback');
    expect(file.nodes.every((n) => n.address.startsWith('127.0.0.'))).toBe(true);
    expect(file.nodes.map((n) => n.roles[0])).toEqual(['management', 'worker', 'worker', 'storage']);
  });

  it('names the entry and the fix for a duplicate port', () => {
    const { issues } = inspectClusterText(edited((d) => d.setIn(['ports', 'grafana'], 8080)));
    expect(issues).toEqual([{ at: 'ports.grafana', message: 'port 8080 is given to dashboard and grafana; give each service its own port' }]);
  });

  it('names the entry and the fix for an address outside its VLAN', () => {
    const { issues } = inspectClusterText(edited((d) => d.setIn(['nodes', 1, 'address'], '10.20.20.11')));
    expect(issues).toEqual([{ at: 'nodes[1].address', message: 'node worker-1 has address 10.20.20.11, outside VLAN 10 (10.10.10.0/24); give it an address in 10.10.10.0/24 or put it on the VLAN of that address' }]);
  });

  it('names the missing role and the fix', () => {
    const { issues } = inspectClusterText(edited((d) => d.deleteIn(['nodes', 3])));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toBe('no node has the storage role (it runs minioApi, minioConsole); add a node with roles: [storage], or add storage to an existing node\'s roles');
  });

  it('reports schema errors, unknown VLANs, duplicates and overlaps, all at once', () => {
    const text = edited((d) => {
      d.setIn(['nodes', 0, 'vlan'], 99);
      d.setIn(['nodes', 2, 'name'], 'worker-1');
      d.setIn(['vlans', 1, 'subnet'], '10.10.0.0/16');
    });
    expect(inspectClusterText(text).issues.map((i) => i.at)).toEqual(['vlans[1].subnet', 'nodes[0].vlan', 'nodes[2].name', 'nodes[3].address']);
    expect(inspectClusterText(edited((d) => d.setIn(['nodes', 0, 'address'], '10.30.30.300'))).issues[0]).toEqual({ at: 'nodes[0].address', message: 'write an IPv4 address, e.g. 10.10.10.11' });
    expect(inspectClusterText(edited((d) => d.setIn(['nodes', 0, 'rolez'], 'x'))).issues[0]!.message).toContain('unknown key(s) rolez');
    expect(() => parseClusterFile('nodes: [', 'broken.yaml')).toThrow(/broken.yaml has 1 problem/);
  });

  it('finds this node by name or by a local address', () => {
    const file = parseClusterFile(loopback, 'loopback');
    expect(findNode(file, { name: 'worker-2', localAddresses: [] }).address).toBe('127.0.0.12');
    expect(findNode(file, { localAddresses: ['127.0.0.1', '127.0.0.20'] }).name).toBe('storage');
    expect(() => findNode(file, { localAddresses: ['192.0.2.2'] })).toThrow(/pass --node NAME/);
    expect(() => findNode(file, { name: 'nope', localAddresses: [] })).toThrow(/use one of mgmt, worker-1, worker-2, storage/);
  });

  it('computes subnets', () => {
    expect(inSubnet('10.10.10.255', '10.10.10.0/24')).toBe(true);
    expect(inSubnet('10.10.11.0', '10.10.10.0/24')).toBe(false);
    expect(inSubnet('127.0.0.12', '127.0.0.8/29')).toBe(true);
    expect(inSubnet('127.0.0.16', '127.0.0.8/29')).toBe(false);
  });
});
