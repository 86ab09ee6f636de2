import type { Deps } from '../context.js';
import type { AnalysisTransport } from './analysis-transport.js';
import { createFolderSource } from './folder-source.js';
import { openIndexer } from './index-run.js';
import type { IndexOptions, IndexSummary } from './index-summary.js';
import type { PhotoSource } from './photo-source.js';

/** The folder source of the config's settings; a folder that cannot be listed is logged by its error code only. */
export function openFolderSource({ config, log }: Pick<Deps, 'config' | 'log'>, folder: string): Promise<PhotoSource> {
  return createFolderSource(folder, {
    followSymlinks: config.index.followSymlinks,
    onListError: (code) => log.warn({ code }, 'a folder could not be listed'),
  });
}

/** One index run over every photo under `folder` (ingest/index-run.ts), analysed by `transport`. */
export async function indexFolder(
  deps: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  transport: AnalysisTransport,
  folder: string,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  const source = await openFolderSource(deps, folder);
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
