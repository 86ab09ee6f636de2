/**
 * Versioned schema changes of the Neo4j catalog, applied in order at open. Each version is a
 * list of schema commands (Neo4j runs schema and data writes in separate transactions); every
 * command is idempotent (`IF NOT EXISTS`), so two processes opening one database at once, or a
 * run cut short between two commands, converge. A version is recorded as `(:SchemaVersion
 * {version, at})` once all its commands ran. Never edit a migration that has shipped: add the next.
 */
export const FACE_VECTOR_INDEX = 'face_embedding';

export const NEO4J_MIGRATIONS: ReadonlyArray<{ version: number; cypher: readonly string[] }> = [
  {
    version: 1,
    cypher: [
      'CREATE CONSTRAINT schema_version_unique IF NOT EXISTS FOR (v:SchemaVersion) REQUIRE v.version IS UNIQUE',
      'CREATE CONSTRAINT counter_name_unique IF NOT EXISTS FOR (c:Counter) REQUIRE c.name IS UNIQUE',
      'CREATE CONSTRAINT photo_id_unique IF NOT EXISTS FOR (p:Photo) REQUIRE p.id IS UNIQUE',
      'CREATE CONSTRAINT photo_path_unique IF NOT EXISTS FOR (p:Photo) REQUIRE p.path IS UNIQUE',
      'CREATE CONSTRAINT face_id_unique IF NOT EXISTS FOR (f:Face) REQUIRE f.id IS UNIQUE',
      'CREATE CONSTRAINT person_id_unique IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE',
      'CREATE CONSTRAINT merge_id_unique IF NOT EXISTS FOR (m:Merge) REQUIRE m.id IS UNIQUE',
      'CREATE CONSTRAINT dismissed_box_id_unique IF NOT EXISTS FOR (d:DismissedBox) REQUIRE d.id IS UNIQUE',
      'CREATE INDEX photo_sha256 IF NOT EXISTS FOR (p:Photo) ON (p.sha256)',
      'CREATE INDEX photo_status_taken IF NOT EXISTS FOR (p:Photo) ON (p.status, p.takenAt)',
      'CREATE INDEX face_thumb IF NOT EXISTS FOR (f:Face) ON (f.thumbKey)',
      'CREATE INDEX face_model IF NOT EXISTS FOR (f:Face) ON (f.model)',
      'CREATE INDEX person_name IF NOT EXISTS FOR (p:Person) ON (p.name)',
      'CREATE INDEX person_merged_into IF NOT EXISTS FOR (p:Person) ON (p.mergedInto)',
      // Neo4j 5.26's vector-2.0 provider makes `vector.dimensions` optional: one index then holds
      // embeddings of any length (8-d in tests, 512-d in production) and a query vector only ever
      // matches embeddings of its own length. Cosine, as the clusterer measures distance.
      `CREATE VECTOR INDEX ${FACE_VECTOR_INDEX} IF NOT EXISTS FOR (f:Face) ON (f.embedding)
        OPTIONS { indexConfig: { \`vector.similarity_function\`: 'cosine' } }`,
    ],
  },
  {
    // Events (PART_OF) and the LLM's suggestions, waiting for a person's decision.
    version: 2,
    cypher: [
      'CREATE CONSTRAINT event_id_unique IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE',
      'CREATE CONSTRAINT suggestion_id_unique IF NOT EXISTS FOR (s:Suggestion) REQUIRE s.id IS UNIQUE',
      'CREATE INDEX suggestion_status IF NOT EXISTS FOR (s:Suggestion) ON (s.status, s.kind)',
    ],
  },
];

export type CypherRunner = (cypher: string, params?: Record<string, unknown>) => Promise<Array<Record<string, unknown>>>;

/**
 * Brings the database to the latest version. `schema` runs one schema command in its own
 * transaction, `write` one data statement. Returns the version reached.
 */
export async function migrateNeo4j(schema: CypherRunner, write: CypherRunner): Promise<number> {
  const rows = await schema('MATCH (v:SchemaVersion) RETURN max(v.version) AS v');
  let current = (rows[0]?.v as number | null) ?? 0;
  for (const m of NEO4J_MIGRATIONS) {
    if (m.version <= current) continue;
    for (const statement of m.cypher) await schema(statement);
    await write('MERGE (v:SchemaVersion {version: toInteger($version)}) ON CREATE SET v.at = $at', { version: m.version, at: new Date().toISOString() });
    current = m.version;
  }
  // A new index is populated in the background; wait, so the first query sees it online.
  await schema('CALL db.awaitIndexes(300)');
  return current;
}
