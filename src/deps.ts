import type { Catalog } from './catalog/catalog.js';
import type { ResolvedConfig } from './config/load-config.js';
import type { Logger } from './log.js';
import type { BlobStore } from './storage/blob-store.js';

/**
 * What capability code may ask for. Functions take `Pick<Deps, ...>` of what they use; the
 * composition root (context.ts) builds it. A module of its own, holding the type only, so code
 * that asks for it never imports the composition root that imports that code.
 */
export interface Deps {
  config: ResolvedConfig;
  log: Logger;
  catalog: Catalog;
  blobs: BlobStore;
}
