import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteCatalog } from '../catalog/sqlite-catalog.js';
import { queryContract } from './query-contract.js';

queryContract('sqlite', async () => openSqliteCatalog(join(mkdtempSync(join(tmpdir(), 'facetag-query-')), 'catalog.sqlite')));
