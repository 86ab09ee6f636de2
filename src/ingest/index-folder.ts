import type { Deps } from '../context.js';
import type { AnalysisPool } from '../vision/analysis-pool.js';
import { createFolderSource } from './folder-source.js';
import { indexPhotos, type IndexOptions, type IndexSummary } from './index-photos.js';

/** Indexes every photo under `folder` (see `indexPhotos`). */
export async function indexFolder(
  deps: Pick<Deps, 'config' | 'catalog' | 'blobs' | 'log'>,
  analyser: Pick<AnalysisPool, 'modelKey' | 'embedderId' | 'analyse'>,
  folder: string,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  const source = await createFolderSource(folder, {
    followSymlinks: deps.config.index.followSymlinks,
    onListError: (code) => deps.log.warn({ code }, 'a folder could not be listed'),
  });
  try {
    return await indexPhotos(deps, analyser, source, options);
  } finally {
    await source.close();
  }
}
