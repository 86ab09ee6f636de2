import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestServer } from '../../src/server/test-library.js';
import { runFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';

describe('facetag backup and restore keep the photos stored from recognition requests', () => {
  it('backs up <data>/uploads and puts it back, so stored photos keep their previews', async () => {
    const t = await makeTestServer();
    const token = t.auth.createToken('door', 'recognition').token;
    const res = await t.app.request('/api/recognize?store=true', { method: 'POST', headers: { 'x-api-key': token, 'Content-Type': 'image/jpeg' }, body: readFileSync(fixture('astronaut.jpg')) });
    expect(res.status).toBe(200);
    const { stored } = (await res.json()) as { stored: { photoId: number } };
    const path = (await t.catalog.getPhoto(stored.photoId))!.path;
    const data = t.config.data.dir;
    await t.close();

    const dest = join(mkdtempSync(join(tmpdir(), 'facetag-backup-uploads-')), 'snapshot');
    const backup = await runFacetag(['backup', dest, '--data', data]);
    expect(backup.code, backup.stderr).toBe(0);
    expect((await runFacetag(['backup', 'verify', dest])).code).toBe(0);
    rmSync(join(data, 'uploads'), { recursive: true, force: true });
    const restore = await runFacetag(['restore', dest, '--data', data, '--force']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(readFileSync(path).equals(readFileSync(fixture('astronaut.jpg')))).toBe(true);
  });
});
