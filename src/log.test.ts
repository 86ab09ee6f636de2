import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load-config.js';
import { createLogger, levelFor } from './log.js';

const DAY = 86_400_000;
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const logFiles = (dir: string, component: string) => readdirSync(dir).filter((f) => f.startsWith(`${component}.`) && f.endsWith('.log')).sort();

describe('log files', () => {
  it('rotate by size: every file stays under the limit, only maxFiles rotated files are kept, the newest lines survive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-log-'));
    const log = createLogger({ dir, level: 'info', component: 'index', maxSizeMb: 0.01, maxFiles: 3, maxAgeDays: 14 });
    const padding = 'x'.repeat(60);
    for (let seq = 0; seq < 2000; seq++) log.info({ seq, padding }, 'photo indexed');
    const files = logFiles(dir, 'index');
    expect(files).toHaveLength(4); // index.log and three rotated
    expect(files).toContain('index.log');
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(0.01 * 1024 * 1024);
    // Rotated files sort by their time stamp; together with the active file they hold the
    // most recent lines, in order, with no gap.
    const ordered = [...files.filter((f) => f !== 'index.log'), 'index.log'];
    const seqs = ordered.flatMap((f) => lines(join(dir, f)).map((l) => l.seq as number));
    expect(seqs.at(-1)).toBe(1999);
    expect(seqs.length).toBeGreaterThan(3 * 50); // each file holds ~60 lines of ~170 bytes
    expect(seqs.length).toBeLessThan(2000);
    seqs.forEach((s, i) => expect(s).toBe(seqs[0]! + i));
  });

  it('rotate by age, and delete rotated files older than maxAgeDays', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-log-'));
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const now = () => clock;
    const options = { dir, level: 'info', component: 'server', maxSizeMb: 10, maxFiles: 10, maxAgeDays: 2, now };
    const log = createLogger(options);
    log.info({ day: 0 }, 'started');
    clock += DAY;
    log.info({ day: 1 }, 'still the same file');
    expect(logFiles(dir, 'server')).toEqual(['server.log']);
    clock += DAY + 1;
    log.info({ day: 2 }, 'a new file');
    const rotated = logFiles(dir, 'server').filter((f) => f !== 'server.log');
    expect(rotated).toHaveLength(1);
    expect(lines(join(dir, rotated[0]!)).map((l) => l.day)).toEqual([0, 1]);
    expect(lines(join(dir, 'server.log')).map((l) => l.day)).toEqual([2]);

    // A later process (a new logger) finds the rotated file three days old and deletes it.
    utimesSync(join(dir, rotated[0]!), new Date(clock - 3 * DAY), new Date(clock - 3 * DAY));
    const later = createLogger(options);
    later.info({ day: 2 }, 'second process');
    expect(logFiles(dir, 'server')).toEqual(['server.log']);
    // The second process carried on in the same active file.
    expect(lines(join(dir, 'server.log')).map((l) => l.pid)).toEqual([process.pid, process.pid]);
  });

  it('two writers on one file (two processes of a component) lose no line across rotations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-log-'));
    const a = createLogger({ dir, level: 'info', component: 'cli', maxSizeMb: 0.005, maxFiles: 1000 });
    const b = createLogger({ dir, level: 'info', component: 'cli', maxSizeMb: 0.005, maxFiles: 1000 });
    for (let i = 0; i < 500; i++) {
      a.info({ writer: 'a', i }, 'line');
      b.info({ writer: 'b', i }, 'line');
    }
    const files = logFiles(dir, 'cli');
    expect(files.length).toBeGreaterThan(10);
    const all = files.flatMap((f) => lines(join(dir, f)));
    expect(all.filter((l) => l.writer === 'a')).toHaveLength(500);
    expect(all.filter((l) => l.writer === 'b')).toHaveLength(500);
    // A writer can append a line to a file the other just rotated away, so a file may end up
    // one line over the limit, never more.
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThan(5 * 1024 + 200);
  });

  it('never carries names, paths, file names, embeddings or credentials, wherever a caller puts them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-log-'));
    const log = createLogger({ dir, level: 'debug', component: 'server' });
    log.info({ name: 'Anna Smith', path: '/photos/Anna Smith/portrait.jpg', file: 'portrait.jpg', embedding: [0.125, 0.5], password: 'hunter22' }, 'careless');
    log.info({ person: { name: 'Anna Smith' }, photo: { path: '/photos/x.jpg', key: 'faces/ab/cd.jpg' }, auth: { token: 'ftk_secret', secretAccessKey: 'minio-secret' } }, 'nested');
    const text = readFileSync(join(dir, 'server.log'), 'utf8');
    expect(text).toContain('"careless"');
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/Anna|Smith|portrait|\.jpg|0\.125|hunter22|ftk_secret|minio-secret/);
  });

  it('logs each component at its own level', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-log-'));
    const levels = 'server=debug, index=warn';
    const server = createLogger({ dir, level: 'info', levels, component: 'server' });
    const index = createLogger({ dir, level: 'info', levels, component: 'index' });
    const cli = createLogger({ dir, level: 'info', levels, component: 'cli' });
    for (const log of [server, index, cli]) {
      log.debug('detail');
      log.info('progress');
      log.warn('trouble');
    }
    const msgs = (c: string) => lines(join(dir, `${c}.log`)).map((l) => l.msg);
    expect(msgs('server')).toEqual(['detail', 'progress', 'trouble']);
    expect(msgs('index')).toEqual(['trouble']);
    expect(msgs('cli')).toEqual(['progress', 'trouble']);
    expect(levelFor('worker', 'error', levels)).toBe('error');
  });

  it('reads its settings from the log section and FACETAG_LOG_* variables, and rejects bad ones by name', () => {
    const config = loadConfig({ env: { FACETAG_LOG_MAX_SIZE_MB: '0.5', FACETAG_LOG_MAX_FILES: '2', FACETAG_LOG_MAX_AGE_DAYS: '7', FACETAG_LOG_LEVELS: 'server=debug,index=info' } });
    expect(config.log).toMatchObject({ maxSizeMb: 0.5, maxFiles: 2, maxAgeDays: 7, levels: 'server=debug,index=info', level: 'info' });
    expect(loadConfig({}).log).toMatchObject({ maxSizeMb: 10, maxFiles: 5, maxAgeDays: 14, levels: '' });
    expect(() => loadConfig({ env: { FACETAG_LOG_LEVELS: 'server=loud' } })).toThrow(/log\.levels = "server=loud" from environment variable FACETAG_LOG_LEVELS is invalid: must be component=level/);
    expect(() => loadConfig({ env: { FACETAG_LOG_MAX_SIZE_MB: '0' } })).toThrow(/log\.maxSizeMb/);
    const dir = mkdtempSync(join(tmpdir(), 'facetag-log-'));
    const file = join(dir, 'facetag.yaml');
    writeFileSync(file, 'log:\n  maxFiles: 9\n  levels: "worker=trace"\n');
    expect(loadConfig({ file }).log).toMatchObject({ maxFiles: 9, levels: 'worker=trace' });
  });
});
