import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, json, runFacetag, startFacetag } from '../helpers/cli.js';
import { until } from '../helpers/cluster.js';
import { login, startServe, type ApiSession, type RunningServe } from '../helpers/serve.js';
import { requireShared, SHARED_FACES } from '../helpers/shared.js';

const SUITE = 'one data folder used at once by facetag index, facetag serve and CLI edits';
const PASSWORD = 'concurrent-use-test-password';
const MIN_EDITS = 1000;

interface Person { id: number; name: string | null; faceCount: number }

/**
 * The dashboard user: renames and hides people, merges two and undoes it, as fast as the API
 * answers. Every answer but a refusal the person could see coming (a merge of two people of one
 * photo, 409) counts as a failed edit; the last name given to each person is remembered.
 */
function apiEditor(api: ApiSession, people: () => Person[], names: Map<number, string>, tag: string, merges: boolean) {
  const failed: string[] = [];
  let edits = 0;
  let refused = 0;
  let n = 0;
  const pick = () => {
    const list = people();
    return list[Math.floor(Math.random() * list.length)]!;
  };
  const expectStatus = (what: string, r: { status: number; body: unknown }, ok: number[]) => {
    edits++;
    if (!ok.includes(r.status)) failed.push(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return ok.includes(r.status) && r.status < 300;
  };
  return {
    failed, get edits() { return edits; }, get refused() { return refused; },
    async step() {
      const kind = n++ % 4;
      const p = pick();
      if (kind === 3) {
        // This editor merges people of odd ids, the CLI those of even ids: two users never undo each other's merges.
        const other = pick();
        if (!merges || other.id === p.id || p.id % 2 === 0 || other.id % 2 === 0) return;
        const merged = await api.call<{ id: number; error?: { message: string } }>('POST', '/api/merges', { intoId: p.id, fromId: other.id });
        if (merged.status === 409 && /both appear in photo/.test(merged.body.error?.message ?? '')) {
          refused++;
          return;
        }
        if (expectStatus('merge', merged, [201])) expectStatus('undo merge', await api.call('POST', `/api/merges/${merged.body.id}/undo`), [200]);
        return;
      }
      if (kind === 2) {
        expectStatus('hide', await api.call('PATCH', `/api/people/${p.id}`, { hidden: n % 8 === 2 }), [200]);
        return;
      }
      const name = `${tag} ${p.id} #${n}`;
      if (expectStatus('rename', await api.call('PATCH', `/api/people/${p.id}`, { name }), [200])) names.set(p.id, name);
    },
  };
}

describe.skipIf(!requireShared(SHARED_FACES, SUITE))(SUITE, () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-concurrent-'));
  const data = join(root, 'data');
  let server: RunningServe | null = null;
  afterAll(async () => {
    await server?.stop();
  });

  it(`loses nothing: 0 failed photos, 0 failed edits, every rename kept, over ${MIN_EDITS}+ edits`, async () => {
    const env = { FACETAG_SERVER_ADMIN_PASSWORD: PASSWORD };
    const index = startFacetag(['index', SHARED_FACES, '--data', data, '--json'], { env });
    const indexed = collect(index);
    let indexing = true;
    void indexed.then(() => (indexing = false));

    // The catalog appears with the run's first people: then the dashboard starts on it.
    await until('the first people', () => existsSync(join(data, 'catalog.sqlite')), (ok) => ok, 120_000);
    server = await startServe(data, env);
    const api = await login(server.url, PASSWORD);
    let people: Person[] = [];
    const refresh = async () => {
      const r = await api.call<{ items: Person[] }>('GET', '/api/people?limit=200&hidden=include');
      if (r.status === 200 && r.body.items.length > 0) people = r.body.items;
    };
    await until('people to edit', async () => (await refresh(), people.length), (n) => n >= 4, 120_000);

    // A second index run on the same data folder is refused while the first writes.
    const second = await runFacetag(['index', SHARED_FACES, '--data', data], { env });
    expect(second.code).toBe(65);
    expect(second.stderr).toMatch(/another facetag process \(pid \d+\) is indexing into this data folder/);

    const names = new Map<number, string>();
    const editors = [1, 2, 3].map((k) => apiEditor(api, () => people, names, `api${k}`, k === 1));
    let editsDuringIndex = 0;
    const cli = { edits: 0, failed: [] as string[] };
    const cliEdits = (async () => {
      for (let k = 0; indexing || k < 4; k++) {
        const list = people.filter((p) => p.id % 2 === 0);
        if (list.length < 2) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        const a = list[k % list.length]!;
        const b = list[(k + 1) % list.length]!;
        const name = `cli ${a.id} #${k}`;
        const named = await runFacetag(['people', 'name', String(a.id), name, '--data', data]);
        cli.edits++;
        if (named.code === 0) names.set(a.id, name);
        else cli.failed.push(`people name: ${named.code} ${named.stderr}`);
        if (a.id === b.id) continue;
        const merged = await runFacetag(['people', 'merge', String(a.id), String(b.id), '--json', '--data', data]);
        cli.edits++;
        if (merged.code === 65 && /both appear in photo/.test(merged.stderr)) continue;
        if (merged.code !== 0) {
          cli.failed.push(`people merge: ${merged.code} ${merged.stderr}`);
          continue;
        }
        const undone = await runFacetag(['people', 'unmerge', '--merge', String(json<{ id: number }>(merged).id), '--data', data]);
        cli.edits++;
        if (undone.code !== 0) cli.failed.push(`people unmerge: ${undone.code} ${undone.stderr}`);
      }
    })();
    const total = () => editors.reduce((s, e) => s + e.edits, 0) + cli.edits;
    await Promise.all(editors.map(async (e, k) => {
      while (indexing || total() < MIN_EDITS) {
        const before = e.edits;
        await e.step();
        // Paced a little: a user's edits beside a run that still has the machine's cores to work with.
        await new Promise((r) => setTimeout(r, 10));
        if (indexing) editsDuringIndex += e.edits - before;
        if (k === 0 && e.edits % 25 === 0) await refresh();
      }
    }));
    await cliEdits;

    const result = await indexed;
    expect(result.code, result.stderr).toBe(0);
    const summary = json<{ photos: { seen: number; processed: number; failed: number }; failures: unknown[] }>(result);
    expect(summary.failures).toEqual([]);
    expect(summary.photos).toMatchObject({ failed: 0, processed: summary.photos.seen });
    expect(editors.flatMap((e) => e.failed)).toEqual([]);
    expect(cli.failed).toEqual([]);
    expect(total()).toBeGreaterThanOrEqual(MIN_EDITS);
    console.log(`concurrent use: ${summary.photos.processed} photos indexed, ${total()} edits (${editsDuringIndex} API edits during the run, ${cli.edits} by the CLI), ${editors.reduce((s, e) => s + e.refused, 0)} merges refused as two people of one photo`);

    // Every rename is there, through the API and the CLI.
    const listed = json<Person[]>(await runFacetag(['people', 'list', '--all', '--json', '--data', data]));
    const byId = new Map(listed.map((p) => [p.id, p]));
    for (const [id, name] of names) {
      expect((await api.call<Person>('GET', `/api/people/${id}`)).body.name, `person ${id}`).toBe(name);
      expect(byId.get(id)?.name, `person ${id} in people list`).toBe(name);
    }
    const failedPhotos = json<unknown[]>(await runFacetag(['photos', 'list', '--failed', '--json', '--data', data]));
    expect(failedPhotos).toEqual([]);
  }, 900_000);
});
