import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { createContext } from '../context.js';
import { requireNeo4j, startNeo4j, type Neo4jServer } from '../../test/helpers/neo4j.js';
import { queryContract } from '../annotate/query-contract.js';
import { annotationContract } from './annotation-contract.js';
import { catalogWriteContract } from './catalog-write-contract.js';
import { catalogContract, face, photo } from './catalog-contract.js';
import { catalogRulesContract } from './catalog-rules-contract.js';
import { openNeo4jCatalog, type Neo4jCatalog } from './neo4j-catalog.js';
import { NEO4J_MIGRATIONS } from './neo4j-migrations.js';
import { neo4jSettings } from './neo4j-settings.js';

const neo4jConfig = (env: Record<string, string>) =>
  loadConfig({ env: { FACETAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'facetag-n4j-')), FACETAG_CATALOG_DRIVER: 'neo4j', ...env } });

describe('neo4j catalog settings', () => {
  it('refuses a missing, empty or well-known password, naming the setting and the fix', () => {
    for (const pw of [undefined, '', '   ', 'neo4j', 'password', 'changeme', 'admin', '12345678', 'Password']) {
      const config = neo4jConfig(pw === undefined ? {} : { FACETAG_CATALOG_NEO4J_PASSWORD: pw });
      expect(() => neo4jSettings(config)).toThrow(expect.objectContaining({
        code: 'CONFIG_INVALID', message: expect.stringMatching(/catalog\.neo4jPassword.*FACETAG_CATALOG_NEO4J_PASSWORD/),
      }));
    }
    const ok = neo4jSettings(neo4jConfig({ FACETAG_CATALOG_NEO4J_PASSWORD: 'a-long-secret', FACETAG_CATALOG_NEO4J_URL: 'bolt://127.0.0.1:7999' }));
    expect(ok).toMatchObject({ url: 'bolt://127.0.0.1:7999', user: 'neo4j', password: 'a-long-secret', maxRetryMs: 30_000 });
  });

  it('keeps SQLite the default driver', () => {
    expect(loadConfig({ env: {} }).catalog.driver).toBe('sqlite');
  });
});

// One real Neo4j for the whole file; each contract test starts from an empty graph.
const available = requireNeo4j('neo4j catalog suite');
let server: Neo4jServer;
const open = () => openNeo4jCatalog({ url: server.url, user: server.user, password: server.password });

/** An empty catalog: every node but the schema version goes (constraints and indexes stay). */
const fresh = async (): Promise<Neo4jCatalog> => {
  const c = await open();
  await c.run('MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n');
  return c;
};

if (available) {
  beforeAll(async () => {
    server = await startNeo4j();
    console.log(`neo4j catalog suite: Neo4j ready in ${server.startMs} ms at ${server.url}`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  catalogContract('neo4j', fresh);
  annotationContract('neo4j', fresh);
  catalogWriteContract('neo4j', fresh);
  catalogRulesContract('neo4j', fresh);
  // The LLM's query specs run read-only through the port: the same answers on both adapters.
  queryContract('neo4j', fresh);

  describe('neo4j catalog', () => {
    it('applies migrations once and records each version', async () => {
      const a = await fresh();
      const b = await open();
      expect(a.migrationVersion).toBe(NEO4J_MIGRATIONS.at(-1)!.version);
      expect(b.migrationVersion).toBe(a.migrationVersion);
      const versions = await b.run('MATCH (v:SchemaVersion) RETURN v.version AS version ORDER BY version');
      expect(versions).toEqual(NEO4J_MIGRATIONS.map((m) => ({ version: m.version })));
      const constraints = (await b.run('SHOW CONSTRAINTS YIELD name RETURN name')).map((r) => r.name);
      expect(constraints).toEqual(expect.arrayContaining(['photo_id_unique', 'photo_path_unique', 'face_id_unique', 'person_id_unique']));
      await a.close();
      await b.close();
    });

    it('keeps face ids unique under the uniqueness constraints', async () => {
      const c = await fresh();
      const { faceIds } = await c.savePhoto(photo('/u/1.jpg', [face(1)]));
      await expect(c.run('CREATE (:Face {id: $id})', { id: faceIds[0] })).rejects.toMatchObject({ code: 'STORE_FAILED' });
      await c.close();
    });

    it('answers nearestFaces from the native vector index, for 8-d and 512-d embeddings alike', async () => {
      const c = await fresh();
      const indexes = () => c.run("SHOW INDEXES YIELD name, type, state WHERE type = 'VECTOR' RETURN name, state");
      expect(await indexes()).toEqual([{ name: 'face_embedding', state: 'ONLINE' }]);
      const { faceIds } = await c.savePhoto(photo('/n/1.jpg', [face(1), face(2), face(3)]));
      const wide = Float32Array.from({ length: 512 }, (_, i) => Math.cos(i));
      const big = await c.savePhoto(photo('/n/2.jpg', [{ ...face(4), embedding: wide, model: 'wide@1' }]));
      const near = await c.nearestFaces(face(2).embedding, 2, 'test-embedder@1');
      expect(near[0]).toMatchObject({ faceId: faceIds[1] });
      expect(near[0]!.distance).toBeCloseTo(0, 6);
      expect(near).toHaveLength(2);
      expect((await c.nearestFaces(wide, 5, 'wide@1')).map((n) => n.faceId)).toEqual(big.faceIds);
      // Without the index the same call fails: the answer came from the index, not from a scan.
      await c.run('DROP INDEX face_embedding');
      await expect(c.nearestFaces(wide, 5, 'wide@1')).rejects.toMatchObject({ code: 'STORE_FAILED', message: expect.stringMatching(/face_embedding/) });
      await c.run(NEO4J_MIGRATIONS[0]!.cypher.find((s) => s.includes('VECTOR INDEX'))!);
      await c.run('CALL db.awaitIndexes(60)');
      expect((await c.nearestFaces(wide, 5, 'wide@1')).map((n) => n.faceId)).toEqual(big.faceIds);
      await c.close();
    });

    it('never prunes a person another writer has just created, and prunes stale empty ones', async () => {
      const a = await fresh();
      const b = await open();
      const p = await a.createPerson(); // writer A: createPerson, then (later) assign
      const { faceIds } = await b.savePhoto(photo('/r/1.jpg', [face(1), face(2)])); // writer B writes and prunes in between
      await b.assign([{ faceId: faceIds[1]!, personId: null, source: null, distance: null }]);
      await a.assign([{ faceId: faceIds[0]!, personId: p, source: 'auto', distance: 0.2 }]);
      expect((await a.getPerson(p))?.faceCount).toBe(1);
      await a.run("CREATE (:Person {id: 900001, hidden: false, createdAt: '2000-01-01T00:00:00.000Z'})");
      await b.savePhoto(photo('/r/2.jpg', [face(3)]));
      expect(await a.getPerson(900001)).toBeNull();
      await a.close();
      await b.close();
    });

    it('reads a Merge node recorded before merges kept the rejections they cleared as clearing none, and undoes it', async () => {
      const c = await fresh();
      const into = await c.createPerson('Into');
      const from = await c.createPerson('From', { createdAt: '2020-01-01T00:00:00.000Z', hidden: false, mergedInto: into });
      await c.run(`CREATE (:Merge {id: 77, intoId: toInteger($into), fromId: toInteger($from), faces: '[]', rejections: '[]', at: '2020-01-02T00:00:00.000Z'})`, { into, from });
      expect(await c.listMerges()).toEqual([expect.objectContaining({ id: 77, intoId: into, fromId: from, rejections: [], cleared: [] })]);
      await c.unmerge(77);
      expect(await c.getPerson(from)).toMatchObject({ name: 'From', mergedInto: null });
      await c.close();
    });

    it('is chosen by the composition root when catalog.driver is neo4j', async () => {
      await (await fresh()).close();
      const ctx = await createContext(neo4jConfig({ FACETAG_CATALOG_NEO4J_URL: server.url, FACETAG_CATALOG_NEO4J_PASSWORD: server.password }), 'test');
      const person = await ctx.catalog.createPerson('Via Context');
      const direct = await open();
      expect((await direct.getPerson(person))?.name).toBe('Via Context');
      await direct.close();
      await ctx.close();
    });

    it('turns Nagle off on its Bolt sockets (TCP_NODELAY), so a message over one segment is not held ~40 ms for an ACK', async () => {
      // Without it, any Bolt message over the driver's 1,400-byte chunk (a 512-d embedding is ~4.6 KB)
      // waits for the server's delayed ACK: measured at ~44 ms per photo (issue 15).
      const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
      try {
        const c = await open();
        await c.run('RETURN 1');
        expect(noDelay.mock.calls.filter(([on]) => on !== false).length).toBeGreaterThan(0);
        await c.close();
      } finally {
        noDelay.mockRestore();
      }
    });

    it('refuses a wrong password and an unreachable server with a message that names the fix', async () => {
      await expect(openNeo4jCatalog({ url: server.url, user: 'neo4j', password: 'not-the-password' }))
        .rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/catalog\.neo4jPassword/) });
      await expect(openNeo4jCatalog({ url: 'bolt://127.0.0.1:1', user: 'neo4j', password: server.password, maxRetryMs: 500 }))
        .rejects.toMatchObject({ code: 'STORE_FAILED', message: expect.stringMatching(/bolt:\/\/127\.0\.0\.1:1 is unreachable/) });
    });
  });
}
