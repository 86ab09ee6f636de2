import { resolve } from 'node:path';
import type { Deps } from '../deps.js';
import type { AnalysisTransport } from './analysis-transport.js';
import { openIndexer } from './index-run.js';
import type { IndexOptions, IndexSummary } from './index-summary.js';
import { openPhotoSource } from '../sources/photo-opener.js';

/** One index run over every photo under `folder` (ingest/index-run.ts), analysed by `transport`. */
export async function indexFolder(
  deps: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  transport: AnalysisTransport,
  folder: string,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  const source = await openPhotoSource(deps, { kind: 'folder', root: resolve(folder) }, 'writer', {
    onListError: (code) => deps.log.warn({ code }, 'a folder could not be listed'),
  });
  try {
    const indexer = await openIndexer(deps, transport);
    try {
      return await indexer.run(source, options);
    } finally {
      await indexer.close();
    }
  } finally {
    await source.close();
  }
}
