import type { PersonRef, PhotoChain, PhotoRef } from './catalog-records.js';
import { personNotFound } from './catalog-errors.js';
import type { GraphQueryCatalog } from './graph-query-catalog.js';
import { checkHops, compareChains, groupByMonth } from './graph-queries.js';
import type { Row, Tx, TxRunner } from './neo4j-tx.js';

const ref = (r: Row): PersonRef => ({ personId: Number(r.personId), name: (r.name as string | null) ?? null });

/** The graph questions of the port, answered by Cypher over (:Person)<-[:OF]-(:Face)-[:IN]->(:Photo). */
export function neo4jGraphQueries(read: TxRunner): GraphQueryCatalog {
  const mustExist = async (tx: Tx, id: number) => {
    const [p] = await tx.rows('MATCH (p:Person {id: $id}) RETURN p.id AS personId, p.name AS name', { id });
    if (!p) throw personNotFound(id);
    return ref(p);
  };
  return {
    async coOccurrences(personId, limit = 20) {
      // Derived on read from (:Person)<-[:OF]-(:Face)-[:IN]->(:Photo): always equal to the faces, never stale.
      const r = await read((tx) => tx.rows(`MATCH (a:Person {id: $personId})<-[:OF]-(:Face)-[:IN]->(ph:Photo)<-[:IN]-(:Face)-[:OF]->(b:Person)
        WHERE b <> a WITH b, count(DISTINCT ph) AS photos
        RETURN b.id AS personId, b.name AS name, photos ORDER BY photos DESC, personId LIMIT toInteger($limit)`, { personId, limit }));
      return r.map((x) => ({ personId: Number(x.personId), name: (x.name as string | null) ?? null, photos: Number(x.photos) }));
    },
    async topPairs(limit = 20) {
      const rows = await read((tx) => tx.rows(`MATCH (a:Person)<-[:OF]-(:Face)-[:IN]->(ph:Photo)<-[:IN]-(:Face)-[:OF]->(b:Person) WHERE a.id < b.id
        WITH a, b, count(DISTINCT ph) AS photos
        RETURN a.id AS a, a.name AS aName, b.id AS b, b.name AS bName, photos ORDER BY photos DESC, a, b LIMIT toInteger($limit)`, { limit }));
      return rows.map((r) => ({
        a: { personId: Number(r.a), name: (r.aName as string | null) ?? null }, b: { personId: Number(r.b), name: (r.bName as string | null) ?? null },
        photos: Number(r.photos),
      }));
    },
    async photoChain(fromId, toId, maxHops = 6) {
      // A person-photo hop is four relationships: Person<-OF-Face-IN->Photo<-IN-Face-OF->Person.
      const rels = checkHops(maxHops) * 4;
      return read(async (tx) => {
        const from = await mustExist(tx, fromId);
        await mustExist(tx, toId);
        if (fromId === toId) return { people: [from], photos: [] };
        const paths = await tx.rows(`MATCH (a:Person {id: $fromId}), (b:Person {id: $toId})
          MATCH p = allShortestPaths((a)-[:OF|IN*..${rels}]-(b))
          RETURN [n IN nodes(p) WHERE n:Photo OR (n:Person AND n <> a) | n.id] AS ids LIMIT 10000`, { fromId, toId });
        if (paths.length === 0) return null;
        const best = paths.map((r) => (r.ids as number[]).map(Number)).sort(compareChains)[0]!;
        const chain: PhotoChain = { people: [from], photos: [] };
        for (let i = 0; i < best.length; i += 2) {
          const [photo] = await tx.rows('MATCH (ph:Photo {id: $id}) RETURN ph.id AS photoId, ph.path AS path, ph.takenAt AS takenAt', { id: best[i] });
          const [person] = await tx.rows('MATCH (p:Person {id: $id}) RETURN p.id AS personId, p.name AS name', { id: best[i + 1] });
          chain.photos.push({ photoId: Number(photo!.photoId), path: photo!.path as string, takenAt: (photo!.takenAt as string | null) ?? null });
          chain.people.push(ref(person!));
        }
        return chain;
      });
    },
    async personTimeline(personId) {
      return read(async (tx) => {
        await mustExist(tx, personId);
        const rows = await tx.rows(`MATCH (:Person {id: $personId})<-[:OF]-(:Face)-[:IN]->(ph:Photo) WITH DISTINCT ph
          RETURN ph.id AS photoId, ph.path AS path, ph.takenAt AS takenAt,
            COLLECT { MATCH (ph)<-[:IN]-(:Face)-[:OF]->(o:Person) WHERE o.id <> $personId RETURN DISTINCT [o.id, o.name] } AS others`, { personId });
        return groupByMonth(rows.map((r) => ({
          photoId: Number(r.photoId), path: r.path as string, takenAt: (r.takenAt as string | null) ?? null,
          with: (r.others as Array<[number, string | null]>).map(([id, name]) => ({ personId: Number(id), name: name ?? null })),
        } satisfies PhotoRef & { with: PersonRef[] })));
      });
    },
  };
}
