import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { dirname } from 'node:path';
import { configureConnection, writeTransaction } from '../catalog/sqlite-write.js';
import { AppError } from '../errors.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';

/**
 * The dashboard's credentials, in their own SQLite file in the data folder (`auth.sqlite`,
 * mode 0600): the admin password's scrypt hash, sessions and API tokens. Session ids and
 * tokens are stored as SHA-256 hashes, so a copy of the file logs nobody in.
 */
export interface AuthStore {
  /**
   * Makes sure there is an admin password: the configured one (stored when it changed), or
   * the stored one, or a new one. Returns the new one when it was generated, to print once.
   */
  ensureAdminPassword(configured: string | undefined): Promise<{ generated: string | null }>;
  /** Replaces the password with a generated one (every session ends); returns it, to print once. */
  resetAdminPassword(): Promise<string>;
  checkPassword(password: string): Promise<boolean>;
  /** Changes the password and ends every session. */
  setPassword(password: string): Promise<void>;
  createSession(ttlMs: number): { id: string; csrf: string; expiresAt: string };
  /** The live session with this id (its expiry slides forward), or null. */
  findSession(id: string, ttlMs: number): { csrf: string; expiresAt: string } | null;
  deleteSession(id: string): void;
  /** A new API token; `scope` limits what it may call (see `TokenScope`). @default scope 'full' */
  createToken(name: string, scope?: TokenScope): { id: number; name: string; scope: TokenScope; token: string; createdAt: string };
  listTokens(): Array<{ id: number; name: string; scope: TokenScope; createdAt: string; lastUsedAt: string | null }>;
  deleteToken(id: number): boolean;
  /** The token's id and scope, or null when it is not a live token. */
  findToken(token: string): { id: number; scope: TokenScope } | null;
  close(): void;
}

/**
 * What an API token may do. `full`: every route a script may call (not tokens or the password).
 * `recognition`: only recognising, verifying and adding examples (`POST /api/recognize`, the
 * CompreFace-compatible API under /api/v1): it cannot read the library, rename or delete people.
 */
export type TokenScope = 'full' | 'recognition';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const now = () => new Date().toISOString();
const TOKEN_PREFIX = 'ftk_';

export function openAuthStore(file: string): AuthStore {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    chmodSync(file, 0o600);
  } catch {
    // a file system without modes (some mounts): the data folder's own permissions apply
  }
  configureConnection(db);
  db.exec(`
    CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, csrf TEXT NOT NULL, created_at TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, last_used_at TEXT);
  `);
  // Tokens created before scopes existed keep full access.
  if (!(db.prepare('SELECT name FROM pragma_table_info(\'tokens\')').pluck().all() as string[]).includes('scope')) {
    db.exec("ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full'");
  }
  const getSetting = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const putSetting = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const store = async (password: string) => {
    const hash = await hashPassword(password);
    writeTransaction(db, () => {
      putSetting.run('admin_password', hash);
      db.prepare('DELETE FROM sessions').run();
    })();
  };

  return {
    async ensureAdminPassword(configured) {
      const stored = getSetting.get('admin_password') as string | undefined;
      if (configured !== undefined) {
        if (!stored || !(await verifyPassword(configured, stored))) await store(configured);
        return { generated: null };
      }
      if (stored) return { generated: null };
      const generated = generatePassword();
      await store(generated);
      return { generated };
    },
    async resetAdminPassword() {
      const generated = generatePassword();
      await store(generated);
      return generated;
    },
    async checkPassword(password) {
      const stored = getSetting.get('admin_password') as string | undefined;
      return stored ? verifyPassword(password, stored) : false;
    },
    async setPassword(password) {
      if (password.length < 8) throw new AppError('INVALID_INPUT', 'the new password is shorter than 8 characters; choose a longer one');
      await store(password);
    },
    createSession(ttlMs) {
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      const expires = Date.now() + ttlMs;
      db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(Date.now());
      db.prepare('INSERT INTO sessions (id_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)').run(sha(id), csrf, now(), expires);
      return { id, csrf, expiresAt: new Date(expires).toISOString() };
    },
    findSession(id, ttlMs) {
      const row = db.prepare('SELECT csrf, expires_at FROM sessions WHERE id_hash = ?').get(sha(id)) as { csrf: string; expires_at: number } | undefined;
      if (!row) return null;
      if (row.expires_at < Date.now()) {
        db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(sha(id));
        return null;
      }
      const expires = Date.now() + ttlMs;
      // Slide the expiry at most once a minute: reads stay reads.
      if (expires - row.expires_at > 60_000) db.prepare('UPDATE sessions SET expires_at = ? WHERE id_hash = ?').run(expires, sha(id));
      return { csrf: row.csrf, expiresAt: new Date(Math.max(expires, row.expires_at)).toISOString() };
    },
    deleteSession(id) {
      db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(sha(id));
    },
    createToken(name, scope = 'full') {
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const createdAt = now();
      const { id } = db.prepare('INSERT INTO tokens (name, token_hash, created_at, scope) VALUES (?, ?, ?, ?) RETURNING id').get(name, sha(token), createdAt, scope) as { id: number };
      return { id, name, scope, token, createdAt };
    },
    listTokens() {
      return (db.prepare('SELECT id, name, scope, created_at, last_used_at FROM tokens ORDER BY id').all() as Array<{ id: number; name: string; scope: TokenScope; created_at: string; last_used_at: string | null }>)
        .map((t) => ({ id: t.id, name: t.name, scope: t.scope, createdAt: t.created_at, lastUsedAt: t.last_used_at }));
    },
    deleteToken(id) {
      return db.prepare('DELETE FROM tokens WHERE id = ?').run(id).changes > 0;
    },
    findToken(token) {
      if (!token.startsWith(TOKEN_PREFIX)) return null;
      const hash = sha(token);
      const row = db.prepare('SELECT id, scope, token_hash, last_used_at FROM tokens WHERE token_hash = ?').get(hash) as { id: number; scope: TokenScope; token_hash: string; last_used_at: string | null } | undefined;
      if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) return null;
      const at = now();
      if (!row.last_used_at || at.slice(0, 16) !== row.last_used_at.slice(0, 16)) db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(at, row.id);
      return { id: row.id, scope: row.scope };
    },
    close() {
      if (db.open) db.close();
    },
  };
}
