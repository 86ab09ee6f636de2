import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../config/load-config.js';
import type { PhotoSource } from './photo-source.js';
import { createPhotoReader, openPhotoSource, sourceRefOf } from './photo-opener.js';

/** A source holding `files` (name → bytes) under a fresh location; `remove` deletes one behind its back. */
export interface SourceFixture {
  /** What a person types for it: a folder path or `s3://bucket/prefix/`. */
  where: string;
  config: ResolvedConfig;
  remove(name: string): Promise<void>;
  /** Whether the photo has moved out of the source to where indexed photos go (S3 `move`); false for a folder. */
  moved(name: string): Promise<boolean>;
}

/**
 * What every photo source does, opened through the one opener (photo-opener.ts): the writer's
 * source (it settles) and a worker's (it only reads) see the same photos, by the ref a job
 * carries; after the run, the dashboard reads each photo by the key the catalog holds, wherever
 * the writer settled it. Run against a folder and a real S3 server.
 */
export function photoSourceContract(name: string, make: (files: Record<string, Buffer>) => Promise<SourceFixture>) {
  const jpeg = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(10 + n, n)]);
  const files = { 'a.jpg': jpeg(1), 'b/c.png': jpeg(2), 'b/d-e.JPG': jpeg(3), 'notes.txt': Buffer.from('not a photo') };

  describe(`PhotoSource contract: ${name}`, () => {
    it('lists the photos only, in a stable order, with their sizes, and names them relative to the source', async () => {
      const f = await make(files);
      const source = await openPhotoSource({ config: f.config }, await sourceRefOf(f.where), 'writer', { check: true });
      try {
        const listed = await source.list();
        expect(listed.map((p) => source.displayName(p))).toEqual(['a.jpg', 'b/c.png', 'b/d-e.JPG']);
        expect(listed.map((p) => p.size)).toEqual([jpeg(1).length, jpeg(2).length, jpeg(3).length]);
        expect(await source.list()).toEqual(listed);
      } finally {
        await source.close();
      }
    });

    it('a worker opening the ref a job carries reads the same bytes; a photo gone since the listing is PHOTO_UNREADABLE', async () => {
      const f = await make(files);
      const writer = await openPhotoSource({ config: f.config }, await sourceRefOf(f.where), 'writer');
      const reader: PhotoSource = await openPhotoSource({ config: f.config }, JSON.parse(JSON.stringify(writer.ref)), 'reader');
      try {
        const listed = await writer.list();
        for (const [i, p] of listed.entries()) expect((await reader.read(p)).equals(jpeg(i + 1))).toBe(true);
        await f.remove('a.jpg');
        await expect(reader.read(listed[0]!)).rejects.toMatchObject({ code: 'PHOTO_UNREADABLE' });
      } finally {
        await writer.close();
        await reader.close();
      }
    });

    it('only the writer settles: a reader never moves a photo; a failed photo stays where it is', async () => {
      const f = await make(files);
      const ref = await sourceRefOf(f.where);
      const writer = await openPhotoSource({ config: f.config }, ref, 'writer');
      const reader = await openPhotoSource({ config: f.config }, ref, 'reader');
      try {
        const [a, c] = await writer.list();
        await reader.settle(a!, 'done');
        expect(await f.moved('a.jpg')).toBe(false);
        await writer.settle(c!, 'failed');
        expect(await f.moved('b/c.png')).toBe(false);
        await writer.settle(a!, 'done');
        const expectMove = f.config.storage.processedAction === 'move' && f.where.startsWith('s3://');
        expect(await f.moved('a.jpg')).toBe(expectMove);
        expect((await writer.list()).map((p) => writer.displayName(p))).toEqual(expectMove ? ['b/c.png', 'b/d-e.JPG'] : ['a.jpg', 'b/c.png', 'b/d-e.JPG']);
      } finally {
        await writer.close();
        await reader.close();
      }
    });

    it('after the run, a photo is read by the key the catalog holds, also once the writer settled it; a photo gone is NOT_FOUND', async () => {
      const f = await make(files);
      const writer = await openPhotoSource({ config: f.config }, await sourceRefOf(f.where), 'writer');
      const photos = createPhotoReader(f.config);
      try {
        const [a, c] = await writer.list();
        await writer.settle(a!, 'done');
        // On S3 the writer moved it to storage.processedBucket: read from there.
        expect(await f.moved('a.jpg')).toBe(f.where.startsWith('s3://'));
        expect((await photos.read(a!.key, 1)).equals(jpeg(1))).toBe(true);
        expect((await photos.read(c!.key, 2)).equals(jpeg(2))).toBe(true);
        await f.remove('b/c.png');
        await expect(photos.read(c!.key, 2)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('photo 2') });
      } finally {
        await writer.close();
        await photos.close();
      }
    });
  });
}
