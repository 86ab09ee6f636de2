import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedLlm, type ScriptedLlm } from '../../../test/helpers/scripted-llm.js';
import { makeTestServer, PASSWORD, seedLibrary } from '../../../test/helpers/test-library.js';

type TestServer = Awaited<ReturnType<typeof makeTestServer>>;

/** A logged-in dashboard session: cookie, and the CSRF token on every change. */
async function login(app: TestServer['app']) {
  const res = await app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return async (method: string, path: string, body?: unknown) => {
    const r = await app.request(path, {
      method,
      headers: { Cookie: cookie, ...(method === 'GET' ? {} : { 'X-CSRF-Token': csrfToken }), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
}

describe('annotate routes through app.request()', () => {
  let llm: ScriptedLlm;
  let t: TestServer;
  let off: TestServer;
  let lib: Awaited<ReturnType<typeof seedLibrary>>;
  let call: Awaited<ReturnType<typeof login>>;
  let callOff: Awaited<ReturnType<typeof login>>;

  beforeAll(async () => {
    llm = await startScriptedLlm({ model: 'exo-test' });
    t = await makeTestServer({ env: { FACETAG_LLM_URL: llm.url, FACETAG_LLM_RETRIES: '0' } });
    lib = await seedLibrary(t.catalog, t.blobs, join(t.root, 'photos'));
    call = await login(t.app);
    off = await makeTestServer();
    await seedLibrary(off.catalog, off.blobs, join(off.root, 'photos'));
    callOff = await login(off.app);
  });
  afterAll(async () => {
    await t.close();
    await off.close();
    await llm.close();
  });

  it('tells whether the LLM is on, without the key', async () => {
    expect((await call('GET', '/api/llm')).body).toEqual({ enabled: true, url: llm.url, model: null });
    expect((await callOff('GET', '/api/llm')).body).toEqual({ enabled: false, url: null, model: null });
  });

  it('answers a question through a validated spec, shown with its interpretation', async () => {
    llm.script([{ content: '{"kind":"companions","people":["Ann"],"mode":"all","takenFrom":null,"takenTo":null,"place":null,"event":null,"limit":10}' }]);
    const r = await call('POST', '/api/ask', { question: 'who appears most often with Ann?' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ question: 'who appears most often with Ann?', model: 'exo-test', status: 'ok', interpretation: `The people seen most often with Ann Example (#${lib.people[0]})` });
    expect(r.body.result.companions.map((x: any) => [x.personId, x.photos])).toEqual([[lib.people[1], 1], [lib.people[2], 1]]);
    const spec = await call('POST', '/api/ask', { spec: { kind: 'photos', people: ['Bob Example'], mode: 'only' } });
    expect(spec.body.result.total).toBe(4);
    expect(spec.body.model).toBeNull();
  });

  it('refuses bodies outside the schema, and reports twice-bad LLM output as 502', async () => {
    expect((await call('POST', '/api/ask', { question: 'x', spec: { kind: 'count' } })).status).toBe(400);
    expect((await call('POST', '/api/ask', { spec: { kind: 'count', cypher: 'MATCH (n) DETACH DELETE n' } })).body.error.code).toBe('INVALID_INPUT');
    llm.script([{ content: 'MATCH (p:Person) DETACH DELETE p' }]);
    const bad = await call('POST', '/api/ask', { question: 'delete everyone' });
    expect(bad.status).toBe(502);
    expect(bad.body.error.code).toBe('LLM_BAD_OUTPUT');
    expect((await t.catalog.listPeople()).length).toBe(3);
  });

  it('proposes events, lists the inbox, accepts and rejects', async () => {
    llm.script([{ content: '{"title": "Winter visit", "type": "gathering", "placeName": null}' }]);
    const r = await call('POST', '/api/suggestions/events', { gapHours: 30, minPhotos: 3 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ groups: 4, llm: 'used', errors: [] });
    const inbox = await call('GET', '/api/suggestions?kind=event');
    expect(inbox.body.items).toHaveLength(4);
    const [first, second] = inbox.body.items;
    const yes = await call('POST', `/api/suggestions/${first.id}/accept`, { title: 'Winter visit 2024' });
    expect(yes.body).toMatchObject({ status: 'edited', resolution: { title: 'Winter visit 2024' } });
    expect((await call('POST', `/api/suggestions/${second.id}/reject`)).body.status).toBe('rejected');
    expect((await call('POST', `/api/suggestions/${second.id}/accept`, {})).status).toBe(409);
    const events = await call('GET', '/api/events');
    expect(events.body.items).toEqual([expect.objectContaining({ title: 'Winter visit 2024', type: 'gathering', photoIds: first.payload.photoIds })]);
    expect((await call('GET', '/api/suggestions?status=all&kind=event')).body.items).toHaveLength(4);
  });

  it('discards a name answer that names no one', async () => {
    llm.script([{ content: '{"name": null, "evidence": [], "reason": "nothing in the evidence names them"}' }]);
    const r = await call('POST', '/api/suggestions/names', {});
    expect(r.status).toBe(200);
    expect(r.body.created).toEqual([]);
    expect(r.body.discarded).toEqual([{ personId: lib.people[2], reason: 'no name: nothing in the evidence names them' }]);
  });

  it('with the LLM off: questions and names say so (503), specs and date-titled events still work', async () => {
    const q = await callOff('POST', '/api/ask', { question: 'photos of Ann' });
    expect(q.status).toBe(503);
    expect(q.body.error).toMatchObject({ code: 'LLM_DISABLED', message: expect.stringMatching(/FACETAG_LLM_URL/) });
    expect((await callOff('POST', '/api/suggestions/names', {})).body.error.code).toBe('LLM_DISABLED');
    expect((await callOff('POST', '/api/ask', { spec: { kind: 'count', people: ['Ann Example'] } })).body.result).toEqual({ kind: 'count', count: 6 });
    const ev = await callOff('POST', '/api/suggestions/events', { gapHours: 30 });
    expect(ev.body).toMatchObject({ llm: 'off', groups: 4 });
    expect(ev.body.created[0].payload.titleFrom).toBe('dates');
  });
});
