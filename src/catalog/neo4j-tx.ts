import type { AssignSource } from './catalog-records.js';
import type { FaceFacts, PersonFacts, PhotoMate } from './decision-rules.js';

export type Row = Record<string, unknown>;

/** One transaction of the Neo4j catalog (neo4j-catalog.ts wraps the driver's in this). */
export interface Tx {
  rows(cypher: string, params?: Row): Promise<Row[]>;
  one(cypher: string, params?: Row): Promise<Row | undefined>;
  run(cypher: string, params?: Row): Promise<void>;
  /** A Cypher INTEGER (a JavaScript number is sent as a FLOAT). */
  int(n: number): unknown;
}

/** Runs `work` in one managed transaction, retried by the driver on transient errors. */
export type TxRunner = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

/** `n` fresh ids of a kind; the counter node's write lock serialises concurrent writers. */
export const nextIds = async (tx: Tx, name: string, n: number): Promise<number[]> => {
  if (n === 0) return [];
  const r = await tx.one(`MERGE (c:Counter {name: $name}) ON CREATE SET c.value = 0
    SET c.value = c.value + $n RETURN c.value AS last`, { name, n: tx.int(n) });
  const last = Number(r!.last);
  return Array.from({ length: n }, (_, i) => last - n + 1 + i);
};
/** The people the given faces are assigned to now. */
export const peopleOfFaces = async (tx: Tx, faceIds: number[]) =>
  (await tx.rows('MATCH (f:Face)-[:OF]->(p:Person) WHERE f.id IN $faceIds RETURN DISTINCT p.id AS id', { faceIds })).map((r) => Number(r.id));

/** Thumbnails no face points at any more, among `keys`. */
export const orphaned = async (tx: Tx, keys: Array<string | null>) => {
  const unique = [...new Set(keys.filter((k): k is string => !!k))];
  if (unique.length === 0) return [];
  const used = new Set((await tx.rows('UNWIND $keys AS k MATCH (f:Face {thumbKey: k}) RETURN DISTINCT k', { keys: unique })).map((r) => r.k as string));
  return unique.filter((k) => !used.has(k));
};

/** A person as decision-rules.ts reads it (undefined: none). */
export const personFacts = async (tx: Tx, id: number): Promise<PersonFacts | undefined> => {
  const p = await tx.one('MATCH (p:Person {id: $id}) RETURN p.mergedInto AS mergedInto', { id });
  return p && { mergedInto: p.mergedInto === null || p.mergedInto === undefined ? null : Number(p.mergedInto) };
};

/** Faces and who they are on now, as decision-rules.ts reads them (absent faces are not in the map). */
export const faceFacts = async (tx: Tx, ids: number[]): Promise<Map<number, FaceFacts>> => {
  const rows = await tx.rows('MATCH (f:Face) WHERE f.id IN $ids OPTIONAL MATCH (f)-[:OF]->(p:Person) RETURN f.id AS id, p.id AS personId', { ids: ids.map((id) => tx.int(id)) });
  return new Map(rows.map((r) => [Number(r.id), { personId: r.personId === null ? null : Number(r.personId) }]));
};

/** For each face, the other faces of its photo (for cannot-link). */
export const photoMates = async (tx: Tx, faceIds: number[]): Promise<Map<number, PhotoMate[]>> => {
  const out = new Map<number, PhotoMate[]>(faceIds.map((id) => [id, []]));
  const rows = await tx.rows(`MATCH (a:Face)-[:IN]->(ph:Photo)<-[:IN]-(b:Face) WHERE a.id IN $ids AND b <> a OPTIONAL MATCH (b)-[:OF]->(p:Person)
    RETURN a.id AS face, b.id AS faceId, ph.id AS photoId, p.id AS personId ORDER BY face, faceId`, { ids: faceIds.map((id) => tx.int(id)) });
  for (const r of rows) {
    out.get(Number(r.face))?.push({ faceId: Number(r.faceId), photoId: Number(r.photoId), personId: r.personId === null ? null : Number(r.personId) });
  }
  return out;
};

/** Points faces at people (or at nobody when personId is null), replacing their assignment. */
export const setFaces = (tx: Tx, list: Array<{ faceId: number; personId: number | null; source: AssignSource | null; distance: number | null }>, at: string) =>
  tx.run(`UNWIND $list AS a MATCH (f:Face {id: a.faceId})
    CALL (f) { MATCH (f)-[o:OF]->() DELETE o }
    WITH f, a WHERE a.personId IS NOT NULL
    MATCH (p:Person {id: a.personId})
    CREATE (f)-[:OF {source: a.source, distance: a.distance, at: $at}]->(p)`, { list, at });
export const addRejections = (tx: Tx, list: Array<{ faceId: number; personId: number }>, at: string) =>
  tx.run(`UNWIND $list AS r MATCH (f:Face {id: r.faceId}), (p:Person {id: r.personId})
    MERGE (f)-[n:NOT_OF]->(p) ON CREATE SET n.at = $at`, { list, at });
export const dropRejections = (tx: Tx, list: Array<{ faceId: number; personId: number }>) =>
  tx.run('UNWIND $list AS r MATCH (:Face {id: r.faceId})-[n:NOT_OF]->(:Person {id: r.personId}) DELETE n', { list });

