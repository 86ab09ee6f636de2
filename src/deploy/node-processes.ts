import { nodeProcesses, SERVICES, PROCESSES, type ClusterFile, type ClusterNode, type ProcessName } from './cluster-file.js';

/** One facetag process of a node: its name, its `facetag` arguments, and its health URL. */
export interface NodeProcess {
  name: ProcessName;
  /** Arguments after `facetag`. */
  args: string[];
  /** Answers 2xx while healthy, or null when the process has no port. */
  healthUrl: string | null;
  description: string;
}

/** The facetag processes `facetag cluster up` (and the generated units) run on a node. */
export function processesOf(file: ClusterFile, node: ClusterNode): NodeProcess[] {
  return nodeProcesses(node).map((name): NodeProcess => {
    const service = PROCESSES[name].service;
    const port = service ? file.ports[service] : null;
    const health = service && port ? `http://${node.address}:${port}${SERVICES[service].health}` : null;
    switch (name) {
      case 'serve':
        return { name, args: ['serve', '--host', node.address, '--port', String(port)], healthUrl: health, description: 'facetag admin dashboard + REST API' };
      case 'worker':
        return { name, args: ['worker', '--host', node.address, '--port', String(port)], healthUrl: health, description: 'facetag queue worker' };
      case 'collector':
        return { name, args: ['metrics', 'collect', '--host', node.address, '--port', String(port)], healthUrl: health, description: 'facetag metrics collector (targets from node.clusterFile)' };
      case 'detection':
      case 'embedding':
        return { name, args: ['service', name, '--host', node.address, '--port', String(port)], healthUrl: health, description: `facetag ${SERVICES[name].what}` };
    }
  });
}
