import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load-config.js';
import { authFile, blobsDir, catalogFile, logsDir, modelsDir, restoredConfigDir, sqliteFiles, uploadsDir, writerLockFile } from './data-folder.js';
import { acquireWriterLock } from './ingest/writer-lock.js';

const configIn = (env: Record<string, string> = {}) => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-data-folder-'));
  return { root, config: loadConfig({ cwd: root, env: { FACETAG_DATA_DIR: 'data', ...env } }) };
};

describe('the data folder layout', () => {
  it('puts every file and folder under the (resolved) data folder, under the names a user and a backup see', () => {
    const { root, config } = configIn();
    const data = join(root, 'data');
    expect(catalogFile(config)).toBe(join(data, 'catalog.sqlite'));
    expect(authFile(config)).toBe(join(data, 'auth.sqlite'));
    expect(blobsDir(config)).toBe(join(data, 'blobs'));
    expect(uploadsDir(config)).toBe(join(data, 'uploads'));
    expect(logsDir(config)).toBe(join(data, 'logs'));
    expect(modelsDir(config)).toBe(join(data, 'models'));
    expect(writerLockFile(config)).toBe(join(data, 'writer.lock'));
    expect(restoredConfigDir(config)).toBe(join(data, 'restored-config'));
    expect(sqliteFiles(catalogFile(config))).toEqual(['', '-wal', '-shm'].map((s) => join(data, `catalog.sqlite${s}`)));
  });

  it('takes the logs and models folders from the config when it names them', () => {
    const { root, config } = configIn({ FACETAG_LOG_DIR: '/var/log/facetag', FACETAG_VISION_MODELS_DIR: 'models-elsewhere' });
    expect(logsDir(config)).toBe('/var/log/facetag');
    expect(modelsDir(config)).toBe(join(root, 'models-elsewhere'));
  });

  it('holds the writer lock where the layout says, one writer at a time', () => {
    const { config } = configIn();
    const lock = acquireWriterLock(config);
    expect(readFileSync(writerLockFile(config), 'utf8')).toBe(String(process.pid));
    expect(() => acquireWriterLock(config)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    lock.release();
    expect(existsSync(writerLockFile(config))).toBe(false);
  });
});
