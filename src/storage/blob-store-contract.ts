import { describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.js';

/** The behaviour every BlobStore adapter must have; run by each adapter's test file. */
export function blobStoreContract(name: string, make: () => Promise<BlobStore>) {
  describe(`BlobStore contract: ${name}`, () => {
    it('stores, reads, lists and deletes by key', async () => {
      const store = await make();
      const data = Buffer.from([1, 2, 3, 255]);
      await store.put('faces/ab/one.jpg', data, 'image/jpeg');
      await store.put('faces/cd/two.jpg', Buffer.from('x'), 'image/jpeg');
      expect(await store.get('faces/ab/one.jpg')).toEqual(data);
      expect(await store.exists('faces/ab/one.jpg')).toBe(true);
      expect(await store.list('faces/')).toEqual(['faces/ab/one.jpg', 'faces/cd/two.jpg']);
      await store.delete('faces/ab/one.jpg');
      expect(await store.get('faces/ab/one.jpg')).toBeNull();
      expect(await store.exists('faces/ab/one.jpg')).toBe(false);
      await store.delete('faces/ab/one.jpg'); // deleting twice is fine
      await store.close();
    });

    it('overwrites a key in place', async () => {
      const store = await make();
      await store.put('k/a.bin', Buffer.from('old'), 'application/octet-stream');
      await store.put('k/a.bin', Buffer.from('new'), 'application/octet-stream');
      expect((await store.get('k/a.bin'))?.toString()).toBe('new');
      await store.close();
    });

    it('refuses keys that could escape the store', async () => {
      const store = await make();
      for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', '']) {
        await expect(store.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/not a safe relative key/);
      }
      await store.close();
    });
  });
}
