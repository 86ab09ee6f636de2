// A child process that writes one SQLite catalog as hard as it can, for the concurrency tests:
//   node --import tsx test/helpers/catalog-writer.ts <catalog file> <photos|people> <rounds> <tag>
// `photos` re-saves and fails photos (the index run's writes: read, then write); `people`
// renames, merges and unmerges (a person's edits). Prints one JSON line: { done, errors }.
import { face, photo } from '../../src/catalog/catalog-contract.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';

const [file, mode, roundsText, tag] = process.argv.slice(2);
const rounds = Number(roundsText);
const catalog = openSqliteCatalog(file!);
const errors: string[] = [];
let done = 0;

async function attempt(fn: () => Promise<unknown>) {
  try {
    await fn();
    done++;
  } catch (error) {
    errors.push(`${(error as { code?: string }).code ?? ''} ${(error as Error).message}`);
  }
}

for (let i = 0; i < rounds; i++) {
  if (mode === 'photos') {
    const path = `/photos/${tag}/${i % 40}.jpg`;
    await attempt(() => catalog.savePhoto(photo(path, [face(i), face(i + 1, 300)], `${tag}-${i}`)));
    await attempt(() => catalog.recordFailure({ path: `/photos/${tag}/bad-${i % 10}.jpg`, sha256: null, size: 1, mtimeMs: 1, code: 'PHOTO_CORRUPT', message: 'test' }));
  } else {
    await attempt(async () => {
      const a = await catalog.createPerson(`${tag} a${i}`);
      const b = await catalog.createPerson(`${tag} b${i}`);
      await catalog.updatePerson(a, { name: `${tag} renamed ${i}` });
      const m = await catalog.mergePeople(a, b);
      await catalog.unmerge(m.id);
    });
    await attempt(() => catalog.createEvent({ title: `${tag} event ${i}`, photoIds: [] }));
  }
}
await catalog.close();
process.stdout.write(`${JSON.stringify({ done, errors: errors.slice(0, 5), errorCount: errors.length })}\n`);
