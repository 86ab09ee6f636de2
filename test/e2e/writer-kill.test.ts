import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openNeo4jCatalog } from '../../src/catalog/neo4j-catalog.js';
import { collect, REPO } from '../helpers/cli.js';
import { requireNeo4j, startNeo4j, type Neo4jServer } from '../helpers/neo4j.js';

const PHOTOS = 3000;
const BATCH = 250;

/** The single writer in a child process, writing synthetic results in full batches of BATCH photos. */
function writer(target: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/write-synthetic.ts', target, String(PHOTOS), String(BATCH)], {
    cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const firstBatch = new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('batch') && resolve()));
  return { child, firstBatch, done: collect(child) };
}

/** Photos and faces of the catalog, and the photos that do not have exactly their two faces. */
type Census = { photos: number; faces: number; incomplete: number };

async function killMidBatchAndResume(target: string, census: () => Promise<Census>, env: Record<string, string> = {}) {
  const first = writer(target, env);
  await first.firstBatch;
  // The next batch is being written: its transaction is open, or its faces are being clustered.
  first.child.kill('SIGKILL');
  expect((await first.done).signal).toBe('SIGKILL');
  const after = await census();
  // Only whole batches are in the catalog: none half-written, no face without its photo's other face.
  expect(after.photos % BATCH).toBe(0);
  expect(after.photos).toBeGreaterThanOrEqual(BATCH);
  expect(after.photos).toBeLessThan(PHOTOS);
  expect(after).toEqual({ photos: after.photos, faces: after.photos * 2, incomplete: 0 });

  const second = await writer(target, env).done;
  expect(second.code, second.stderr).toBe(0);
  expect(JSON.parse(second.stdout.split('\n').filter(Boolean).at(-1)!)).toEqual({ written: PHOTOS - after.photos, unchanged: after.photos });
  expect(await census()).toEqual({ photos: PHOTOS, faces: PHOTOS * 2, incomplete: 0 });
}

describe('the single writer SIGKILLed mid-batch loses nothing and duplicates nothing', () => {
  it('on SQLite', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'facetag-writer-kill-')), 'catalog.sqlite');
    await killMidBatchAndResume(file, async () => {
      const db = new Database(file, { readonly: true });
      try {
        const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
        return {
          photos: one("SELECT count(*) AS n FROM photos WHERE status = 'done'"),
          faces: one('SELECT count(*) AS n FROM faces'),
          incomplete: one('SELECT count(*) AS n FROM photos p WHERE (SELECT count(*) FROM faces f WHERE f.photo_id = p.id) <> 2'),
        };
      } finally {
        db.close();
      }
    });
  }, 300_000);

  const neo4j = requireNeo4j('single writer SIGKILLed mid-batch on neo4j');
  let server: Neo4jServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });
  it.runIf(neo4j)('on Neo4j', async () => {
    server = await startNeo4j();
    const s = server;
    const c = await openNeo4jCatalog({ url: s.url, user: s.user, password: s.password });
    try {
      await killMidBatchAndResume(s.url, async () => {
        const [r] = await c.run(`CALL () { MATCH (ph:Photo {status: 'done'}) RETURN count(ph) AS photos }
          CALL () { MATCH (f:Face) RETURN count(f) AS faces }
          CALL () { MATCH (ph:Photo) WHERE COUNT { (:Face)-[:IN]->(ph) } <> 2 RETURN count(ph) AS incomplete }
          RETURN photos, faces, incomplete`);
        return { photos: Number(r!.photos), faces: Number(r!.faces), incomplete: Number(r!.incomplete) };
      }, { NEO4J_PASSWORD: s.password });
    } finally {
      await c.close();
    }
  }, 600_000);
});
