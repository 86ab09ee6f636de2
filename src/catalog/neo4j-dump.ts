import { dismissalPhotoMissing } from './catalog-errors.js';
import type { DumpCatalog } from './dump-catalog.js';
import { MERGE, toMergeDetail } from './neo4j-rows.js';
import { nextIds, type Row, type TxRunner } from './neo4j-tx.js';

/** The Neo4j adapter's history for dumps: every merge and every dismissed box, listed and restored. */
export function neo4jDump(read: TxRunner, write: TxRunner): DumpCatalog {
  return {
    async listMerges() {
      const r = await read((tx) => tx.rows(`MATCH (m:Merge) RETURN ${MERGE} AS r ORDER BY m.id`));
      return r.map((x) => toMergeDetail(x.r as Row));
    },
    async listDismissals() {
      const r = await read((tx) => tx.rows(`MATCH (d:DismissedBox)-[:ON]->(ph:Photo)
        RETURN ph.id AS photoId, d.x AS x, d.y AS y, d.w AS w, d.h AS h, d.at AS at ORDER BY d.id`));
      return r.map((d) => ({ photoId: Number(d.photoId), box: { x: Number(d.x), y: Number(d.y), w: Number(d.w), h: Number(d.h) }, at: d.at as string }));
    },
    async importMerge(m) {
      return write(async (tx) => {
        const [id] = await nextIds(tx, 'Merge', 1);
        await tx.run(`CREATE (:Merge {id: $id, intoId: toInteger($intoId), fromId: toInteger($fromId), faces: $faces, rejections: $rejections,
          cleared: $cleared, at: $at, undoneAt: $undoneAt})`, {
          id: tx.int(id!), intoId: m.intoId, fromId: m.fromId, faces: JSON.stringify(m.faces), rejections: JSON.stringify(m.rejections),
          cleared: JSON.stringify(m.cleared), at: m.at, undoneAt: m.undoneAt,
        });
        return id!;
      });
    },
    async importDismissal(d) {
      await write(async (tx) => {
        const [id] = await nextIds(tx, 'DismissedBox', 1);
        const r = await tx.one(`MATCH (ph:Photo {id: $photoId}) CREATE (:DismissedBox {id: $id, x: $x, y: $y, w: $w, h: $h, at: $at})-[:ON]->(ph)
          RETURN ph.id AS id`, { photoId: d.photoId, id: tx.int(id!), ...d.box, at: d.at });
        if (!r) throw dismissalPhotoMissing(d.photoId);
      });
    },
  };
}
