import type Database from 'better-sqlite3';
import { writeTransaction } from './sqlite-write.js';

/**
 * Versioned schema changes, applied in order inside a transaction at open. Never edit a
 * migration that has shipped: add the next one.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        sha256 TEXT,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        width INTEGER,
        height INTEGER,
        taken_at TEXT,
        gps_lat REAL, gps_lon REAL, gps_alt REAL,
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        error_code TEXT,
        error_message TEXT,
        model TEXT,
        indexed_at TEXT NOT NULL
      );
      CREATE INDEX photos_sha256 ON photos (sha256);
      CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      CREATE TABLE faces (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
        landmarks TEXT NOT NULL,
        det_score REAL NOT NULL,
        quality REAL NOT NULL,
        embedding BLOB NOT NULL,
        model TEXT NOT NULL,
        person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
        source TEXT CHECK (source IN ('auto', 'confirmed', 'manual', 'xmp')),
        distance REAL,
        assigned_at TEXT,
        thumb_key TEXT,
        manual INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX faces_photo ON faces (photo_id);
      CREATE INDEX faces_person ON faces (person_id);
      CREATE INDEX faces_thumb ON faces (thumb_key);
      CREATE TABLE rejections (
        face_id INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        PRIMARY KEY (face_id, person_id)
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- A merged person stays as a tombstone so that the merge can be undone.
      ALTER TABLE people ADD COLUMN merged_into INTEGER REFERENCES people (id) ON DELETE SET NULL;
      CREATE TABLE merges (
        id INTEGER PRIMARY KEY,
        into_id INTEGER NOT NULL,
        from_id INTEGER NOT NULL,
        faces TEXT NOT NULL,
        rejections TEXT NOT NULL,
        at TEXT NOT NULL,
        undone_at TEXT
      );
    `,
  },
  {
    version: 3,
    sql: `
      -- A person's best face (the cover of the People grid) in one index seek, whatever their
      -- face count; a person's photos and co-occurrences from the index alone.
      CREATE INDEX faces_person_cover ON faces (person_id, (source IN ('confirmed', 'manual', 'xmp')) DESC, quality DESC, id);
      CREATE INDEX faces_person_photo ON faces (person_id, photo_id);
    `,
  },
  {
    version: 4,
    sql: `
      -- Boxes a person said are not faces: a re-analysis of the photo never brings them back.
      CREATE TABLE dismissals (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX dismissals_photo ON dismissals (photo_id);
    `,
  },
  {
    version: 5,
    sql: `
      -- Events (photos PART_OF an event) and suggestions waiting for a person (annotate/).
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        type TEXT,
        place_name TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE event_photos (
        event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        PRIMARY KEY (event_id, photo_id)
      );
      CREATE INDEX event_photos_photo ON event_photos (photo_id);
      CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('event', 'name', 'caption')),
        subject TEXT NOT NULL,
        payload TEXT NOT NULL,
        evidence TEXT NOT NULL,
        model TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'edited')),
        resolution TEXT,
        created_at TEXT NOT NULL,
        resolved_at TEXT
      );
      CREATE INDEX suggestions_status ON suggestions (status, kind);
      CREATE INDEX suggestions_subject ON suggestions (kind, subject);
    `,
  },
  {
    version: 6,
    sql: `
      -- A face drawn by hand where the face check saw none: out of clustering until a person decides.
      ALTER TABLE faces ADD COLUMN doubtful INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 7,
    sql: `
      -- The rejections from the survivor that a merge cleared (faces split off it, merged back),
      -- restored by an undo; a merge recorded before cleared none.
      ALTER TABLE merges ADD COLUMN cleared TEXT NOT NULL DEFAULT '[]';
      -- What the pruning of emptied people reads of a candidate (prune-rules.ts), in index seeks.
      CREATE INDEX people_merged_into ON people (merged_into);
      CREATE INDEX rejections_person ON rejections (person_id);
    `,
  },
];

/**
 * Brings the schema up to date. Each step reads the version inside its own write transaction,
 * so two processes opening a new catalog at once apply every migration exactly once.
 */
export function migrate(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const version = () => (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  for (const m of MIGRATIONS) {
    if (m.version <= version()) continue;
    writeTransaction(db, () => {
      if (m.version <= version()) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
    })();
  }
  return version();
}
