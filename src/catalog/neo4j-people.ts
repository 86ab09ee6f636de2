import { personNotFound } from './catalog-errors.js';
import { checkLivePerson } from './decision-rules.js';
import { PERSON, now, toPerson } from './neo4j-rows.js';
import { nextIds, orphaned, personFacts, type Row, type TxRunner } from './neo4j-tx.js';
import { resolvePeopleQuery } from './page-queries.js';
import type { PeopleCatalog } from './people-catalog.js';

/** The Neo4j adapter's people: created (or restored from a dump), named, hidden, found, listed and deleted. */
export function neo4jPeople(read: TxRunner, write: TxRunner): PeopleCatalog {
  return {
    async createPerson(name = null, restore) {
      return write(async (tx) => {
        if (restore?.mergedInto != null) checkLivePerson(restore.mergedInto, await personFacts(tx, restore.mergedInto));
        const [id] = await nextIds(tx, 'Person', 1);
        await tx.run('CREATE (p:Person {id: $id, hidden: $hidden, createdAt: $createdAt}) SET p.name = $name, p.mergedInto = toInteger($mergedInto)', {
          id: tx.int(id!), name, hidden: restore?.hidden ?? false, createdAt: restore?.createdAt ?? now(), mergedInto: restore?.mergedInto ?? null,
        });
        return id!;
      });
    },
    async getPerson(id) {
      const r = await read((tx) => tx.one(`MATCH (p:Person {id: $id}) RETURN ${PERSON} AS r`, { id }));
      return r ? toPerson(r.r as Row) : null;
    },
    async findPersonByName(name) {
      const r = await read((tx) => tx.one(`MATCH (p:Person {name: $name}) WHERE p.mergedInto IS NULL
        WITH p ORDER BY p.id LIMIT 1 RETURN ${PERSON} AS r`, { name }));
      return r ? toPerson(r.r as Row) : null;
    },
    async listPeople(options = {}) {
      const where = [options.includeMerged ? 'true' : 'p.mergedInto IS NULL', options.includeHidden ? 'true' : 'NOT p.hidden'];
      const r = await read((tx) => tx.rows(`MATCH (p:Person) WHERE ${where.join(' AND ')}
        WITH ${PERSON} AS r RETURN r ORDER BY r.faceCount DESC, r.id`));
      return r.map((x) => toPerson(x.r as Row));
    },
    async queryPeople(asked) {
      const query = resolvePeopleQuery(asked);
      const where = ['p.mergedInto IS NULL'];
      const params: Row = {};
      if (query.hidden === 'exclude') where.push('NOT p.hidden');
      if (query.hidden === 'only') where.push('p.hidden');
      if (query.search !== null) {
        where.push('(toLower(p.name) CONTAINS toLower($search) OR p.id = $searchId)');
        params.search = query.search;
        params.searchId = query.searchId ?? -1;
      }
      const { sort } = query;
      const order = [
        ...(query.unnamedFirst ? ['s.name IS NOT NULL'] : []),
        ...({ faces: ['s.faceCount DESC'], name: ['s.name IS NULL', 'toLower(s.name)'], newest: ['s.createdAt DESC', 's.id DESC'] }[sort]),
        's.id',
      ].join(', ');
      const filter = `MATCH (p:Person) WHERE ${where.join(' AND ')}`;
      // Sorted by face count, every matching person is counted; otherwise only the page's people are.
      const projection = sort === 'faces' ? 'p { .id, .name, .createdAt, faceCount: COUNT { (:Face)-[:OF]->(p) } }' : 'p { .id, .name, .createdAt }';
      return read(async (tx) => {
        const total = Number((await tx.one(`${filter} RETURN count(p) AS n`, params))!.n);
        const page = await tx.rows(`${filter} WITH p, ${projection} AS s ORDER BY ${order} SKIP $skip LIMIT $limit
          RETURN ${PERSON} AS r`, { ...params, skip: tx.int(query.offset), limit: tx.int(query.limit) });
        return { total, items: page.map((x) => toPerson(x.r as Row)) };
      });
    },
    async updatePerson(id, patch) {
      await write(async (tx) => {
        const r = await tx.one(`MATCH (p:Person {id: $id}) SET p.name = coalesce($name, p.name), p.hidden = coalesce($hidden, p.hidden) RETURN p.id AS id`, {
          id, name: patch.name ?? null, hidden: patch.hidden ?? null,
        });
        if (!r) throw personNotFound(id);
      });
    },
    async deletePerson(id) {
      return write(async (tx) => {
        if (!(await tx.one('MATCH (p:Person {id: $id}) RETURN p.id AS id', { id }))) throw personNotFound(id);
        const faces = await tx.rows('MATCH (f:Face)-[:OF]->(:Person {id: $id}) RETURN f.id AS id, f.thumbKey AS k ORDER BY f.id', { id });
        await tx.run('MATCH (f:Face)-[:OF]->(:Person {id: $id}) DETACH DELETE f', { id });
        await tx.run('MATCH (p:Person) WHERE p.id = $id OR p.mergedInto = $id DETACH DELETE p', { id });
        return { removedThumbKeys: await orphaned(tx, faces.map((f) => f.k as string | null)), faceIds: faces.map((f) => Number(f.id)) };
      });
    },
  };
}
