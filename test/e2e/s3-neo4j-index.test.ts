import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNeo4jCatalog } from '../../src/catalog/neo4j-catalog.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createS3BlobStore, ensureBuckets } from '../../src/storage/s3-blob-store.js';
import { json, runFacetag } from '../helpers/cli.js';
import { requireNeo4j, startNeo4j, type Neo4jServer } from '../helpers/neo4j.js';
import { requireS3, s3Env, startS3, uniqueBucket, type S3Server } from '../helpers/s3.js';
import { requireShared, SHARED_FACES } from '../helpers/shared.js';

/**
 * The cluster stack's storage end to end: real photos uploaded to an `incoming` bucket of a real
 * S3 server (Ceph RGW), `facetag index --source s3://incoming` with the catalog on a real Neo4j:
 * faces and people in Neo4j, crops in the crops bucket, photos moved to the processed bucket.
 */
const suite = 'facetag index --source s3:// with the Neo4j catalog';
const available = requireS3(suite) && requireNeo4j(suite) && requireShared(SHARED_FACES, suite);

/** Real photos of two labelled people (../shared/faces), keyed as they are uploaded. */
export const REAL_PHOTOS: Record<string, { file: string; identity: string }> = {
  'jolie/a.jpg': { file: 'images/angelina_jolie/3.jpg', identity: 'jolie' },
  'jolie/b.jpg': { file: 'images/angelina_jolie/5.jpg', identity: 'jolie' },
  'jolie/c.jpg': { file: 'images/angelina_jolie/6.jpg', identity: 'jolie' },
  'powell/a.jpg': { file: 'images/colin_powell/1.jpg', identity: 'powell' },
  'powell/b.jpg': { file: 'images/colin_powell/2.jpg', identity: 'powell' },
  'powell/c.jpg': { file: 'images/colin_powell/3.jpg', identity: 'powell' },
};

interface Summary {
  photos: { seen: number; processed: number; skippedUnchanged: number; failed: number; unsettled: number };
  faces: number; people: number;
}
interface FaceRow { id: number; file: string; thumbKey: string; personId: number | null; box: { w: number; h: number } }

/** The person of the largest face of each photo of `identity` (the labelled one). */
export function labelledPeople(faces: FaceRow[], bucket: string, identity: string): Array<number | null> {
  return Object.entries(REAL_PHOTOS).filter(([, p]) => p.identity === identity).map(([key]) => {
    const own = faces.filter((f) => f.file === `s3://${bucket}/${key}`).sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h);
    return own[0]?.personId ?? null;
  });
}

describe.runIf(available)(suite, () => {
  let s3: S3Server;
  let neo4j: Neo4jServer;
  beforeAll(async () => {
    [s3, neo4j] = await Promise.all([startS3(), startNeo4j()]);
    console.log(`Ceph RGW started in ${s3.startMs} ms, Neo4j in ${neo4j.startMs} ms`);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([s3?.stop(), neo4j?.stop()]);
  });

  it('indexes real photos from incoming: faces and people in Neo4j, crops in the crops bucket, photos moved to processed', async () => {
    const buckets = { incoming: uniqueBucket('incoming'), processed: uniqueBucket('processed'), crops: uniqueBucket('face-crops') };
    const env = {
      ...s3Env(s3, buckets),
      FACETAG_CATALOG_DRIVER: 'neo4j', FACETAG_CATALOG_NEO4J_URL: neo4j.url, FACETAG_CATALOG_NEO4J_PASSWORD: neo4j.password,
      FACETAG_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'facetag-s3n4j-')), 'data'),
    };
    const settings = loadConfig({ env }).storage;
    await ensureBuckets(settings, Object.values(buckets));
    const store = (bucket: string): BlobStore => createS3BlobStore(settings, bucket);
    const [incoming, processed, crops] = [store(buckets.incoming), store(buckets.processed), store(buckets.crops)];
    try {
      for (const [key, p] of Object.entries(REAL_PHOTOS)) await incoming.put(key, readFileSync(join(SHARED_FACES, p.file)), 'image/jpeg');
      const run = await runFacetag(['index', '--source', `s3://${buckets.incoming}`, '--json'], { env });
      expect(run.code, run.stderr).toBe(0);
      const summary = json<Summary>(run);
      const n = Object.keys(REAL_PHOTOS).length;
      expect(summary.photos).toEqual({ seen: n, processed: n, skippedUnchanged: 0, failed: 0, unsettled: 0 });
      expect(summary.faces).toBeGreaterThanOrEqual(n);
      expect(summary.people).toBeGreaterThanOrEqual(2);

      // The catalog is the Neo4j server's: read it there, not through facetag.
      const catalog = await openNeo4jCatalog({ url: neo4j.url, user: neo4j.user, password: neo4j.password });
      try {
        expect(await catalog.run('MATCH (p:Photo) RETURN count(p) AS n')).toEqual([{ n }]);
        expect(await catalog.run('MATCH (f:Face)-[:IN]->(:Photo) RETURN count(f) AS n')).toEqual([{ n: summary.faces }]);
      } finally {
        await catalog.close();
      }

      const faces = json<FaceRow[]>(await runFacetag(['faces', 'list', '--json'], { env }));
      expect(faces).toHaveLength(summary.faces);
      for (const key of Object.keys(REAL_PHOTOS)) expect(faces.some((f) => f.file === `s3://${buckets.incoming}/${key}`)).toBe(true);
      // Each labelled person's photos in one person, and the two people apart.
      const jolie = labelledPeople(faces, buckets.incoming, 'jolie');
      const powell = labelledPeople(faces, buckets.incoming, 'powell');
      expect(new Set(jolie).size, `jolie ${jolie}`).toBe(1);
      expect(new Set(powell).size, `powell ${powell}`).toBe(1);
      expect(jolie[0]).not.toBeNull();
      expect(powell[0]).not.toBeNull();
      expect(jolie[0]).not.toBe(powell[0]);

      // Every crop in the crops bucket under the key the catalog holds, and a JPEG.
      expect((await crops.list('')).sort()).toEqual([...new Set(faces.map((f) => f.thumbKey))].sort());
      expect((await crops.get(faces[0]!.thumbKey))!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

      // Every photo moved to processed byte for byte; incoming is empty.
      expect(await incoming.list('')).toEqual([]);
      expect(await processed.list('')).toEqual(Object.keys(REAL_PHOTOS).sort());
      for (const [key, p] of Object.entries(REAL_PHOTOS)) expect((await processed.get(key))!.equals(readFileSync(join(SHARED_FACES, p.file)))).toBe(true);

      // A second run finds nothing to do and duplicates nothing.
      const again = json<Summary>(await runFacetag(['index', '--source', `s3://${buckets.incoming}`, '--json'], { env }));
      expect(again.photos.seen).toBe(0);
      expect(again.faces).toBe(summary.faces);
    } finally {
      for (const s of [incoming, processed, crops]) await s.close();
    }
  }, 300_000);
});
