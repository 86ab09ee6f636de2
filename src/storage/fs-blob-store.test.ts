import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobStoreContract } from './blob-store-contract.js';
import { createFsBlobStore } from './fs-blob-store.js';

blobStoreContract('fs', async () => createFsBlobStore(mkdtempSync(join(tmpdir(), 'facetag-blobs-'))));
