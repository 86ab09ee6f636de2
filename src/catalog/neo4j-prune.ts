import type { Tx } from './neo4j-tx.js';
import { peopleToPrune, staleBefore, type PruneFacts } from './prune-rules.js';

/** The facts prune-rules.ts reads, of person `p` (`$touched`: the ids the transaction touched). */
const FACTS = `RETURN p.id AS id, p.name AS name, p.hidden AS hidden, p.mergedInto AS mergedInto, p.createdAt AS createdAt,
  EXISTS { MATCH (t:Person) WHERE t.mergedInto = p.id } AS hasMergedIn,
  EXISTS { (:Face)-[:OF]->(p) } AS hasFaces,
  EXISTS { (:Face)-[:NOT_OF]->(p) } AS hasRejections,
  p.id IN $touched AS touched`;

/** The touched people, by id: index seeks, whatever the number of people (the single writer's batches). */
const TOUCHED = `UNWIND $touched AS id MATCH (p:Person {id: id}) ${FACTS}`;

/** The touched people and the stale pre-selection of prune-rules.ts (`staleBefore`). */
const TOUCHED_AND_STALE = `CALL () {
    UNWIND $touched AS id MATCH (p:Person {id: id}) RETURN p
    UNION
    MATCH (p:Person) WHERE p.createdAt < $before AND p.mergedInto IS NULL AND NOT EXISTS { (:Face)-[:OF]->(p) } RETURN p
  }
  ${FACTS}`;

/**
 * Deletes the people prune-rules.ts chose. An empty person has no relationship at all (no face is
 * on it or rejected from it); a face another writer put on it since its facts were read keeps it.
 */
const DELETE = 'UNWIND $ids AS id MATCH (p:Person {id: id}) WHERE NOT EXISTS { (p)--() } DELETE p';

type Row = Record<string, unknown>;
const toFacts = (r: Row): PruneFacts => ({
  id: Number(r.id), name: (r.name as string | null) ?? null, hidden: r.hidden === true,
  mergedInto: r.mergedInto === null || r.mergedInto === undefined ? null : Number(r.mergedInto), createdAt: r.createdAt as string,
  hasMergedIn: r.hasMergedIn === true, hasFaces: r.hasFaces === true, hasRejections: r.hasRejections === true, touched: r.touched === true,
});

/**
 * The Neo4j catalog's pruning of emptied people, in transaction `tx`: reads the candidates' facts
 * (the people `touched` and, with `stale`, the pre-selection of stale ones) in one statement and
 * deletes the ids prune-rules.ts returns. Never reads every person.
 */
export async function prune(tx: Tx, touched: ReadonlyArray<number | null>, stale = true): Promise<void> {
  const ids = [...new Set(touched.filter((id): id is number => id !== null))];
  if (!stale && ids.length === 0) return;
  const nowMs = Date.now();
  const params = { touched: ids.map((id) => tx.int(id)) };
  const rows = stale ? await tx.rows(TOUCHED_AND_STALE, { ...params, before: staleBefore(nowMs) }) : await tx.rows(TOUCHED, params);
  const gone = peopleToPrune(rows.map(toFacts), nowMs);
  if (gone.length > 0) await tx.run(DELETE, { ids: gone.map((id) => tx.int(id)) });
}
