import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod/v4';
import { AppError } from '../errors.js';

/**
 * The cluster file: one YAML file that describes the machines of a facetag cluster, the
 * VLANs they sit on and the port of every service. `facetag cluster check|up|units|firewall`
 * and the remote-inference client all read it; `deploy/cluster.example.yaml` is the reference
 * deployment (management 10.30.30.10 on VLAN 30, workers on VLAN 10, storage on VLAN 20).
 */

export const ROLES = ['management', 'worker', 'storage'] as const;
export type Role = (typeof ROLES)[number];

export type Protocol = 'http' | 'tcp' | 'redis';

export interface ServiceSpec {
  /** The role whose nodes run it (unless a node lists its own `services`). */
  role: Role;
  /** The seed's port. */
  port: number;
  protocol: Protocol;
  /** What it is, for tables and firewall comments. */
  what: string;
  /** HTTP path answering 2xx while the service is healthy. */
  health?: string;
  /** HTTP path of its Prometheus metrics, when it has one Prometheus can read without credentials. */
  metrics?: string;
  /** Roles whose VLANs may connect to it (the firewall's allow list). */
  from: Role[];
}

/** Every service of the cluster, with the seed's port table. */
export const SERVICES = {
  dashboard: { role: 'management', port: 8080, protocol: 'http', what: 'admin dashboard + REST API', health: '/healthz', metrics: '/metrics', from: ['management'] },
  metricsCollector: { role: 'management', port: 9091, protocol: 'http', what: 'metrics collector', health: '/healthz', metrics: '/metrics', from: ['management'] },
  prometheus: { role: 'management', port: 9090, protocol: 'http', what: 'Prometheus', health: '/-/healthy', metrics: '/metrics', from: ['management'] },
  grafana: { role: 'management', port: 3000, protocol: 'http', what: 'Grafana', health: '/api/health', metrics: '/metrics', from: ['management'] },
  neo4jBolt: { role: 'management', port: 7687, protocol: 'tcp', what: 'Neo4j Bolt', from: ['management', 'worker'] },
  llmApi: { role: 'management', port: 8000, protocol: 'http', what: 'LLM API (OpenAI-compatible)', health: '/v1/models', from: ['management', 'worker'] },
  redis: { role: 'management', port: 6379, protocol: 'redis', what: 'Redis (job queue)', from: ['management', 'worker'] },
  detection: { role: 'worker', port: 5001, protocol: 'http', what: 'face detection service', health: '/healthz', metrics: '/metrics', from: ['management', 'worker'] },
  embedding: { role: 'worker', port: 5002, protocol: 'http', what: 'embedding service', health: '/healthz', metrics: '/metrics', from: ['management', 'worker'] },
  workerMetrics: { role: 'worker', port: 9101, protocol: 'http', what: 'queue worker metrics', health: '/healthz', metrics: '/metrics', from: ['management'] },
  minioApi: { role: 'storage', port: 9000, protocol: 'http', what: 'MinIO S3 API', health: '/minio/health/live', from: ['management', 'worker'] },
  minioConsole: { role: 'storage', port: 9001, protocol: 'http', what: 'MinIO console', health: '/', from: ['management'] },
} as const satisfies Record<string, ServiceSpec>;
export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/** facetag's own processes a node can run (`facetag cluster up` starts them). */
export const PROCESSES = {
  /** `facetag serve`: the dashboard. */
  serve: { role: 'management', service: 'dashboard' },
  /** `facetag metrics collect`: the cluster's metrics collector. */
  collector: { role: 'management', service: 'metricsCollector' },
  /** `facetag worker`: the queue consumer (its port serves /metrics and /healthz only). */
  worker: { role: 'worker', service: 'workerMetrics' },
  detection: { role: 'worker', service: 'detection' },
  embedding: { role: 'worker', service: 'embedding' },
} as const satisfies Record<string, { role: Role; service: ServiceName | null }>;
export type ProcessName = keyof typeof PROCESSES;
const PROCESS_NAMES = Object.keys(PROCESSES) as ProcessName[];

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const port = z.number().int().min(1).max(65535);

const portsShape = Object.fromEntries(SERVICE_NAMES.map((s) => [s, port.default(SERVICES[s].port)])) as { [K in ServiceName]: z.ZodDefault<typeof port> };

export const clusterFileSchema = z.object({
  /** A name for the cluster, used in unit descriptions and firewall comments. */
  cluster: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and -').default('facetag'),
  vlans: z.array(z.object({
    id: z.number().int().min(1).max(4094),
    name: z.string().min(1),
    subnet: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/, 'write it as an IPv4 CIDR, e.g. 10.10.10.0/24'),
  }).strict()).min(1),
  /** Port of each service; a service left out keeps the seed's port. */
  ports: z.object(portsShape).strict().default(Object.fromEntries(SERVICE_NAMES.map((s) => [s, SERVICES[s].port])) as Record<ServiceName, number>),
  nodes: z.array(z.object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and -'),
    roles: z.array(z.enum(ROLES)).min(1),
    address: z.string().regex(IPV4, 'write an IPv4 address, e.g. 10.10.10.11'),
    /** The id of the VLAN the address is on. */
    vlan: z.number().int(),
    /** The services this node runs; default: every service of its roles. */
    services: z.array(z.enum(SERVICE_NAMES as [ServiceName, ...ServiceName[]])).optional(),
    /** The facetag processes `facetag cluster up` starts here; default: those of its roles. */
    run: z.array(z.enum(PROCESS_NAMES as [ProcessName, ...ProcessName[]])).optional(),
  }).strict()).min(1),
}).strict();

export type ClusterFile = z.output<typeof clusterFileSchema>;
export type ClusterNode = ClusterFile['nodes'][number];

export interface ClusterIssue {
  /** Where in the file: `nodes[1].address`. */
  at: string;
  /** What is wrong and the fix. */
  message: string;
}

export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function parseCidr(cidr: string): { base: number; bits: number } | null {
  const [address, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!address || !IPV4.test(address) || !Number.isInteger(bits) || bits < 0 || bits > 32) return null;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ipv4ToInt(address) & mask) >>> 0, bits };
}

export function inSubnet(address: string, cidr: string): boolean {
  const net = parseCidr(cidr);
  if (!net || !IPV4.test(address)) return false;
  const mask = net.bits === 0 ? 0 : (0xffffffff << (32 - net.bits)) >>> 0;
  return ((ipv4ToInt(address) & mask) >>> 0) === net.base;
}

/**
 * The services a node runs: its own list, or every service of its roles, less the ports of
 * facetag processes its `run` list leaves out (a node that runs no queue worker has no worker port).
 */
export function nodeServices(node: ClusterNode): ServiceName[] {
  if (node.services) return node.services;
  const notRun = new Set<ServiceName>(node.run ? PROCESS_NAMES.filter((p) => !node.run!.includes(p)).flatMap((p) => PROCESSES[p].service ?? []) : []);
  return SERVICE_NAMES.filter((s) => (node.roles as readonly Role[]).includes(SERVICES[s].role) && !notRun.has(s));
}

/** The facetag processes a node runs: its own `run` list, or those of its roles. */
export function nodeProcesses(node: ClusterNode): ProcessName[] {
  return node.run ?? PROCESS_NAMES.filter((p) => (node.roles as readonly Role[]).includes(PROCESSES[p].role));
}

const describe = (issue: z.core.$ZodIssue) => {
  const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(top level)';
  const message = issue.code === 'unrecognized_keys'
    ? `unknown key(s) ${issue.keys.join(', ')}; remove them (known: see deploy/cluster.example.yaml)`
    : issue.message;
  return { at, message };
};

/** Every problem of a parsed cluster file, each naming the bad entry and the fix; empty when valid. */
export function validateCluster(file: ClusterFile): ClusterIssue[] {
  const issues: ClusterIssue[] = [];
  const byPort = new Map<number, ServiceName[]>();
  for (const s of SERVICE_NAMES) byPort.set(file.ports[s], [...(byPort.get(file.ports[s]) ?? []), s]);
  for (const [p, names] of byPort) {
    if (names.length > 1) issues.push({ at: `ports.${names[1]}`, message: `port ${p} is given to ${names.join(' and ')}; give each service its own port` });
  }

  const vlanIds = new Set<number>();
  file.vlans.forEach((v, i) => {
    if (vlanIds.has(v.id)) issues.push({ at: `vlans[${i}].id`, message: `VLAN ${v.id} is listed twice; give each VLAN one entry` });
    vlanIds.add(v.id);
    const net = parseCidr(v.subnet);
    if (!net) issues.push({ at: `vlans[${i}].subnet`, message: `"${v.subnet}" is not an IPv4 CIDR; write it like 10.10.10.0/24` });
    else if (ipv4ToInt(v.subnet.split('/')[0]!) !== net.base) issues.push({ at: `vlans[${i}].subnet`, message: `"${v.subnet}" has host bits set; write the network address, e.g. ${intToIpv4(net.base)}/${net.bits}` });
    file.vlans.slice(0, i).forEach((o) => {
      const a = parseCidr(v.subnet);
      const b = parseCidr(o.subnet);
      if (a && b && (inSubnet(intToIpv4(a.base), o.subnet) || inSubnet(intToIpv4(b.base), v.subnet))) {
        issues.push({ at: `vlans[${i}].subnet`, message: `VLAN ${v.id} (${v.subnet}) overlaps VLAN ${o.id} (${o.subnet}); give each VLAN its own subnet` });
      }
    });
  });

  const names = new Map<string, number>();
  const addresses = new Map<string, string>();
  file.nodes.forEach((n, i) => {
    if (names.has(n.name)) issues.push({ at: `nodes[${i}].name`, message: `node name "${n.name}" is used twice; give each node its own name` });
    names.set(n.name, i);
    const vlan = file.vlans.find((v) => v.id === n.vlan);
    if (!vlan) issues.push({ at: `nodes[${i}].vlan`, message: `node ${n.name} is on VLAN ${n.vlan}, which is not in vlans; add it to vlans or use one of ${file.vlans.map((v) => v.id).join(', ')}` });
    else if (!inSubnet(n.address, vlan.subnet)) issues.push({ at: `nodes[${i}].address`, message: `node ${n.name} has address ${n.address}, outside VLAN ${vlan.id} (${vlan.subnet}); give it an address in ${vlan.subnet} or put it on the VLAN of that address` });
    const other = addresses.get(n.address);
    if (other) issues.push({ at: `nodes[${i}].address`, message: `node ${n.name} has address ${n.address}, which node ${other} has too; give each node its own address` });
    addresses.set(n.address, n.name);
    for (const s of n.services ?? []) {
      if (!(n.roles as readonly Role[]).includes(SERVICES[s].role) && s !== 'redis') {
        issues.push({ at: `nodes[${i}].services`, message: `node ${n.name} lists ${s}, a ${SERVICES[s].role} service, without the ${SERVICES[s].role} role; add the role or remove the service` });
      }
    }
    for (const p of n.run ?? []) {
      if (!(n.roles as readonly Role[]).includes(PROCESSES[p].role)) {
        issues.push({ at: `nodes[${i}].run`, message: `node ${n.name} runs ${p}, which needs the ${PROCESSES[p].role} role; add the role or remove it from run` });
      }
    }
  });

  for (const role of ROLES) {
    if (!file.nodes.some((n) => (n.roles as readonly Role[]).includes(role))) {
      const runs = SERVICE_NAMES.filter((s) => SERVICES[s].role === role).join(', ');
      issues.push({ at: 'nodes', message: `no node has the ${role} role (it runs ${runs}); add a node with roles: [${role}], or add ${role} to an existing node's roles` });
    }
  }
  for (const s of SERVICE_NAMES) {
    const hosts = file.nodes.filter((n) => nodeServices(n).includes(s));
    if (s === 'redis' && hosts.length > 1) issues.push({ at: 'nodes', message: `redis is on ${hosts.map((n) => n.name).join(' and ')}; the queue needs exactly one Redis: list it in one node's services` });
  }
  return issues;
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** Parses cluster-file text into the file and its problems (empty when valid), each naming the fix. */
export function inspectClusterText(text: string): { file: ClusterFile | null; issues: ClusterIssue[] } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return { file: null, issues: [{ at: '(file)', message: `not valid YAML: ${(error as Error).message}` }] };
  }
  const parsed = clusterFileSchema.safeParse(raw);
  if (!parsed.success) return { file: null, issues: parsed.error.issues.map(describe) };
  return { file: parsed.data, issues: validateCluster(parsed.data) };
}

export const issuesMessage = (source: string, issues: ClusterIssue[]) =>
  `cluster file ${source} has ${issues.length} problem${issues.length > 1 ? 's' : ''}:\n${issues.map((i) => `  ${i.at}: ${i.message}`).join('\n')}`;

/** Parses cluster-file text; throws `CLUSTER_INVALID` listing every problem with its fix. */
export function parseClusterFile(text: string, source: string): ClusterFile {
  const { file, issues } = inspectClusterText(text);
  if (issues.length > 0 || !file) throw new AppError('CLUSTER_INVALID', issuesMessage(source, issues));
  return file;
}

export function readClusterText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppError('CLUSTER_INVALID', `cluster file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass --file or set node.clusterFile (FACETAG_NODE_CLUSTER_FILE)`);
  }
}

export function loadClusterFile(path: string): ClusterFile {
  return parseClusterFile(readClusterText(path), path);
}

export interface ServiceEndpoint {
  node: string;
  role: Role;
  service: ServiceName;
  address: string;
  port: number;
  protocol: Protocol;
  what: string;
  /** `http://address:port/healthz`, or null for a TCP service. */
  healthUrl: string | null;
  /** `http://address:port/metrics`, or null when it has none Prometheus can read. */
  metricsUrl: string | null;
}

const hostPort = (address: string, p: number) => `${address.includes(':') ? `[${address}]` : address}:${p}`;

/** Every service of every node, with its address, port and health/metrics URLs. */
export function clusterEndpoints(file: ClusterFile): ServiceEndpoint[] {
  return file.nodes.flatMap((n) => nodeServices(n).map((s): ServiceEndpoint => {
    const spec: ServiceSpec = SERVICES[s];
    const p = file.ports[s];
    return {
      node: n.name, role: spec.role, service: s, address: n.address, port: p, protocol: spec.protocol, what: spec.what,
      healthUrl: spec.health ? `http://${hostPort(n.address, p)}${spec.health}` : null,
      metricsUrl: spec.metrics ? `http://${hostPort(n.address, p)}${spec.metrics}` : null,
    };
  }));
}

/**
 * Every HTTP metrics endpoint of the cluster, for the metrics collector and Prometheus:
 * `{ node, role, service, url, healthUrl }`.
 */
export function clusterTargets(file: ClusterFile): Array<{ node: string; role: Role; service: ServiceName; url: string; healthUrl: string | null }> {
  return clusterEndpoints(file).filter((e) => e.metricsUrl).map((e) => ({ node: e.node, role: e.role, service: e.service, url: e.metricsUrl!, healthUrl: e.healthUrl }));
}

/** Base URLs of the workers' detection and embedding services. */
export function inferenceEndpoints(file: ClusterFile): { detection: string[]; embedding: string[] } {
  const urls = (s: ServiceName) => clusterEndpoints(file).filter((e) => e.service === s).map((e) => `http://${hostPort(e.address, e.port)}`);
  return { detection: urls('detection'), embedding: urls('embedding') };
}

/**
 * This machine's node: the one named `name`, or else the one whose address is among this
 * machine's addresses. Throws naming the fix when there is none or more than one.
 */
export function findNode(file: ClusterFile, opts: { name?: string | undefined; localAddresses: string[] }): ClusterNode {
  if (opts.name) {
    const node = file.nodes.find((n) => n.name === opts.name);
    if (!node) throw new AppError('CLUSTER_INVALID', `no node named "${opts.name}" in the cluster file; use one of ${file.nodes.map((n) => n.name).join(', ')}`);
    return node;
  }
  const local = file.nodes.filter((n) => opts.localAddresses.includes(n.address));
  if (local.length === 1) return local[0]!;
  if (local.length === 0) {
    throw new AppError('CLUSTER_INVALID', `no node of the cluster file has an address of this machine (${opts.localAddresses.join(', ') || 'none'}); pass --node NAME or set node.name (FACETAG_NODE_NAME)`);
  }
  throw new AppError('CLUSTER_INVALID', `nodes ${local.map((n) => n.name).join(', ')} all have addresses of this machine; pass --node NAME or set node.name (FACETAG_NODE_NAME)`);
}
