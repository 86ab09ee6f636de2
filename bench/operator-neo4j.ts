import { startNeo4j, type Neo4jServer } from '../test/helpers/neo4j.js';

/**
 * Neo4j as docs/INSTALLATION.md ("Neo4j memory") tells an operator to run it: a 1 GB heap with
 * the G1 collector and a 512 MB page cache, full JIT. The test launcher's own defaults (C1 only,
 * serial GC, a small heap) start fast for tests and are never used for figures.
 */
export const OPERATOR_NEO4J = { javaOpts: '-Xms1g -Xmx1g -XX:+UseG1GC', pageCache: '512m' };

/** A Neo4j 5.26 on 127.0.0.1 (tools/neo4j-launcher) with the operator's JVM; prints what it runs with. */
export async function startOperatorNeo4j(say: (line: string) => void = console.log): Promise<Neo4jServer> {
  process.env.NEO4J_JAVA_OPTS = OPERATOR_NEO4J.javaOpts;
  process.env.NEO4J_PAGECACHE = OPERATOR_NEO4J.pageCache;
  // The launcher's class-data archive was made for its quick-start flags: not with these.
  process.env.NEO4J_CDS = '0';
  const server = await startNeo4j();
  say(`neo4j: Neo4j 5.26 (tools/neo4j-launcher), JVM ${OPERATOR_NEO4J.javaOpts}, page cache ${OPERATOR_NEO4J.pageCache}; ready in ${server.startMs} ms`);
  return server;
}
