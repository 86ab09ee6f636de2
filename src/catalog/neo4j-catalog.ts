import neo4j, { type Driver, type ManagedTransaction, type Session } from 'neo4j-driver';
import { AppError } from '../errors.js';
import type { Catalog } from './catalog.js';
import { neo4jAnnotations } from './neo4j-annotations.js';
import { neo4jDecisions } from './neo4j-decisions.js';
import { neo4jDump } from './neo4j-dump.js';
import { neo4jFaces } from './neo4j-faces.js';
import { neo4jGraphQueries } from './neo4j-graph-queries.js';
import { migrateNeo4j } from './neo4j-migrations.js';
import { neo4jPeople } from './neo4j-people.js';
import { neo4jPhotos } from './neo4j-photos.js';
import type { Row, Tx, TxRunner } from './neo4j-tx.js';
import { neo4jWriterTx } from './neo4j-writer-tx.js';

export interface Neo4jCatalogOptions {
  /** bolt:// or neo4j:// URL. */
  url: string;
  user: string;
  password: string;
  /** Database name; unset means the server's default database. */
  database?: string | undefined;
  /** How long a transaction is retried on transient errors (server gone, leader switch, deadlock). @default 30000 */
  maxRetryMs?: number;
  /** Connect timeout of one attempt. @default 5000 */
  connectTimeoutMs?: number;
}

const int = (n: number) => neo4j.int(n);

/** The driver's transaction as the adapter's other files see it: rows as plain objects, integers as Cypher integers. */
const wrap = (tx: ManagedTransaction): Tx => {
  const rows = async (cypher: string, params: Row = {}) => (await tx.run(cypher, params)).records.map((r) => r.toObject());
  return {
    rows,
    one: async (cypher, params) => (await rows(cypher, params))[0],
    run: async (cypher, params) => { await tx.run(cypher, params); },
    int,
  };
};

/** Driver failures as AppErrors that name the server and what to check. */
function storeError(error: unknown, url: string, database: string | undefined): AppError {
  if (error instanceof AppError) return error;
  const e = error as { code?: string; message?: string };
  const code = e.code ?? '';
  const why = e.message ?? String(error);
  if (code === 'Neo.ClientError.Security.Unauthorized' || code === 'Neo.ClientError.Security.AuthenticationRateLimit') {
    return new AppError('CONFIG_INVALID', `Neo4j at ${url} refused the login (${why}); check catalog.neo4jUser and catalog.neo4jPassword (env FACETAG_CATALOG_NEO4J_PASSWORD)`, { cause: error });
  }
  if (code === 'Neo.ClientError.Database.DatabaseNotFound') {
    return new AppError('CONFIG_INVALID', `Neo4j at ${url} has no database "${database}"; set catalog.neo4jDatabase to an existing database, or unset it for the default`, { cause: error });
  }
  if (code === 'ServiceUnavailable' || code === 'SessionExpired' || /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|connection/i.test(why)) {
    return new AppError('STORE_FAILED', `Neo4j at ${url} is unreachable (${why}); check that the server runs and that catalog.neo4jUrl (env FACETAG_CATALOG_NEO4J_URL) points at its Bolt port`, { cause: error });
  }
  return new AppError('STORE_FAILED', `Neo4j at ${url} failed: ${why} [${code || 'no code'}]`, { cause: error });
}

/**
 * The cluster catalog: photos, faces (with embeddings in a native vector index), people and every
 * human decision in Neo4j 5. Behaves as the SQLite catalog does (the contract suite runs both);
 * every method is one managed transaction, retried by the driver on transient errors. This file
 * connects and assembles the port from one file per part of it (neo4j-photos.ts, neo4j-faces.ts,
 * neo4j-people.ts, neo4j-decisions.ts, neo4j-graph-queries.ts, neo4j-annotations.ts,
 * neo4j-dump.ts, neo4j-writer-tx.ts), as the SQLite adapter is laid out.
 */
export interface Neo4jCatalog extends Catalog {
  /** The schema version reached at open. */
  readonly migrationVersion: number;
  /** Runs one Cypher statement in its own write transaction: for tests and administration, never for user input. */
  run(cypher: string, params?: Record<string, unknown>): Promise<Array<Record<string, unknown>>>;
}

export async function openNeo4jCatalog(options: Neo4jCatalogOptions): Promise<Neo4jCatalog> {
  const { url, database } = options;
  let driver: Driver;
  try {
    driver = neo4j.driver(url, neo4j.auth.basic(options.user, options.password), {
      disableLosslessIntegers: true,
      maxTransactionRetryTime: options.maxRetryMs ?? 30_000,
      connectionTimeout: options.connectTimeoutMs ?? 5_000,
      connectionAcquisitionTimeout: (options.connectTimeoutMs ?? 5_000) * 2,
      userAgent: 'facetag',
    });
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `catalog.neo4jUrl "${url}" is not a Neo4j URL (${(error as Error).message}); use bolt://HOST:7687 or neo4j://HOST:7687`);
  }

  const session = async <T>(mode: 'READ' | 'WRITE', fn: (s: Session) => Promise<T>): Promise<T> => {
    const s = driver.session({ database, defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE });
    try {
      return await fn(s);
    } catch (error) {
      throw storeError(error, url, database);
    } finally {
      await s.close().catch(() => undefined);
    }
  };
  const read: TxRunner = (work) => session('READ', (s) => s.executeRead((tx) => work(wrap(tx))));
  const write: TxRunner = (work) => session('WRITE', (s) => s.executeWrite((tx) => work(wrap(tx))));

  // A server still starting (a cluster booting, a restart) is waited for, up to maxRetryMs;
  // a refused login or a missing database fails at once.
  const deadline = Date.now() + (options.maxRetryMs ?? 30_000);
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      await driver.verifyConnectivity({ database });
      break;
    } catch (error) {
      const e = storeError(error, url, database);
      if (e.code !== 'STORE_FAILED' || Date.now() + wait > deadline) {
        await driver.close();
        throw e;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  let migrationVersion: number;
  try {
    migrationVersion = await migrateNeo4j(
      (cypher, params) => session('WRITE', async (s) => (await s.run(cypher, params)).records.map((r) => r.toObject())),
      (cypher, params) => write((tx) => tx.rows(cypher, params)),
    );
  } catch (error) {
    await driver.close();
    throw error;
  }

  const catalog: Neo4jCatalog = {
    migrationVersion,
    ...neo4jPhotos(read, write),
    ...neo4jFaces(read, write),
    ...neo4jPeople(read, write),
    ...neo4jDecisions(read, write),
    ...neo4jGraphQueries(read),
    ...neo4jAnnotations(read, write),
    ...neo4jDump(read, write),
    run: (cypher, params) => write((tx) => tx.rows(cypher, params)),
    async counts() {
      return read(async (tx) => {
        const r = (await tx.one(`CALL () { MATCH (ph:Photo {status: 'done'}) RETURN count(ph) AS photos }
          CALL () { MATCH (ph:Photo {status: 'failed'}) RETURN count(ph) AS photosFailed }
          CALL () { MATCH (f:Face) RETURN count(f) AS faces }
          CALL () { MATCH (p:Person) RETURN count(p) AS people }
          CALL () { MATCH (f:Face) WHERE NOT EXISTS { (f)-[:OF]->() } RETURN count(f) AS unassigned }
          RETURN photos, photosFailed, faces, people, unassigned`))!;
        return { photos: Number(r.photos), photosFailed: Number(r.photosFailed), faces: Number(r.faces), people: Number(r.people), unassigned: Number(r.unassigned) };
      });
    },
    writeBatch: (work) => write((tx) => work(neo4jWriterTx(tx))),
    async close() {
      await driver.close();
    },
  };
  return catalog;
}
