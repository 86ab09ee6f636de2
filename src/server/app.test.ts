import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/photos.js';
import { fakeWebBuild, makeTestServer, PASSWORD, seedLibrary } from './test-library.js';

type TestServer = Awaited<ReturnType<typeof makeTestServer>>;

/** A logged-in browser: the session cookie and the CSRF token on every change, as the dashboard sends them. */
async function login(app: TestServer['app']) {
  const res = await app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => app.request(path, {
    method,
    headers: { Cookie: cookie, ...(method === 'GET' ? {} : { 'X-CSRF-Token': csrfToken }), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = async (method: string, path: string, body?: unknown, status = 200) => {
    const r = await call(method, path, body);
    const text = await r.text();
    expect(r.status, `${method} ${path}: ${text}`).toBe(status);
    return text ? JSON.parse(text) : null;
  };
  return { cookie, csrfToken, call, json };
}

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('REST API through app.request()', () => {
  let t: TestServer;
  let lib: Awaited<ReturnType<typeof seedLibrary>>;
  let s: Awaited<ReturnType<typeof login>>;

  beforeAll(async () => {
    t = await makeTestServer();
    fakeWebBuild(join(t.root, 'web'));
    lib = await seedLibrary(t.catalog, t.blobs, join(t.root, 'photos'));
    s = await login(t.app);
  });
  afterAll(async () => t.close());

  it('answers /healthz and /metrics without auth', async () => {
    expect(await (await t.app.request('/healthz')).json()).toEqual({ ok: true });
    const metrics = await (await t.app.request('/metrics')).text();
    expect(metrics).toMatch(/facetag_http_request_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/);
    expect(metrics).toMatch(/facetag_faces \d+/);
  });

  it('refuses every other route without auth, as listed in the OpenAPI document', async () => {
    const doc = await s.json('GET', '/api/openapi.json');
    expect(doc.openapi).toBe('3.1.0');
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { security: unknown[] }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const url = path.replace(/\{[^}]+\}/g, '1');
        const res = await t.app.request(url, { method: method.toUpperCase(), headers: { 'Content-Type': 'application/json' }, body: method === 'get' ? undefined : '{}' });
        if (op.security.length === 0) continue;
        expect(res.status, `${method} ${url}`).toBe(401);
        // The CompreFace-compatible API answers in CompreFace's shape: code 20, a missing x-api-key.
        if (url.startsWith('/api/v1/')) expect(((await res.json()) as { code: number }).code).toBe(20);
        else expect((await errorOf(res)).code).toBe('UNAUTHENTICATED');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(25);
    expect((await t.app.request('/api/openapi.json')).status).toBe(401);
    expect((await t.app.request('/api/nowhere')).status).toBe(401);
    expect((await s.call('GET', '/api/nowhere')).status).toBe(404);
  });

  it('documents every route with its parameters and bodies', async () => {
    const doc = await s.json('GET', '/api/openapi.json');
    const people = doc.paths['/api/people'].get;
    expect(people.parameters.map((p: { name: string }) => p.name)).toEqual(['search', 'sort', 'unnamedFirst', 'hidden', 'limit', 'offset']);
    expect(doc.paths['/api/people/{id}'].patch.requestBody.content['application/json'].schema).toBeTruthy();
    expect(doc.paths['/api/faces/{id}/thumb'].get.responses['200'].content['image/jpeg']).toBeTruthy();
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });

  it('logs in with HttpOnly SameSite cookies and refuses bad logins', async () => {
    const res = await t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    expect(res.headers.get('set-cookie')).toMatch(/^facetag_session=[\w-]{40,}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/);
    const form = await t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `password=${PASSWORD}` });
    expect(form.status).toBe(415);
    const junk = await t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"password":' });
    expect(junk.status).toBe(400);
    const empty = await t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(await errorOf(empty)).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^body password:/) });
    expect((await s.json('GET', '/api/session'))).toMatchObject({ via: 'session', csrfToken: s.csrfToken });
  });

  it('requires the CSRF token on every change made with a session, and refuses other sites', async () => {
    const id = lib.people[2]!;
    const noToken = await t.app.request(`/api/people/${id}`, { method: 'PATCH', headers: { Cookie: s.cookie, 'Content-Type': 'application/json' }, body: '{"name":"X"}' });
    expect(noToken.status).toBe(403);
    expect((await errorOf(noToken)).code).toBe('CSRF_FAILED');
    const wrong = await s.call('PATCH', `/api/people/${id}`, { name: 'X' }, { 'X-CSRF-Token': 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    const otherSite = await s.call('PATCH', `/api/people/${id}`, { name: 'X' }, { Origin: 'https://evil.example' });
    expect(otherSite.status).toBe(403);
    const fetchMeta = await s.call('POST', '/api/merges', { intoId: 1, fromId: 2 }, { 'Sec-Fetch-Site': 'cross-site' });
    expect(fetchMeta.status).toBe(403);
    const loginFromElsewhere = await t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'null' }, body: JSON.stringify({ password: PASSWORD }) });
    expect(loginFromElsewhere.status).toBe(403);
    expect((await t.catalog.getPerson(id))!.name).toBeNull();
    const sameSite = await s.call('PATCH', `/api/people/${id}`, { name: 'Cleo' }, { Origin: 'http://localhost' });
    expect(sameSite.status).toBe(200);
  });

  it('API tokens work for scripts without CSRF, cannot manage tokens, and stop when revoked', async () => {
    const created = await s.json('POST', '/api/tokens', { name: 'backup script' }, 201);
    expect(created.token).toMatch(/^ftk_/);
    const bearer = { Authorization: `Bearer ${created.token}` };
    expect((await t.app.request('/api/people', { headers: bearer })).status).toBe(200);
    const rename = await t.app.request(`/api/people/${lib.people[2]}`, { method: 'PATCH', headers: { ...bearer, 'Content-Type': 'application/json' }, body: '{"name":"Cleo B"}' });
    expect(rename.status).toBe(200);
    const mint = await t.app.request('/api/tokens', { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/json' }, body: '{"name":"x"}' });
    expect(mint.status).toBe(403);
    expect((await s.json('GET', '/api/tokens')).map((k: { name: string; lastUsedAt: string | null }) => [k.name, !!k.lastUsedAt])).toEqual([['backup script', true]]);
    expect(JSON.stringify(await s.json('GET', '/api/tokens'))).not.toContain(created.token);
    await s.json('DELETE', `/api/tokens/${created.id}`, undefined, 204);
    expect((await t.app.request('/api/people', { headers: bearer })).status).toBe(401);
    expect((await t.app.request('/api/people', { headers: { Authorization: 'Bearer ftk_made-up' } })).status).toBe(401);
    expect((await s.call('DELETE', `/api/tokens/${created.id}`)).status).toBe(404);
  });

  it('lists people searched, sorted, filtered and paged, and validates the query', async () => {
    const all = await s.json('GET', '/api/people');
    expect(all.total).toBe(3);
    expect(all.items[0]).toMatchObject({ id: lib.people[0], name: 'Ann Example', faceCount: 6 });
    expect((await s.json('GET', '/api/people?search=bob')).items.map((p: { id: number }) => p.id)).toEqual([lib.people[1]]);
    expect((await s.json('GET', '/api/people?sort=name&limit=1&offset=1')).items.map((p: { id: number }) => p.id)).toEqual([lib.people[1]]);
    await s.json('PATCH', `/api/people/${lib.people[1]}`, { hidden: true });
    expect((await s.json('GET', '/api/people')).total).toBe(2);
    expect((await s.json('GET', '/api/people?hidden=only')).items.map((p: { id: number }) => p.id)).toEqual([lib.people[1]]);
    await s.json('PATCH', `/api/people/${lib.people[1]}`, { hidden: false });
    for (const bad of ['limit=0', 'limit=201', 'sort=age', 'hidden=maybe', 'unnamedFirst=perhaps', 'offset=-1']) {
      const r = await s.call('GET', `/api/people?${bad}`);
      expect(r.status, bad).toBe(400);
      expect((await errorOf(r)).code).toBe('INVALID_INPUT');
    }
  });

  it('serves a person page: the person, faces in pages, photos, co-occurrence', async () => {
    const ann = lib.people[0]!;
    const person = await s.json('GET', `/api/people/${ann}`);
    expect(person).toMatchObject({ id: ann, faceCount: 6, lastMerge: null });
    const first = await s.json('GET', `/api/people/${ann}/faces?limit=4`);
    const second = await s.json('GET', `/api/people/${ann}/faces?limit=4&offset=4`);
    expect(first.total).toBe(6);
    expect([...first.items, ...second.items].map((f: { id: number }) => f.id)).toHaveLength(6);
    const photos = await s.json('GET', `/api/people/${ann}/photos?limit=50`);
    expect(photos.total).toBe(6);
    expect(await s.json('GET', `/api/people/${ann}/co-occurrences`)).toEqual([
      { personId: lib.people[1], name: 'Bob Example', photos: 1 }, { personId: lib.people[2], name: expect.any(String), photos: 1 },
    ]);
    expect((await s.call('GET', '/api/people/999999')).status).toBe(404);
    expect((await s.call('GET', '/api/people/abc')).status).toBe(400);
    expect((await s.call('GET', '/api/people/999999/faces')).status).toBe(404);
  });

  it('renames, merges and undoes the merge, and refuses impossible merges', async () => {
    const [ann, bob, cleo] = lib.people as [number, number, number];
    expect(await s.json('PATCH', `/api/people/${bob}`, { name: '  Robert  ' })).toMatchObject({ name: 'Robert' });
    expect((await s.call('PATCH', `/api/people/${bob}`, {})).status).toBe(400);
    expect((await s.call('PATCH', `/api/people/${bob}`, { name: 5 })).status).toBe(400);
    const conflict = await s.call('POST', '/api/merges', { intoId: ann, fromId: bob });
    expect(conflict.status).toBe(409);
    expect((await errorOf(conflict)).code).toBe('CONFLICT');
    expect((await s.call('POST', '/api/merges', { intoId: bob, fromId: bob })).status).toBe(400);
    expect((await s.call('POST', '/api/merges', { intoId: bob, fromId: 999999 })).status).toBe(404);
    const merge = await s.json('POST', '/api/merges', { intoId: bob, fromId: cleo }, 201);
    expect(merge).toMatchObject({ intoId: bob, fromId: cleo, faceCount: 5 });
    expect((await s.json('GET', `/api/people/${bob}`)).lastMerge.id).toBe(merge.id);
    expect((await s.json('GET', '/api/people')).total).toBe(2);
    await s.json('POST', `/api/merges/${merge.id}/undo`);
    expect((await s.json('GET', `/api/people/${cleo}`)).faceCount).toBe(5);
    expect((await s.call('POST', `/api/merges/${merge.id}/undo`)).status).toBe(409);
  });

  it('splits, rejects and confirms faces; a rejected face does not come back', async () => {
    const bob = lib.people[1]!;
    const faces = lib.faceIds[1]!;
    const split = await s.json('POST', `/api/people/${bob}/split`, { faceIds: [faces[0]] }, 201);
    expect((await t.catalog.getFace(faces[0]!))!.personId).toBe(split.personId);
    expect((await s.call('POST', `/api/people/${bob}/split`, { faceIds: [] })).status).toBe(400);
    expect((await s.call('POST', `/api/people/${bob}/split`, { faceIds: [lib.faceIds[0]![0]] })).status).toBe(400);
    expect(await s.json('POST', `/api/people/${bob}/reject`, { faceIds: [faces[1]] })).toEqual({ rejected: 1 });
    expect(await t.catalog.rejectedPeople(faces[1]!)).toEqual([bob]);
    expect((await s.call('POST', `/api/people/${bob}/reject`, { faceIds: [999999] })).status).toBe(404);
    // Bob's two remaining machine-placed faces; the group photo's face was confirmed already.
    expect(await s.json('POST', `/api/people/${bob}/confirm`, {})).toEqual({ confirmed: 2 });
    expect(await s.json('POST', `/api/people/${bob}/confirm`, { faceIds: [faces[1]] })).toEqual({ confirmed: 1 });
    expect(await t.catalog.rejectedPeople(faces[1]!)).toEqual([]);
  });

  it('moves a face to a person or a new named person', async () => {
    const face = lib.loose[0]!;
    expect(await s.json('PUT', `/api/faces/${face}/person`, { personId: lib.people[2] })).toMatchObject({ personId: lib.people[2], source: 'manual' });
    const moved = await s.json('PUT', `/api/faces/${face}/person`, { newPersonName: 'Dora' });
    expect((await t.catalog.getPerson(moved.personId))!.name).toBe('Dora');
    expect((await s.call('PUT', `/api/faces/${face}/person`, { personId: 1, newPersonName: 'x' })).status).toBe(400);
    expect((await s.call('PUT', '/api/faces/999999/person', { personId: lib.people[2] })).status).toBe(404);
    const unassigned = await s.json('GET', '/api/faces?unassigned=true');
    expect(unassigned.items.map((f: { id: number }) => f.id)).toContain(lib.loose[1]);
  });

  it('serves face thumbnails sized on the server with caching headers', async () => {
    const face = lib.faceIds[0]![1]!;
    const full = await s.call('GET', `/api/faces/${face}/thumb`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/jpeg');
    expect(full.headers.get('cache-control')).toBe('private, max-age=86400');
    const small = await s.call('GET', `/api/faces/${face}/thumb?size=64`);
    expect((await sharp(Buffer.from(await small.arrayBuffer())).metadata()).width).toBe(64);
    const again = await s.call('GET', `/api/faces/${face}/thumb`, undefined, { 'If-None-Match': full.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect((await s.call('GET', `/api/faces/${face}/thumb?size=5000`)).status).toBe(400);
    expect((await s.call('GET', '/api/faces/999999/thumb')).status).toBe(404);
  });

  it('finds photos by two people (all / any / only) and by date, and validates the search', async () => {
    const [ann, bob, cleo] = lib.people as [number, number, number];
    const ids = async (q: string) => (await s.json('GET', `/api/photos?${q}`)).items.map((p: { id: number }) => p.id);
    expect(await ids(`people=${ann},${bob}&mode=all`)).toEqual([lib.groups[0]]);
    expect((await s.json('GET', `/api/photos?people=${bob},${cleo}&mode=any`)).total).toBeGreaterThan(2);
    expect(await ids(`people=${ann},${cleo}&mode=only`)).toEqual([lib.groups[1]]);
    expect(await ids(`people=${ann}&from=2024-06-01&to=2024-06-01`)).toEqual([lib.groups[0]]);
    for (const bad of ['people=1;2', 'people=../etc', 'mode=xor', 'from=yesterday', 'to=2024-13']) {
      expect((await s.call('GET', `/api/photos?${bad}`)).status, bad).toBe(400);
    }
    const photo = await s.json('GET', `/api/photos/${lib.groups[0]}`);
    expect(photo.faces.map((f: { personName: string | null }) => f.personName)).toEqual(['Ann Example', 'Robert']);
  });

  it('serves photo previews, oriented and sized on the server, with caching headers', async () => {
    const res = await s.call('GET', `/api/photos/${lib.groups[0]}/preview?size=320`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeTruthy();
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
    expect((await s.call('GET', `/api/photos/${lib.groups[0]}/preview?size=333`)).status).toBe(400);
    expect((await s.call('GET', '/api/photos/..%2F..%2Fetc%2Fpasswd/preview')).status).toBe(400);
  });

  it('never lets a request path reach the file system outside the built dashboard', async () => {
    expect((await t.app.request('/login')).status).toBe(200);
    expect((await t.app.request('/assets/index-abc123.js')).headers.get('cache-control')).toContain('immutable');
    for (const path of ['/assets/..%2fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/assets/..%5csecret.txt', '/assets/.%2e/secret.txt', '/assets/%2e%2e', '/assets/..%2f..%2fpackage.json', '/assets/index-abc123.js%00.png']) {
      const res = await t.app.request(path);
      expect(res.status, path).not.toBe(200);
      expect(await res.text()).not.toContain('not an asset');
    }
    expect((await t.app.request('/../secret.txt')).status).not.toBe(200);
    const home = await t.app.request('/');
    expect([home.status, home.headers.get('location')]).toEqual([302, '/login']);
    expect((await s.call('GET', '/')).status).toBe(200);
  });

  it('groups faces to review by candidate person', async () => {
    const review = await s.json('GET', '/api/review');
    expect(review.unassigned).toBeGreaterThan(0);
    const unsure = review.groups.flatMap((g: { items: Array<{ reason: string; face: { id: number } }> }) => g.items.filter((i) => i.reason === 'unsure').map((i) => i.face.id));
    expect(unsure).toContain(lib.faceIds[0]![0]);
    const loose = review.groups.find((g: { items: Array<{ face: { id: number } }> }) => g.items.some((i) => i.face.id === lib.loose[1]));
    expect(loose.person.id).toBe(lib.people[1]);
  });

  it('reports ingest status; without a configured folder the button is refused', async () => {
    const ingest = await s.json('GET', '/api/ingest');
    expect(ingest.status).toMatchObject({ folder: null, running: false });
    expect(ingest.counts.faces).toBeGreaterThan(10);
    const start = await s.call('POST', '/api/ingest', {});
    expect(start.status).toBe(409);
    expect((await errorOf(start)).message).toMatch(/FACETAG_SERVER_INDEX_FOLDER/);
  });

  it('refuses bodies over 1 MiB', async () => {
    const res = await s.call('POST', '/api/tokens', { name: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
  });

  it('deletes a person with their faces and thumbnails', async () => {
    const cleo = lib.people[2]!;
    const faces = await t.catalog.listFaces({ personId: cleo });
    const keys = faces.map((f) => f.thumbKey!);
    expect(await s.json('DELETE', `/api/people/${cleo}`)).toEqual({ deletedFaces: faces.length });
    for (const k of keys) expect(await t.blobs.exists(k)).toBe(false);
    expect((await s.call('DELETE', `/api/people/${cleo}`)).status).toBe(404);
  });

  it('dismisses a false face ("not a face") with its thumbnail and remembers its box', async () => {
    const face = (await t.catalog.getFace(lib.loose[1]!))!;
    const photo = (await t.catalog.getPhoto(face.photoId))!;
    expect(await s.json('DELETE', `/api/faces/${face.id}`)).toEqual({ dismissed: face.id });
    expect(await t.catalog.getFace(face.id)).toBeNull();
    if (face.thumbKey) expect(await t.blobs.exists(face.thumbKey)).toBe(false);
    expect(await t.catalog.dismissedBoxes(photo.path)).toEqual([face.box]);
    expect((await s.call('DELETE', `/api/faces/${face.id}`)).status).toBe(404);
  });

  it('changes the password, which ends every session; logout ends one', async () => {
    const other = await login(t.app);
    expect((await other.call('PUT', '/api/session/password', { current: 'wrong', next: 'a new password' })).status).toBe(403);
    expect((await other.call('PUT', '/api/session/password', { current: PASSWORD, next: 'short' })).status).toBe(400);
    await other.json('PUT', '/api/session/password', { current: PASSWORD, next: 'a new password' });
    expect((await s.call('GET', '/api/people')).status).toBe(401);
    await t.auth.setPassword(PASSWORD);
    const third = await login(t.app);
    await third.json('DELETE', '/api/session', undefined, 204);
    expect((await third.call('GET', '/api/people')).status).toBe(401);
    s = await login(t.app);
  });
});

describe('login rate limit', () => {
  it('answers 429 with Retry-After after too many failures, even with the right password', async () => {
    const t = await makeTestServer({ env: { FACETAG_SERVER_MAX_LOGIN_FAILURES: '3' } });
    const attempt = (password: string) => t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password }) });
    for (let i = 0; i < 3; i++) expect((await attempt('guess')).status).toBe(401);
    const limited = await attempt(PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
    // In minutes, as a person reads a wait of a quarter of an hour.
    expect(await errorOf(limited)).toEqual({ code: 'RATE_LIMITED', message: 'too many failed logins; try again in 15 minutes' });
    await t.close();
  });
});

describe('first start without a configured password', () => {
  it('generates one, stores only its hash, and never shows it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-auth-'));
    const { openAuthStore } = await import('./auth-store.js');
    const store = openAuthStore(join(dir, 'auth.sqlite'));
    const first = await store.ensureAdminPassword(undefined);
    expect(first.generated).toMatch(/^[\w-]{20}$/);
    expect((await store.ensureAdminPassword(undefined)).generated).toBeNull();
    expect(await store.checkPassword(first.generated!)).toBe(true);
    const { readFileSync } = await import('node:fs');
    store.close();
    expect(readFileSync(join(dir, 'auth.sqlite')).includes(first.generated!)).toBe(false);
  });
});

describe('hand-drawn faces and indexing from the dashboard (real models)', () => {
  let t: TestServer;
  let s: Awaited<ReturnType<typeof login>>;
  const photos = mkdtempSync(join(tmpdir(), 'facetag-serve-photos-'));
  beforeAll(async () => {
    mkdirSync(join(photos, 'sub'));
    await sharp(fixture('astronaut.jpg')).toFile(join(photos, 'astronaut.jpg'));
    t = await makeTestServer({ env: { FACETAG_SERVER_INDEX_FOLDER: photos } });
    s = await login(t.app);
  });
  afterAll(async () => t.close());

  it('indexes the configured folder from the dashboard', async () => {
    const started = await s.json('POST', '/api/ingest', {}, 202);
    expect(started).toMatchObject({ running: true, folder: photos });
    expect((await s.call('POST', '/api/ingest', {})).status).toBe(409);
    let status = started;
    for (let i = 0; i < 240 && status.running; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await s.json('GET', '/api/ingest')).status;
    }
    expect(status.last).toMatchObject({ photos: { processed: 1, failed: 0 } });
    expect((await t.catalog.counts()).faces).toBe(1);
  });

  it('embeds a box drawn by hand and keeps it through a re-index', async () => {
    const [photo] = (await s.json('GET', '/api/photos')).items;
    const outside = await s.call('POST', `/api/photos/${photo.id}/faces`, { box: { x: photo.width - 10, y: 0, w: 50, h: 50 } });
    expect(outside.status).toBe(400);
    expect((await s.call('POST', `/api/photos/${photo.id}/faces`, { box: { x: 1, y: 1, w: -5, h: 5 } })).status).toBe(400);
    const detected = (await t.catalog.listFaces({ photoId: photo.id }))[0]!;
    // The box a person would draw around the face the detector found, a little looser.
    const b = detected.box;
    const box = { x: Math.round(b.x - 6), y: Math.round(b.y - 6), w: Math.round(b.w + 12), h: Math.round(b.h + 12) };
    const person = await t.catalog.createPerson('Eileen');
    const face = await s.json('POST', `/api/photos/${photo.id}/faces`, { box, personId: person }, 201);
    expect(face).toMatchObject({ manual: true, personId: person, source: 'manual', photoId: photo.id });
    expect(await t.blobs.exists(face.thumbKey)).toBe(true);
    const a = (await t.catalog.getEmbedding(face.id))!;
    const d = (await t.catalog.getEmbedding(detected.id))!;
    expect(a.reduce((sum, v, i) => sum + v * d[i]!, 0)).toBeGreaterThan(0.8);
    await sharp(fixture('astronaut.jpg')).jpeg({ quality: 70 }).toFile(join(photos, 'astronaut.jpg'));
    await s.json('POST', '/api/ingest', {}, 202);
    for (let i = 0; i < 240 && (await s.json('GET', '/api/ingest')).status.running; i++) await new Promise((r) => setTimeout(r, 250));
    expect(await t.catalog.getFace(face.id)).toMatchObject({ manual: true, personId: person });
    expect(existsSync(join(t.config.data.dir, 'blobs', ...face.thumbKey.split('/')))).toBe(true);
    // The face the detector finds again is the one drawn there: one face, not two.
    expect((await t.catalog.listFaces({ photoId: photo.id })).map((f) => f.id)).toEqual([face.id]);
  });

  it('a box drawn on no face is kept but doubtful: a warning, no person, out of clustering until a person puts it on someone', async () => {
    const [photo] = (await s.json('GET', '/api/photos')).items;
    // The top-left corner of the astronaut photo: the flag and the backdrop, no face.
    const wall = await s.json('POST', `/api/photos/${photo.id}/faces`, { box: { x: 4, y: 4, w: 90, h: 110 } }, 201);
    expect(wall).toMatchObject({ manual: true, doubtful: true, personId: null });
    expect(wall.warning).toMatch(/does not look like a face \(face presence 0\.\d\d\); it is kept, but stays out of clustering until you put it on someone/);
    const embedder = (await t.catalog.getFace(wall.id))!.model;
    expect((await t.catalog.allFaceVectors(embedder)).map((f) => f.id)).not.toContain(wall.id);
    // Put on someone, it is a face like any other.
    const person = await t.catalog.createPerson('Backdrop');
    await t.catalog.moveFace(wall.id, person);
    expect((await t.catalog.allFaceVectors(embedder)).map((f) => f.id)).toContain(wall.id);
    // A box around the real face is no doubt.
    const onFace = (await t.catalog.listFaces({ photoId: photo.id })).find((f) => !f.doubtful)!;
    const real = await s.json('POST', `/api/photos/${photo.id}/faces`, { box: onFace.box }, 201);
    expect(real).toMatchObject({ doubtful: false });
    expect(real.warning).toBeUndefined();
  });
});
