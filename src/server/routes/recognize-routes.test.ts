import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bombPng, fixture } from '../../../test/helpers/photos.js';
import { base64Body, labelled, NO_FACE, PEOPLE, photoForm, STRANGER } from '../../../test/helpers/recognition.js';
import { requireShared, SHARED_FACES } from '../../../test/helpers/shared.js';
import { uploadsDir } from '../../context.js';
import { MATCH_SIMILARITY } from '../../recognition/similarity.js';
import { fakeWebBuild, makeTestServer, PASSWORD } from '../test-library.js';

type TestServer = Awaited<ReturnType<typeof makeTestServer>>;
interface Answer {
  faces: Array<{ box: { x: number; y: number; w: number; h: number }; detScore: number; people: Array<{ personId: number; name: string; similarity: number; distance: number; match: boolean }> }>;
  threshold: { distance: number; similarity: number };
  stored: { photoId: number; faceIds: Array<number | null> } | null;
}

describe.skipIf(!requireShared(SHARED_FACES, 'POST /api/recognize on ../shared/faces'))('POST /api/recognize: who is in a photo, through app.request() with the real models', () => {
  let t: TestServer;
  let recognitionToken: string;
  let fullToken: string;
  const as = (token: string) => ({ 'x-api-key': token });
  const recognize = async (path: string, query = '', token = recognitionToken) => {
    const res = await t.app.request(`/api/recognize${query}`, { method: 'POST', headers: as(token), body: photoForm({ file: path }) });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return JSON.parse(text) as Answer;
  };
  const api = async (method: string, path: string, body?: unknown, token = fullToken) => {
    const res = await t.app.request(path, { method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };

  beforeAll(async () => {
    t = await makeTestServer();
    fakeWebBuild(join(t.root, 'web'));
    recognitionToken = t.auth.createToken('door camera', 'recognition').token;
    fullToken = t.auth.createToken('admin script').token;
    // Two examples of each person go into the library through the API, then a person names them.
    for (const p of [PEOPLE.tom, PEOPLE.laura]) {
      const faceIds: number[] = [];
      for (const file of p.examples) {
        const r = await recognize(labelled(file), '?store=true');
        expect(r.stored!.faceIds).toHaveLength(1);
        faceIds.push(r.stored!.faceIds[0]!);
      }
      const first = await api('PUT', `/api/faces/${faceIds[0]}/person`, { newPersonName: p.name });
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect((await api('PUT', `/api/faces/${faceIds[1]}/person`, { personId: first.body.personId })).status).toBe(200);
    }
  });
  afterAll(async () => t?.close());

  it('recognises a third photo of each person, above the threshold, with the other person far below', async () => {
    for (const p of [PEOPLE.tom, PEOPLE.laura]) {
      const r = await recognize(labelled(p.third), '?limit=2');
      expect(r.faces).toHaveLength(1);
      const [best, other] = r.faces[0]!.people;
      expect(best).toMatchObject({ name: p.name, match: true });
      expect(best!.similarity).toBeGreaterThanOrEqual(MATCH_SIMILARITY);
      expect(best!.distance).toBeLessThanOrEqual(r.threshold.distance);
      expect(other!.match).toBe(false);
      expect(other!.similarity).toBeLessThan(MATCH_SIMILARITY);
      expect(r.faces[0]!.box.w).toBeGreaterThan(40);
      expect(r.threshold).toEqual({ distance: t.server.services.cluster.maxDistance, similarity: MATCH_SIMILARITY });
    }
  });

  it('answers a stranger with no match, and a photo without a face with no faces', async () => {
    const stranger = await recognize(labelled(STRANGER), '?limit=5');
    expect(stranger.faces).toHaveLength(1);
    expect(stranger.faces[0]!.people.every((p) => !p.match && p.similarity < MATCH_SIMILARITY)).toBe(true);
    expect((await recognize(NO_FACE)).faces).toEqual([]);
  });

  it('keeps nothing unless store=true; storing the same photo again adds nothing', async () => {
    const before = await t.catalog.counts();
    const uploads = () => readdirSync(uploadsDir(t.config), { recursive: true }).filter((f) => String(f).includes('.')).length;
    const files = uploads();
    await recognize(labelled(PEOPLE.tom.third));
    expect(await t.catalog.counts()).toEqual(before);
    expect(uploads()).toBe(files);

    const again = await recognize(labelled(PEOPLE.tom.examples[0]), '?store=true');
    expect(await t.catalog.counts()).toEqual(before);
    expect(uploads()).toBe(files);
    const photo = await t.catalog.getPhoto(again.stored!.photoId);
    expect(photo!.path.startsWith(uploadsDir(t.config))).toBe(true);
    expect(readFileSync(photo!.path).equals(readFileSync(labelled(PEOPLE.tom.examples[0])))).toBe(true);
  });

  it('takes the photo as multipart, as raw bytes and as base64 JSON, with the same answer', async () => {
    const file = labelled(PEOPLE.laura.third);
    const multipart = await recognize(file);
    const raw = await t.app.request('/api/recognize', { method: 'POST', headers: { ...as(recognitionToken), 'Content-Type': 'image/jpeg' }, body: readFileSync(file) });
    const json = await t.app.request('/api/recognize', { method: 'POST', headers: { ...as(recognitionToken), 'Content-Type': 'application/json' }, body: base64Body({ file }) });
    expect(await raw.json()).toEqual(multipart);
    expect(await json.json()).toEqual(multipart);
  });

  it('never answers a hidden person', async () => {
    const laura = (await recognize(labelled(PEOPLE.laura.third))).faces[0]!.people[0]!;
    expect(laura.name).toBe(PEOPLE.laura.name);
    expect((await api('PATCH', `/api/people/${laura.personId}`, { hidden: true })).status).toBe(200);
    try {
      const r = await recognize(labelled(PEOPLE.laura.third), '?limit=10');
      expect(r.faces[0]!.people.map((p) => p.name)).not.toContain(PEOPLE.laura.name);
    } finally {
      await api('PATCH', `/api/people/${laura.personId}`, { hidden: false });
    }
  });

  it('a token scoped to recognition recognises but is refused everywhere else; a full token and a session may recognise too', async () => {
    for (const [method, path, body] of [['GET', '/api/people'], ['PATCH', '/api/people/1', { name: 'x' }], ['DELETE', '/api/people/1'], ['GET', '/api/photos'], ['POST', '/api/ingest'], ['GET', '/api/faces/1/thumb']] as const) {
      const r = await api(method, path, body, recognitionToken);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
      expect(r.body.error.message).toContain('limited to recognition');
    }
    expect((await recognize(labelled(PEOPLE.tom.third), '', fullToken)).faces[0]!.people[0]!.name).toBe(PEOPLE.tom.name);

    const login = await t.app.request('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const bySession = await t.app.request('/api/recognize', { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken }, body: photoForm({ file: labelled(PEOPLE.tom.third) }) });
    expect(bySession.status).toBe(200);
    expect((await t.app.request('/api/recognize', { method: 'POST', headers: { Cookie: cookie }, body: photoForm({ file: labelled(PEOPLE.tom.third) }) })).status).toBe(403);

    // Tokens are created with a scope in the dashboard's API.
    const created = await t.app.request('/api/tokens', { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'double take', scope: 'recognition' }) });
    expect(created.status).toBe(201);
    const { token, scope } = (await created.json()) as { token: string; scope: string };
    expect(scope).toBe('recognition');
    expect((await api('GET', '/api/people', undefined, token)).status).toBe(403);
    expect((await recognize(labelled(PEOPLE.tom.third), '', token)).faces).toHaveLength(1);
  });

  it('refuses bad input with the problem and the fix, and stores nothing', async () => {
    const before = await t.catalog.counts();
    const send = async (body: RequestInit['body'], type?: string) => {
      const res = await t.app.request('/api/recognize?store=true', { method: 'POST', headers: { ...as(recognitionToken), ...(type ? { 'Content-Type': type } : {}) }, body });
      return { status: res.status, error: ((await res.json()) as { error: { code: string; message: string } }).error };
    };
    expect(await send(new FormData())).toMatchObject({ status: 400, error: { code: 'INVALID_INPUT', message: expect.stringContaining('has no photo') } });
    expect(await send('just text', 'text/plain')).toMatchObject({ status: 415, error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('multipart/form-data') } });
    expect(await send('{"file": "not base64!"}', 'application/json')).toMatchObject({ status: 400, error: { message: expect.stringContaining('not valid base64') } });
    expect(await send(Buffer.from('these are my notes'), 'image/jpeg')).toMatchObject({ status: 415, error: { code: 'PHOTO_UNSUPPORTED' } });
    const jpeg = readFileSync(labelled(PEOPLE.tom.third));
    expect(await send(jpeg.subarray(0, 2000), 'image/jpeg')).toMatchObject({ status: 422, error: { code: 'PHOTO_CORRUPT' } });
    expect(await send(bombPng(30000, 30000), 'image/png')).toMatchObject({ status: 413, error: { code: 'PHOTO_TOO_LARGE', message: expect.stringContaining('index.maxPixels') } });
    expect(await t.catalog.counts()).toEqual(before);
    expect(existsSync(uploadsDir(t.config))).toBe(true);
  });
});

describe('recognition limits: photo size as for indexing, and a rate per token', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await makeTestServer({ env: { FACETAG_INDEX_MAX_FILE_BYTES: '30000', FACETAG_INDEX_MAX_PIXELS: '1000000', FACETAG_RECOGNITION_RATE_PER_MINUTE: '3' } });
  });
  afterAll(async () => t?.close());

  it('refuses a photo over index.maxFileBytes (413, before decoding) and over index.maxPixels', async () => {
    const token = t.auth.createToken('big', 'recognition').token;
    const big = await sharp({ create: { width: 900, height: 900, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg({ quality: 95 }).toBuffer();
    expect(big.length).toBeGreaterThan(30000);
    const res = await t.app.request('/api/recognize', { method: 'POST', headers: { 'x-api-key': token, 'Content-Type': 'image/jpeg' }, body: big });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('index.maxFileBytes 30000');
    const wide = await sharp({ create: { width: 1500, height: 1000, channels: 3, background: '#888' } }).jpeg({ quality: 20 }).toBuffer();
    expect(wide.length).toBeLessThan(30000);
    const r2 = await t.app.request('/api/recognize', { method: 'POST', headers: { 'x-api-key': token, 'Content-Type': 'image/jpeg' }, body: wide });
    expect(r2.status).toBe(413);
    expect(((await r2.json()) as { error: { code: string } }).error.code).toBe('PHOTO_TOO_LARGE');
  });

  it('limits each token to recognition.ratePerMinute, with Retry-After, and leaves other tokens alone', async () => {
    const [a, b] = [t.auth.createToken('a', 'recognition').token, t.auth.createToken('b', 'recognition').token];
    const small = await sharp(fixture('astronaut.jpg')).resize(160).jpeg().toBuffer();
    const send = (token: string) => t.app.request('/api/recognize', { method: 'POST', headers: { 'x-api-key': token, 'Content-Type': 'image/jpeg' }, body: small });
    for (let i = 0; i < 3; i++) expect((await send(a)).status).toBe(200);
    const refused = await send(a);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('recognition.ratePerMinute');
    expect((await send(b)).status).toBe(200);
  });
});
