import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { face, photo } from '../../src/catalog/catalog-contract.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { json, runFacetag } from '../helpers/cli.js';
import { startScriptedLlm, type ScriptedLlm } from '../helpers/scripted-llm.js';

/** A data folder whose catalog holds Anna and Ben in three photos of one July day, and a later one. */
async function seedData() {
  const root = mkdtempSync(join(tmpdir(), 'facetag-ask-cli-'));
  const data = join(root, 'data');
  const photos = join(root, 'Summer 2023 Lake');
  mkdirSync(photos, { recursive: true });
  const c = openSqliteCatalog(join(data, 'catalog.sqlite'));
  const anna = await c.createPerson('Anna');
  const ben = await c.createPerson('Ben');
  const shots: Array<[string, number[]]> = [['2023-07-10T10:00:00', [anna, ben]], ['2023-07-10T11:00:00', [anna]], ['2023-07-10T12:00:00', [anna, ben]], ['2024-01-05T12:00:00', [ben]]];
  const ids: number[] = [];
  for (const [i, [takenAt, people]] of shots.entries()) {
    const path = join(photos, `IMG_${i}.jpg`);
    writeFileSync(path, 'x');
    const saved = await c.savePhoto({ ...photo(path, people.map((_, k) => face(i * 10 + k, k * 100))), takenAt });
    await c.assign(people.map((personId, k) => ({ faceId: saved.faceIds[k]!, personId, source: 'confirmed' as const, distance: null })));
    ids.push(saved.photoId);
  }
  await c.close();
  return { data, anna, ben, ids };
}

describe('facetag ask and facetag suggest through the real CLI', () => {
  let llm: ScriptedLlm;
  let lib: Awaited<ReturnType<typeof seedData>>;
  const withLlm = () => ({ env: { FACETAG_LLM_URL: llm.url, FACETAG_LLM_MODEL: 'scripted-1', FACETAG_LLM_RETRIES: '0' } });

  beforeAll(async () => {
    llm = await startScriptedLlm();
    lib = await seedData();
  });
  afterAll(async () => llm.close());

  it('asks in plain language, shows the interpretation, and runs it', async () => {
    llm.script([{ content: '{"kind":"photos","people":["Anna","Ben"],"mode":"all","takenFrom":"2023-06-01","takenTo":"2023-08-31","place":null,"event":null,"limit":50}' }]);
    const r = await runFacetag(['ask', 'photos of Anna with Ben from summer 2023', '--data', lib.data], withLlm());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Interpreted as: Photos, showing Anna (#${lib.anna}) and Ben (#${lib.ben}), taken from 2023-06-01 to 2023-08-31`);
    expect(r.stdout).toContain('2 photos');
    expect(llm.chats()[0]!.body.messages[1].content).toBe('Question: "photos of Anna with Ben from summer 2023"');
    // The people list is not sent: names are resolved by facetag, not the model.
    expect(JSON.stringify(llm.chats()[0]!.body)).not.toContain('IMG_');
  });

  it('runs a spec without the LLM, and stops on an unknown name with "did you mean"', async () => {
    const ok = await runFacetag(['ask', '--spec', '{"kind":"count","people":["Ben"]}', '--data', lib.data, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json(ok).result).toEqual({ kind: 'count', count: 3 });
    const typo = await runFacetag(['ask', '--spec', '{"kind":"photos","people":["Anan"]}', '--data', lib.data]);
    expect(typo.code).toBe(65);
    expect(typo.stdout).toContain(`"Anan" matches no one. Did you mean Anna (#${lib.anna})?`);
    const bad = await runFacetag(['ask', '--spec', '{"kind":"photos","cypher":"MATCH (n) DETACH DELETE n"}', '--data', lib.data]);
    expect(bad.code).toBe(65);
    expect(bad.stderr).toMatch(/--spec: .*cypher/);
  });

  it('says clearly when the LLM is off or down, and everything else still works', async () => {
    const off = await runFacetag(['ask', 'photos of Anna', '--data', lib.data]);
    expect(off.code).toBe(69);
    expect(off.stderr).toMatch(/the LLM is off; set llm.url \(FACETAG_LLM_URL or --llm-url\).*\[LLM_DISABLED\]/);
    const gone = await startScriptedLlm();
    await gone.close();
    const down = await runFacetag(['ask', 'photos of Anna', '--data', lib.data, '--llm-url', gone.url, '--llm-model', 'm'], { env: { FACETAG_LLM_RETRIES: '1' } });
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/cannot be reached.*tried 2 times.*\[LLM_UNAVAILABLE\]/);
    const list = await runFacetag(['photos', 'list', '--data', lib.data, '--json'], { env: { FACETAG_LLM_URL: gone.url } });
    expect(list.code).toBe(0);
    expect(json(list)).toHaveLength(4);
  });

  it('suggests events, lists them, accepts one edited, and refuses a second decision', async () => {
    llm.script([{ content: '{"title": "Lake day", "type": "outing", "placeName": null}' }]);
    const s = await runFacetag(['suggest', 'events', '--data', lib.data, '--json'], withLlm());
    expect(s.code, s.stderr).toBe(0);
    const created = json(s).created;
    expect(created).toHaveLength(1);
    expect(created[0].payload).toMatchObject({ title: 'Lake day', photoIds: lib.ids.slice(0, 3) });
    expect(created[0].evidence).toContain('folder name: Summer 2023 Lake');
    const list = await runFacetag(['suggest', 'list', '--data', lib.data]);
    expect(list.stdout).toMatch(new RegExp(`#${created[0].id} event \\[pending\\] "Lake day" \\(outing\\): 3 photos, 2023-07-10 to 2023-07-10`));
    const yes = await runFacetag(['suggest', 'accept', String(created[0].id), '--title', 'At the lake', '--place', 'Bled', '--data', lib.data]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(/Event \d+ "At the lake" created \(suggestion \d+ edited\)/);
    const again = await runFacetag(['suggest', 'reject', String(created[0].id), '--data', lib.data]);
    expect(again.code).toBe(65);
    expect(again.stderr).toMatch(/already edited.*\[CONFLICT\]/);
    // The event is searchable by place now, with no LLM.
    const byPlace = await runFacetag(['ask', '--spec', '{"kind":"count","place":"bled","people":["Ben"]}', '--data', lib.data, '--json']);
    expect(json(byPlace).result).toEqual({ kind: 'count', count: 2 });
  });
});
