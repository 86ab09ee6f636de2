import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { annotationContract } from './annotation-contract.js';
import { catalogWriteContract } from './catalog-write-contract.js';
import { catalogContract } from './catalog-contract.js';
import { catalogRulesContract } from './catalog-rules-contract.js';
import { openSqliteCatalog } from './sqlite-catalog.js';
import { MIGRATIONS } from './sqlite-migrations.js';

const fresh = () => openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-cat-')), 'catalog.sqlite'));

catalogContract('sqlite', async () => fresh());
annotationContract('sqlite', async () => fresh());
catalogWriteContract('sqlite', async () => fresh());
catalogRulesContract('sqlite', async () => fresh());

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

  it('reads a merge recorded before merges kept the rejections they cleared (schema 6) as clearing none, and undoes it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'facetag-cat-')), 'c.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (const m of MIGRATIONS.filter((m) => m.version <= 6)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
    }
    db.exec(`INSERT INTO people (id, name, created_at) VALUES (1, 'Into', '2020-01-01T00:00:00.000Z');
      INSERT INTO people (id, name, created_at, merged_into) VALUES (2, 'From', '2020-01-01T00:00:00.000Z', 1);
      INSERT INTO merges (into_id, from_id, faces, rejections, at) VALUES (1, 2, '[]', '[]', '2020-01-02T00:00:00.000Z')`);
    db.close();
    const c = openSqliteCatalog(file);
    const [merge] = await c.listMerges();
    expect(merge).toMatchObject({ intoId: 1, fromId: 2, rejections: [], cleared: [] });
    await c.unmerge(merge!.id);
    expect(await c.getPerson(2)).toMatchObject({ name: 'From', mergedInto: null });
    await c.close();
  });
});
