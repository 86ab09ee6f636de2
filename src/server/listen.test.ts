import { describe, expect, it } from 'vitest';
import { listen } from './listen.js';

const hello = () => new Response('hello');

describe('listen', () => {
  it('serves on a free port and closes', async () => {
    const http = await listen(hello, '127.0.0.1', 0, 'FACETAG_X_PORT');
    expect(http.port).toBeGreaterThan(0);
    expect(http.origin).toBe(`http://127.0.0.1:${http.port}`);
    expect(await (await fetch(`${http.origin}/`)).text()).toBe('hello');
    await http.close();
    await expect(fetch(`${http.origin}/`)).rejects.toThrow();
  });

  it('names the port setting when the port is taken', async () => {
    const first = await listen(hello, '127.0.0.1', 0, 'FACETAG_X_PORT');
    await expect(listen(hello, '127.0.0.1', first.port, 'FACETAG_X_PORT')).rejects.toMatchObject({
      code: 'CONFLICT', message: `port ${first.port} is in use on 127.0.0.1; pick another with --port or FACETAG_X_PORT (0 picks a free one)`,
    });
    await first.close();
  });

  it('with nextFree, takes the next free port when the one asked for is taken (two workers on one host)', async () => {
    const first = await listen(hello, '127.0.0.1', 0, 'FACETAG_X_PORT');
    const second = await listen(hello, '127.0.0.1', first.port, 'FACETAG_X_PORT', { nextFree: 15 });
    expect(second.port).toBeGreaterThan(first.port);
    expect(second.port).toBeLessThanOrEqual(first.port + 15);
    expect(await (await fetch(`${second.origin}/`)).text()).toBe('hello');
    await second.close();
    await first.close();
  });

  it('with nextFree, names the range and the setting when every port of it is taken', async () => {
    const first = await listen(hello, '127.0.0.1', 0, 'FACETAG_X_PORT');
    const taken = [first];
    for (let p = first.port + 1; p <= first.port + 2; p++) taken.push(await listen(hello, '127.0.0.1', p, 'FACETAG_X_PORT').catch(() => first));
    await expect(listen(hello, '127.0.0.1', first.port, 'FACETAG_X_PORT', { nextFree: 2 })).rejects.toMatchObject({
      code: 'CONFLICT', message: `ports ${first.port}-${first.port + 2} are in use on 127.0.0.1; pick another with --port or FACETAG_X_PORT (0 picks a free one)`,
    });
    for (const t of new Set(taken)) await t.close();
  });
});
