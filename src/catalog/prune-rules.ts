/**
 * Which people are pruned, written once for both catalog adapters. A person is empty when it has
 * no name, is not hidden, was not merged away, no merged person points at it (a tombstone an undo
 * needs) and no face is on it or rejected from it. An empty person goes when the transaction
 * touched it (a face left it, or it was deleted around it) or, untouched, once it is older than
 * the grace: another writer may have just created it and not yet put its faces on it (createPerson
 * then assign: two calls on a shared catalog), and a crashed writer's leftovers go after a while.
 *
 * The adapters read the facts below for the candidates only (the people a change touched, plus
 * those `staleBefore` pre-selects) and delete the ids `peopleToPrune` returns.
 */

/** How long a new empty person is safe from another writer's prune. */
export const PRUNE_GRACE_MS = 10 * 60_000;

/** What the pruning rule reads of one candidate person. */
export interface PruneFacts {
  id: number;
  name: string | null;
  hidden: boolean;
  mergedInto: number | null;
  /** A merged-away person (tombstone) points at this one. */
  hasMergedIn: boolean;
  /** A face is on this person. */
  hasFaces: boolean;
  /** A face was rejected from this person ("not this person" is remembered). */
  hasRejections: boolean;
  /** ISO 8601, as the catalog stores it. */
  createdAt: string;
  /** The transaction that prunes touched this person (a face left it). */
  touched: boolean;
}

/** Nothing keeps this person: no name, not hidden, not merged away or into, no face, no rejection. */
const isEmpty = (p: PruneFacts) =>
  p.name === null && !p.hidden && p.mergedInto === null && !p.hasMergedIn && !p.hasFaces && !p.hasRejections;

/**
 * The untouched people created before this instant (ISO 8601) are past the grace. Storage may
 * pre-select the stale candidates with it, cheaply, as people with no face, not merged away,
 * created before it (a tombstone is faceless for good: one a merge): every untouched person that
 * goes is among them. The rule itself is `peopleToPrune`.
 */
export const staleBefore = (nowMs: number) => new Date(nowMs - PRUNE_GRACE_MS).toISOString();

/** The ids (ascending) of the candidates that go, at `nowMs`. */
export function peopleToPrune(candidates: readonly PruneFacts[], nowMs: number): number[] {
  const before = nowMs - PRUNE_GRACE_MS;
  const ids = candidates.filter((p) => isEmpty(p) && (p.touched || Date.parse(p.createdAt) < before)).map((p) => p.id);
  return [...new Set(ids)].sort((a, b) => a - b);
}
