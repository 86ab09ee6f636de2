import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRedis, startRedis, type TestRedis } from '../../test/helpers/redis.js';
import { createBullmqQueue } from './bullmq-queue.js';
import { queueContract } from './queue-contract.js';

const log = { warn: () => undefined };

if (requireRedis('BullMQ queue contract')) {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  // A fresh prefix per test: each test sees an empty queue, as with the in-process adapter.
  queueContract('bullmq', () => createBullmqQueue({ redisUrl: redis.url, prefix: `t${randomUUID().slice(0, 8)}`, attempts: 3, backoffMs: 50, lockMs: 5000, log }));

  describe('bullmq queue', () => {
    it('refuses to start without Redis, naming the address and the fix', async () => {
      const error = await createBullmqQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: 'x', attempts: 1, backoffMs: 1, lockMs: 5000, log, connectTimeoutMs: 1000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
      expect((error as Error).message).toMatch(/127\.0\.0\.1:1.*FACETAG_QUEUE_REDIS_URL/);
    });
  });
}
