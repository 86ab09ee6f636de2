import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseDocument } from 'yaml';
import { fixture } from './photos.js';

export type YamlDoc = ReturnType<typeof parseDocument>;

/** A port nobody listens on right now (bound on 127.0.0.1 then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Writes to `path` a copy of test/fixtures/cluster.loopback.yaml with free ports, after `edit`. */
export async function loopbackClusterCopy(path: string, edit: (doc: YamlDoc) => void = () => {}): Promise<string> {
  const doc = parseDocument(readFileSync(fixture('cluster.loopback.yaml'), 'utf8'));
  const ports = doc.get('ports') as { items: Array<{ key: { value: string } }> };
  for (const item of ports.items) doc.setIn(['ports', item.key.value], await freePort());
  edit(doc);
  writeFileSync(path, doc.toString());
  return path;
}

/** The ports of a cluster file copy. */
export const clusterPorts = (path: string) => (parseDocument(readFileSync(path, 'utf8')).toJS() as { ports: Record<string, number> }).ports;
