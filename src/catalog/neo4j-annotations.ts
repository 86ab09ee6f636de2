import type { AnnotationCatalog } from './annotation-catalog.js';
import { checkEventPhotos, checkUndecided, eventTitle } from './annotation-rules.js';
import type { EventRecord, SuggestionFilter, SuggestionRecord } from './catalog-records.js';
import { eventNotFound } from './catalog-errors.js';
import { now } from './neo4j-rows.js';
import { nextIds, type Row, type Tx, type TxRunner } from './neo4j-tx.js';

/** An event with its member photos (PART_OF) and the span of their times. */
const EVENT = `{ id: e.id, title: e.title, type: e.type, placeName: e.placeName, createdAt: e.createdAt,
  photoIds: COLLECT { MATCH (ph:Photo)-[:PART_OF]->(e) RETURN ph.id ORDER BY ph.id },
  times: COLLECT { MATCH (ph:Photo)-[:PART_OF]->(e) WHERE ph.takenAt IS NOT NULL RETURN ph.takenAt ORDER BY ph.takenAt } }`;

const toEvent = (r: Row): EventRecord => {
  const times = r.times as string[];
  return {
    id: Number(r.id), title: r.title as string, type: (r.type as string | null) ?? null, placeName: (r.placeName as string | null) ?? null,
    photoIds: (r.photoIds as unknown[]).map(Number), startAt: times[0] ?? null, endAt: times.at(-1) ?? null, createdAt: r.createdAt as string,
  };
};

const toSuggestion = (r: Row): SuggestionRecord => ({
  id: Number(r.id), kind: r.kind as SuggestionRecord['kind'], subject: r.subject as string, payload: JSON.parse(r.payload as string),
  evidence: JSON.parse(r.evidence as string), model: (r.model as string | null) ?? null, status: r.status as SuggestionRecord['status'],
  resolution: r.resolution === null || r.resolution === undefined ? null : JSON.parse(r.resolution as string),
  createdAt: r.createdAt as string, resolvedAt: (r.resolvedAt as string | null) ?? null,
});

/** Replaces the event's member photos; every one must be an indexed photo. */
const setMembers = async (tx: Tx, eventId: number, photoIds: number[]) => {
  const ids = [...new Set(photoIds)];
  const found = new Set((await tx.rows("MATCH (ph:Photo) WHERE ph.id IN $ids AND ph.status = 'done' RETURN ph.id AS id", { ids })).map((r) => Number(r.id)));
  checkEventPhotos(ids, found);
  await tx.run('MATCH (:Photo)-[r:PART_OF]->(:Event {id: $eventId}) DELETE r', { eventId });
  await tx.run('MATCH (e:Event {id: $eventId}) MATCH (ph:Photo) WHERE ph.id IN $ids MERGE (ph)-[:PART_OF]->(e)', { eventId, ids });
};

/** The Neo4j adapter's events (`(:Photo)-[:PART_OF]->(:Event)`) and suggestions (migration 2). */
export function neo4jAnnotations(read: TxRunner, write: TxRunner): AnnotationCatalog {
  const getSuggestion = async (tx: Tx, id: number) => {
    const r = await tx.one('MATCH (s:Suggestion {id: $id}) RETURN properties(s) AS s', { id });
    return r ? toSuggestion(r.s as Row) : null;
  };
  return {
    async createEvent(e) {
      return write(async (tx) => {
        const [id] = await nextIds(tx, 'Event', 1);
        await tx.run('CREATE (e:Event {id: $id, title: $title, type: $type, placeName: $placeName, createdAt: $at})',
          { id: tx.int(id!), title: eventTitle(e.title), type: e.type ?? null, placeName: e.placeName ?? null, at: now() });
        await setMembers(tx, id!, e.photoIds);
        return id!;
      });
    },
    async getEvent(id) {
      const r = await read((tx) => tx.one(`MATCH (e:Event {id: $id}) RETURN ${EVENT} AS e`, { id }));
      return r ? toEvent(r.e as Row) : null;
    },
    async listEvents() {
      const rows = await read((tx) => tx.rows(`MATCH (e:Event) RETURN ${EVENT} AS e`));
      // Latest first by start, events without times last (as the SQLite adapter orders them).
      return rows.map((r) => toEvent(r.e as Row)).sort((a, b) => (a.startAt === null) !== (b.startAt === null)
        ? (a.startAt === null ? 1 : -1)
        : (b.startAt ?? '').localeCompare(a.startAt ?? '') || b.id - a.id);
    },
    async updateEvent(id, patch) {
      await write(async (tx) => {
        if (!(await tx.one('MATCH (e:Event {id: $id}) RETURN e.id AS id', { id }))) throw eventNotFound(id);
        const props: Row = {};
        if (patch.title !== undefined) props.title = eventTitle(patch.title);
        if (patch.type !== undefined) props.type = patch.type;
        if (patch.placeName !== undefined) props.placeName = patch.placeName;
        await tx.run('MATCH (e:Event {id: $id}) SET e += $props', { id, props });
        if (patch.photoIds !== undefined) await setMembers(tx, id, patch.photoIds);
      });
    },
    async deleteEvent(id) {
      const r = await write((tx) => tx.one('MATCH (e:Event {id: $id}) DETACH DELETE e RETURN count(*) AS n', { id }));
      if (!r || Number(r.n) === 0) throw eventNotFound(id);
    },

    async addSuggestion(s) {
      return write(async (tx) => {
        const [id] = await nextIds(tx, 'Suggestion', 1);
        await tx.run(`CREATE (:Suggestion {id: $id, kind: $kind, subject: $subject, payload: $payload, evidence: $evidence,
          model: $model, status: 'pending', resolution: null, createdAt: $at, resolvedAt: null})`, {
          id: tx.int(id!), kind: s.kind, subject: s.subject, payload: JSON.stringify(s.payload), evidence: JSON.stringify(s.evidence), model: s.model, at: now(),
        });
        return id!;
      });
    },
    async getSuggestion(id) {
      return read((tx) => getSuggestion(tx, id));
    },
    async listSuggestions(filter: SuggestionFilter = {}) {
      const rows = await read((tx) => tx.rows(`MATCH (s:Suggestion)
        WHERE ($kind IS NULL OR s.kind = $kind) AND ($status IS NULL OR s.status = $status) AND ($subject IS NULL OR s.subject = $subject)
        RETURN properties(s) AS s ORDER BY s.id DESC LIMIT $limit`, {
        kind: filter.kind ?? null, status: filter.status ?? null, subject: filter.subject ?? null, limit: tx.int(filter.limit ?? 100),
      }));
      return rows.map((r) => toSuggestion(r.s as Row));
    },
    async resolveSuggestion(id, status, resolution = null) {
      return write(async (tx) => {
        const s = await getSuggestion(tx, id);
        checkUndecided(id, s ?? undefined);
        await tx.run('MATCH (s:Suggestion {id: $id}) SET s.status = $status, s.resolution = $resolution, s.resolvedAt = $at',
          { id, status, resolution: resolution === null ? null : JSON.stringify(resolution), at: now() });
        return (await getSuggestion(tx, id))!;
      });
    },
  };
}
