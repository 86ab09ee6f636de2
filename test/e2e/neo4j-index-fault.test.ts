import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { openNeo4jCatalog, type Neo4jCatalog } from '../../src/catalog/neo4j-catalog.js';
import { collect, json, runFacetag, startFacetag } from '../helpers/cli.js';
import { requireNeo4j, startNeo4j, type Neo4jServer } from '../helpers/neo4j.js';
import { fixture } from '../helpers/photos.js';

const PHOTOS = 32;
const available = requireNeo4j('index run against Neo4j with the server stopped mid-run');

describe.skipIf(!available)('an index run on the neo4j catalog whose server stops mid-run', () => {
  const servers: Neo4jServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('fails clearly, leaves nothing half-written, and a rerun after the restart completes with no duplicates', async () => {
    const root = mkdtempSync(join(tmpdir(), 'facetag-n4j-fault-'));
    const photos = join(root, 'photos');
    mkdirSync(photos);
    // Distinct files (distinct hashes) with one face each: the fixture at several scales and mirrored.
    for (let i = 0; i < PHOTOS; i++) {
      await sharp(fixture('astronaut.jpg')).resize(1000 + i * 8).flop(i % 2 === 1).jpeg({ quality: 80 + (i % 10) }).toFile(join(photos, `p${String(i).padStart(2, '0')}.jpg`));
    }
    const first = await startNeo4j();
    servers.push(first);
    const port = Number(new URL(first.url).port);
    const env = (url: string) => ({
      FACETAG_CATALOG_DRIVER: 'neo4j', FACETAG_CATALOG_NEO4J_URL: url, FACETAG_CATALOG_NEO4J_PASSWORD: first.password,
      // Give up on a gone server after half a second per call, so the run ends quickly.
      FACETAG_CATALOG_NEO4J_MAX_RETRY_MS: '500',

    });
    const data = join(root, 'data');

    const watcher: Neo4jCatalog = await openNeo4jCatalog({ url: first.url, user: first.user, password: first.password, maxRetryMs: 500 });
    // One analysis thread: the batched writer is far faster than the analysis, so the run is
    // still analysing (most photos not written) when the server stops.
    const child = startFacetag(['index', photos, '--data', data, '--json'], { env: { ...env(first.url), FACETAG_INDEX_CONCURRENCY: '1' } });
    const done = collect(child);
    const deadline = Date.now() + 180_000;
    while ((await watcher.counts()).photos < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await first.stop({ keepData: true });
    const failed = await done;
    expect(failed.code, failed.stderr).toBe(74);
    expect(failed.stderr).toMatch(/Neo4j at bolt:\/\/127\.0\.0\.1:\d+ is unreachable.*catalog\.neo4jUrl.*\[STORE_FAILED\]/);
    await expect(watcher.counts()).rejects.toMatchObject({ code: 'STORE_FAILED' });

    // A catalog opened while the server is down waits for it (up to maxRetryMs).
    const early = openNeo4jCatalog({ url: first.url, user: first.user, password: first.password, maxRetryMs: 170_000 });
    // Same data folder, same port: the watcher's driver reconnects by itself.
    const second = await startNeo4j({ dataDir: first.dataDir, password: first.password, port });
    servers.push(second);
    const waited = await early;
    expect((await waited.counts()).photos).toBeGreaterThanOrEqual(4);
    await waited.close();
    const before = (await watcher.counts()).photos;
    expect(before).toBeGreaterThanOrEqual(4);
    expect(before).toBeLessThan(PHOTOS);
    // Nothing half-written: every face is on a photo and has its embedding; every photo saved has its face.
    expect(await watcher.run('MATCH (f:Face) WHERE NOT (f)-[:IN]->(:Photo) OR f.embedding IS NULL RETURN count(f) AS n')).toEqual([{ n: 0 }]);
    expect((await watcher.listPhotos()).filter((p) => p.status === 'done').every((p) => p.faceCount === 1)).toBe(true);

    const rerun = await runFacetag(['index', photos, '--data', data, '--json'], { env: env(second.url) });
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = json(rerun);
    expect(summary.photos.skippedUnchanged).toBe(before);
    expect(summary.photos.processed).toBe(PHOTOS - before);
    expect(summary.faces).toBe(PHOTOS);
    const all = await watcher.listPhotos();
    expect(all).toHaveLength(PHOTOS);
    expect(all.every((p) => p.status === 'done' && p.faceCount === 1)).toBe(true);
    expect(summary.unassigned).toBe(0);
    expect(summary.people).toBe(1);
    await watcher.close();
  }, 300_000); // two Neo4j start-ups and two runs; its own wait for the first photos allows 180 s
});
