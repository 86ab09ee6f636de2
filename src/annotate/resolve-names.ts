import type { PersonRecord } from '../catalog/catalog.js';
import type { PeopleCatalog } from '../catalog/people-catalog.js';

export interface PersonRef {
  id: number;
  name: string | null;
}

export type NameResolution =
  | { query: string; status: 'resolved'; person: PersonRef }
  | { query: string; status: 'ambiguous' | 'unknown'; candidates: PersonRef[] };

/** Lower case, no accents, single spaces: "Zoë  Smith" and "zoe smith" are one name. */
export const normaliseName = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();

/** Edits between two strings, a swap of neighbours counting as one ("Anan" is one from "Anna"). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

const ref = (p: PersonRecord): PersonRef => ({ id: p.id, name: p.name });

/**
 * Turns the names of a question into people: an exact name (case and accents aside), a
 * first name only one person has, or `#12`. Anything else is unknown or ambiguous, with
 * "did you mean" candidates (close spellings, people sharing the name); never a guess.
 */
export async function resolveNames({ catalog }: { catalog: Pick<PeopleCatalog, 'listPeople' | 'getPerson'> }, names: string[]): Promise<NameResolution[]> {
  const people = (await catalog.listPeople({ includeHidden: true })).filter((p) => p.name && p.mergedInto === null);
  const keyed = people.map((p) => ({ p, key: normaliseName(p.name!), first: normaliseName(p.name!).split(' ')[0]! }));
  const out: NameResolution[] = [];
  for (const query of names) {
    const byId = /^#(\d+)$/.exec(query.trim());
    if (byId) {
      const p = await catalog.getPerson(Number(byId[1]));
      out.push(p && p.mergedInto === null ? { query, status: 'resolved', person: ref(p) } : { query, status: 'unknown', candidates: [] });
      continue;
    }
    const q = normaliseName(query);
    const exact = keyed.filter((k) => k.key === q);
    const first = exact.length ? [] : keyed.filter((k) => k.first === q);
    const hits = exact.length ? exact : first;
    if (hits.length === 1) {
      out.push({ query, status: 'resolved', person: ref(hits[0]!.p) });
      continue;
    }
    if (hits.length > 1) {
      out.push({ query, status: 'ambiguous', candidates: hits.map((k) => ref(k.p)) });
      continue;
    }
    const limit = Math.max(1, Math.floor(q.length / 4));
    const near = keyed
      .map((k) => ({ k, d: Math.min(editDistance(q, k.key), editDistance(q, k.first)) }))
      .filter((x) => x.d <= limit || (q.length >= 3 && x.k.key.includes(q)))
      .sort((a, b) => a.d - b.d || a.k.p.id - b.k.p.id)
      .slice(0, 5);
    out.push({ query, status: 'unknown', candidates: near.map((x) => ref(x.k.p)) });
  }
  return out;
}
