import type { AnnotationCatalog } from './annotation-catalog.js';
import type { CatalogCounts } from './catalog-records.js';
import type { DecisionCatalog } from './decision-catalog.js';
import type { DumpCatalog } from './dump-catalog.js';
import type { FaceCatalog } from './face-catalog.js';
import type { GraphQueryCatalog } from './graph-query-catalog.js';
import type { PeopleCatalog } from './people-catalog.js';
import type { PhotoCatalog } from './photo-catalog.js';
import type { WriterCatalog } from './writer-tx.js';

// The records are part of the port: importers may take them from here or from catalog-records.ts.
export type * from './catalog-records.js';

/**
 * The catalog port: photos, faces (with embeddings), people and every human decision, as the
 * intersection of the smaller ports its callers name (photo-catalog.ts, face-catalog.ts,
 * people-catalog.ts, decision-catalog.ts, graph-query-catalog.ts, annotation-catalog.ts,
 * dump-catalog.ts, writer-tx.ts). The SQLite adapter is the embedded default; a Neo4j adapter
 * serves cluster mode; each is laid out file for file by those ports (sqlite-photos.ts /
 * neo4j-photos.ts, ...). Every method is one transaction: it happens whole or not at all.
 * Code that needs a part of it asks for that part (`catalog: Pick<PeopleCatalog, 'getPerson'>`).
 */
export interface Catalog extends PhotoCatalog, FaceCatalog, PeopleCatalog, DecisionCatalog, GraphQueryCatalog, AnnotationCatalog, DumpCatalog, WriterCatalog {
  counts(): Promise<CatalogCounts>;
  close(): Promise<void>;
}
