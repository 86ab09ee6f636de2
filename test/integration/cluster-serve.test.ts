import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv, killStrays, startTracked, startWorker, stopWorker, until } from '../helpers/cluster.js';
import { makeFacePhotos } from '../helpers/photos.js';
import { collect } from '../helpers/cli.js';
import { requireRedis, startRedis, type TestRedis } from '../helpers/redis.js';

const PASSWORD = 'cluster-serve-test-password';

if (requireRedis('cluster serve')) {
  describe('facetag serve in cluster mode: "Index now" queues the photos for the workers and writes their results', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      killStrays();
      await redis?.stop();
    });

    it('indexes the configured folder through a worker process', async () => {
      const root = mkdtempSync(join(tmpdir(), 'facetag-cluster-serve-'));
      const photos = join(root, 'photos');
      const data = join(root, 'data');
      mkdirSync(photos);
      await makeFacePhotos(photos, 4, 70);
      const env = clusterEnv(redis.url, { FACETAG_SERVER_ADMIN_PASSWORD: PASSWORD, FACETAG_SERVER_INDEX_FOLDER: photos });
      const worker = startWorker(data, env);
      const server = startTracked(['serve', '--data', data, '--port', '0'], env);
      const exited = collect(server);
      let out = '';
      server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const url = await until('the dashboard URL', () => /facetag dashboard: (http:\/\/\S+?)\/?\n/.exec(out)?.[1] ?? null, (u) => u !== null, 90_000);
      await worker.ready;

      const login = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const start = await fetch(`${url}/api/ingest`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
      expect(start.status).toBe(202);
      type Ingest = { status: { running: boolean; last: { photos: { processed: number; failed: number } } | null; error: unknown }; counts: { faces: number } };
      const state = await until('the run to finish', async () => (await (await fetch(`${url}/api/ingest`, { headers: { cookie } })).json()) as Ingest, (s) => !s.status.running && (s.status.last !== null || s.status.error !== null));
      expect(state.status.error).toBeNull();
      expect(state.status.last!.photos).toMatchObject({ processed: 4, failed: 0 });
      expect(state.counts.faces).toBe(4);

      server.kill('SIGTERM');
      expect((await exited).code).toBe(0);
      expect((await stopWorker(worker)).code).toBe(0);
      // The worker analysed them, not the server.
      const analysed = readFileSync(join(data, 'logs', 'worker.log'), 'utf8').split('\n').filter((l) => l.includes('"msg":"photo analysed"'));
      expect(analysed).toHaveLength(4);
    });
  });
}
