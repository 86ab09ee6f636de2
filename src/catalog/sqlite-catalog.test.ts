import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { annotationContract } from './annotation-contract.js';
import { catalogWriteContract } from './catalog-write-contract.js';
import { catalogContract } from './catalog-contract.js';
import { openSqliteCatalog } from './sqlite-catalog.js';
import { MIGRATIONS } from './sqlite-migrations.js';

const fresh = () => openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-cat-')), 'catalog.sqlite'));

catalogContract('sqlite', async () => fresh());
annotationContract('sqlite', async () => fresh());
catalogWriteContract('sqlite', async () => fresh());

describe('sqlite catalog', () => {
  it('applies migrations once and records the version', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'facetag-cat-')), 'c.sqlite');
    const a = openSqliteCatalog(file);
    await a.close();
    const b = openSqliteCatalog(file);
    const versions = b.db.prepare('SELECT version FROM schema_version').all();
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    await b.close();
  });
});
