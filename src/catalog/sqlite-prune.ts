import type Database from 'better-sqlite3';
import { peopleToPrune, staleBefore, type PruneFacts } from './prune-rules.js';

/** The facts prune-rules.ts reads, of the people whose ids the statement selects (`@touched`: a JSON list). */
const FACTS = `SELECT p.id, p.name, p.hidden, p.merged_into, p.created_at,
    EXISTS (SELECT 1 FROM people m WHERE m.merged_into = p.id) AS has_merged_in,
    EXISTS (SELECT 1 FROM faces f WHERE f.person_id = p.id) AS has_faces,
    EXISTS (SELECT 1 FROM rejections r WHERE r.person_id = p.id) AS has_rejections,
    p.id IN (SELECT value FROM json_each(@touched)) AS touched
  FROM people p WHERE p.id IN`;

type FactsRow = {
  id: number; name: string | null; hidden: number; merged_into: number | null; created_at: string;
  has_merged_in: number; has_faces: number; has_rejections: number; touched: number;
};
const toFacts = (r: FactsRow): PruneFacts => ({
  id: r.id, name: r.name, hidden: r.hidden === 1, mergedInto: r.merged_into, createdAt: r.created_at,
  hasMergedIn: r.has_merged_in === 1, hasFaces: r.has_faces === 1, hasRejections: r.has_rejections === 1, touched: r.touched === 1,
});

/**
 * The SQLite catalog's pruning of emptied people, inside the caller's write transaction: reads the
 * candidates' facts (the people `touched`, by id; with `stale`, also the pre-selection of
 * prune-rules.ts `staleBefore`) and deletes the ids prune-rules.ts returns. Never reads every person.
 */
export function sqlitePrune(db: Database.Database) {
  const touchedFacts = db.prepare(`${FACTS} (SELECT value FROM json_each(@touched))`);
  const allFacts = db.prepare(`${FACTS} (SELECT value FROM json_each(@touched) UNION
      SELECT s.id FROM people s WHERE s.created_at < @before AND s.merged_into IS NULL
        AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = s.id))`);
  const remove = db.prepare('DELETE FROM people WHERE id IN (SELECT value FROM json_each(?))');

  /** Prunes the emptied people among `touched` and, with `stale`, the empty ones past the grace. */
  return (touched: ReadonlyArray<number | null>, stale = true): void => {
    const ids = [...new Set(touched.filter((id): id is number => id !== null))];
    if (!stale && ids.length === 0) return;
    const nowMs = Date.now();
    const params = { touched: JSON.stringify(ids), before: staleBefore(nowMs) };
    const rows = (stale ? allFacts.all(params) : touchedFacts.all({ touched: params.touched })) as FactsRow[];
    const gone = peopleToPrune(rows.map(toFacts), nowMs);
    if (gone.length > 0) remove.run(JSON.stringify(gone));
  };
}
