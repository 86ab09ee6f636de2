import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Body, GROUP, labelled, NO_FACE, PEOPLE, photoForm, STRANGER, TWO_FACES } from '../../../test/helpers/recognition.js';
import { requireShared, SHARED_FACES } from '../../../test/helpers/shared.js';
import { indexFolder } from '../../ingest/index-folder.js';
import { poolTransport } from '../../ingest/pool-transport.js';
import { MATCH_SIMILARITY } from '../../recognition/similarity.js';
import { fromImageId, toImageId } from '../compreface-shapes.js';
import { makeTestServer } from '../test-library.js';

type TestServer = Awaited<ReturnType<typeof makeTestServer>>;
type Box = { probability: number; x_min: number; y_min: number; x_max: number; y_max: number };

describe('CompreFace image ids', () => {
  it('are UUIDs that carry the face id, and plain ids are taken too', () => {
    expect(toImageId(42)).toBe('00000000-0000-8000-8000-00000000002a');
    expect(toImageId(42)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fromImageId(toImageId(123456789))).toBe(123456789);
    expect(fromImageId('17')).toBe(17);
    for (const bad of ['6b135f5b-a365-4522-b1f1-4c9ac2dd0728', 'x', '0', '-1', '']) expect(fromImageId(bad)).toBeNull();
  });
});

describe.skipIf(!requireShared(SHARED_FACES, 'CompreFace-compatible API on ../shared/faces'))('the CompreFace-compatible API through app.request(): its fields, parameters and error shapes', () => {
  let t: TestServer;
  let key: string;
  let full: string;
  const call = async (method: string, path: string, init: { body?: RequestInit['body']; type?: string; token?: string | null } = {}) => {
    const token = init.token === undefined ? key : init.token;
    const res = await t.app.request(path, {
      method, headers: { ...(token ? { 'x-api-key': token } : {}), ...(init.type ? { 'Content-Type': init.type } : {}) }, ...(init.body ? { body: init.body } : {}),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch { /* an image */ }
    return { status: res.status, body, headers: res.headers };
  };
  const addExample = (subject: string, file: string, query = '') => call('POST', `/api/v1/recognition/faces?subject=${encodeURIComponent(subject)}${query}`, { body: photoForm({ file }) });

  beforeAll(async () => {
    t = await makeTestServer();
    key = t.auth.createToken('double take', 'recognition').token;
    full = t.auth.createToken('admin').token;
    for (const p of [PEOPLE.tom, PEOPLE.laura]) {
      for (const f of p.examples) {
        const r = await addExample(p.name, labelled(f));
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        expect(r.body).toEqual({ image_id: expect.stringMatching(/^00000000-0000-8000-8000-/), subject: p.name });
      }
    }
  });
  afterAll(async () => t?.close());

  it('recognize: result[].box and subjects[] as CompreFace answers them, with prediction_count, limit, plugins and status', async () => {
    const r = await call('POST', '/api/v1/recognition/recognize?prediction_count=2', { body: photoForm({ file: labelled(PEOPLE.tom.third) }) });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['result']);
    const [face] = r.body.result;
    expect(Object.keys(face).sort()).toEqual(['box', 'subjects']);
    const box = face.box as Box;
    expect(Object.keys(box).sort()).toEqual(['probability', 'x_max', 'x_min', 'y_max', 'y_min']);
    for (const v of [box.x_min, box.y_min, box.x_max, box.y_max]) expect(Number.isInteger(v)).toBe(true);
    expect(box.x_max).toBeGreaterThan(box.x_min);
    expect(box.probability).toBeGreaterThan(0.5);
    expect(face.subjects.map((s: { subject: string }) => s.subject)).toEqual([PEOPLE.tom.name, PEOPLE.laura.name]);
    expect(face.subjects[0].similarity).toBeGreaterThanOrEqual(MATCH_SIMILARITY);
    expect(face.subjects[1].similarity).toBeLessThan(MATCH_SIMILARITY);

    const every = await call('POST', '/api/v1/recognition/recognize?prediction_count=-1&face_plugins=landmarks,calculator,age,gender&status=true', { body: photoForm({ file: labelled(PEOPLE.tom.third) }) });
    const f = every.body.result[0];
    expect(f.subjects).toHaveLength(2);
    expect(f.landmarks).toHaveLength(5);
    expect(f.embedding.length).toBeGreaterThanOrEqual(64);
    expect(f.age).toBeUndefined(); // unknown plugins are accepted and ignored
    expect(f.execution_time).toEqual({ detector: expect.any(Number), calculator: expect.any(Number) });
    expect(every.body.plugins_versions).toEqual({ detector: expect.stringContaining('@'), calculator: expect.stringContaining('@') });

    const group = await call('POST', '/api/v1/recognition/recognize?limit=2', { body: photoForm({ file: GROUP }) });
    const all = await call('POST', '/api/v1/recognition/recognize?limit=0', { body: photoForm({ file: GROUP }) });
    expect(all.body.result.length).toBeGreaterThan(2);
    expect(group.body.result).toHaveLength(2);
    const area = (b: Box) => (b.x_max - b.x_min) * (b.y_max - b.y_min);
    const biggest = all.body.result.map((x: { box: Box }) => area(x.box)).sort((a: number, b: number) => b - a).slice(0, 2);
    expect(group.body.result.map((x: { box: Box }) => area(x.box)).sort((a: number, b: number) => b - a)).toEqual(biggest);

    const strict = await call('POST', '/api/v1/recognition/recognize?det_prob_threshold=0.9999999', { body: photoForm({ file: labelled(PEOPLE.laura.third) }) });
    expect(strict).toMatchObject({ status: 400, body: { code: 28 } });
  });

  it('takes what Double Take sends (face_plugins=undefined, det_prob_threshold) and base64 JSON', async () => {
    const r = await call('POST', '/api/v1/recognition/recognize?face_plugins=undefined&det_prob_threshold=0.8', { body: photoForm({ file: labelled(PEOPLE.laura.third) }) });
    expect(r.status).toBe(200);
    expect(r.body.result[0].subjects[0]).toMatchObject({ subject: PEOPLE.laura.name });
    const b64 = await call('POST', '/api/v1/recognition/recognize', { body: base64Body({ file: labelled(PEOPLE.laura.third) }), type: 'application/json' });
    expect(b64.body.result[0].subjects[0].similarity).toBe(r.body.result[0].subjects[0].similarity);
  });

  it('answers errors as {message, code}: no face 28, more than one face 31, unknown subject 42, no key 20, scope 32', async () => {
    expect(await call('POST', '/api/v1/recognition/recognize', { body: photoForm({ file: NO_FACE }) })).toMatchObject({ status: 400, body: { code: 28, message: expect.stringContaining('No face is found in the given image') } });
    expect(await addExample('Someone', labelled(TWO_FACES))).toMatchObject({ status: 400, body: { code: 31, message: expect.stringContaining('More than one face') } });
    expect(await call('POST', '/api/v1/verification/verify', { body: photoForm({ source_image: labelled(TWO_FACES), target_image: labelled(PEOPLE.tom.third) }) })).toMatchObject({ status: 400, body: { code: 31 } });
    expect(await call('DELETE', '/api/v1/recognition/subjects/Nobody%20Here', { token: full })).toMatchObject({ status: 404, body: { code: 42, message: expect.stringContaining('Subject Nobody Here not found') } });
    expect(await call('GET', '/api/v1/recognition/subjects', { token: null })).toMatchObject({ status: 401, body: { code: 20, message: expect.stringContaining('x-api-key') } });
    expect(await call('GET', '/api/v1/recognition/subjects', { token: 'ftk_made-up' })).toMatchObject({ status: 401, body: { message: expect.stringContaining('not valid') } });
    expect(await call('GET', '/api/v1/recognition/nowhere')).toMatchObject({ status: 404, body: { code: 0 } });
    expect(await call('POST', '/api/v1/recognition/recognize?prediction_count=0', { body: photoForm({ file: labelled(STRANGER) }) })).toMatchObject({ status: 400, body: { code: 26, message: expect.stringContaining('prediction_count') } });
    expect(await call('DELETE', '/api/v1/recognition/subjects', { token: full })).toMatchObject({ status: 400, body: { message: expect.stringContaining('one by one') } });
    for (const [method, path, body] of [['PUT', `/api/v1/recognition/subjects/${encodeURIComponent(PEOPLE.tom.name)}`, '{"subject":"T"}'], ['DELETE', `/api/v1/recognition/subjects/${encodeURIComponent(PEOPLE.tom.name)}`]] as const) {
      const r = await call(method, path, { ...(body ? { body, type: 'application/json' } : {}) });
      expect(r, `${method} ${path}`).toMatchObject({ status: 403, body: { code: 32, message: expect.stringContaining('limited to recognition') } });
    }
    expect((await call('GET', '/api/v1/recognition/subjects')).body.subjects).toEqual([PEOPLE.laura.name, PEOPLE.tom.name]);
    // With the trailing slash of CompreFace's own examples too.
    expect((await call('GET', '/api/v1/recognition/subjects/')).body.subjects).toEqual([PEOPLE.laura.name, PEOPLE.tom.name]);
  });

  it('verify: the source face against every target face, with similarities on the same scale', async () => {
    const same = await call('POST', '/api/v1/verification/verify', { body: photoForm({ source_image: labelled(PEOPLE.tom.examples[0]), target_image: labelled(PEOPLE.tom.third) }) });
    expect(same.status).toBe(200);
    const [result] = same.body.result;
    expect(Object.keys(result).sort()).toEqual(['face_matches', 'source_image_face']);
    expect(result.source_image_face.box.probability).toBeGreaterThan(0.5);
    expect(result.face_matches).toHaveLength(1);
    expect(result.face_matches[0].similarity).toBeGreaterThanOrEqual(MATCH_SIMILARITY);
    const different = await call('POST', '/api/v1/verification/verify', { body: base64Body({ source_image: labelled(PEOPLE.tom.third), target_image: labelled(PEOPLE.laura.third) }), type: 'application/json' });
    expect(different.body.result[0].face_matches[0].similarity).toBeLessThan(MATCH_SIMILARITY);
    const group = await call('POST', '/api/v1/verification/verify?limit=3', { body: photoForm({ source_image: labelled(PEOPLE.tom.third), target_image: GROUP }) });
    expect(group.body.result[0].face_matches).toHaveLength(3);
  });

  it('examples: list, download, verify against one, delete by id and by subject; the library\'s own photos are never touched', async () => {
    // Tom also has photos in the library, indexed from a folder and put on him.
    const folder = join(t.root, 'library');
    mkdirSync(folder);
    copyFileSync(labelled(PEOPLE.tom.examples[1]), join(folder, 'tom-at-home.jpg'));
    copyFileSync(labelled('tom_hanks/5.jpg'), join(folder, 'tom-in-town.jpg'));
    await indexFolder(t.server.services, poolTransport(t.server.services, await t.server.services.analyser()), folder);
    const tom = (await t.catalog.findPersonByName(PEOPLE.tom.name))!;
    for (const f of await t.catalog.listFaces({ unassigned: true })) await t.catalog.moveFace(f.id, tom.id);
    const libraryFaces: number[] = [];
    for (const f of await t.catalog.listFaces({ personId: tom.id })) if ((await t.catalog.getPhoto(f.photoId))!.path.startsWith(folder)) libraryFaces.push(f.id);
    expect(libraryFaces).toHaveLength(2);

    const list = await call('GET', '/api/v1/recognition/faces?size=3');
    expect(list.body).toMatchObject({ page_number: 0, page_size: 3, total_pages: 2, total_elements: 4 });
    expect(list.body.faces).toHaveLength(3);
    const toms = await call('GET', `/api/v1/recognition/faces?subject=${encodeURIComponent(PEOPLE.tom.name)}`);
    expect(toms.body.faces.map((f: { subject: string }) => f.subject)).toEqual([PEOPLE.tom.name, PEOPLE.tom.name]);
    const [first, second] = toms.body.faces as Array<{ image_id: string }>;

    const img = await t.app.request(`/api/v1/recognition/faces/${first!.image_id}/img`, { headers: { 'x-api-key': key } });
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await img.arrayBuffer()).equals(readFileSync(labelled(PEOPLE.tom.examples[0])))).toBe(true);

    const verify = await call('POST', `/api/v1/recognition/faces/${first!.image_id}/verify`, { body: photoForm({ file: labelled(PEOPLE.tom.third) }) });
    expect(verify.body.result[0].similarity).toBeGreaterThanOrEqual(MATCH_SIMILARITY);

    const photoOf = (await t.catalog.getFace(fromImageId(first!.image_id)!))!.photoId;
    const uploaded = (await t.catalog.getPhoto(photoOf))!.path;
    expect(await call('DELETE', `/api/v1/recognition/faces/${first!.image_id}`)).toMatchObject({ status: 200, body: { image_id: first!.image_id, subject: PEOPLE.tom.name } });
    expect(existsSync(uploaded)).toBe(false);
    expect(await t.catalog.getPhoto(photoOf)).toBeNull();
    expect(await call('DELETE', `/api/v1/recognition/faces/${first!.image_id}`)).toMatchObject({ status: 404, body: { code: 44 } });

    expect((await call('POST', '/api/v1/recognition/faces/delete', { body: JSON.stringify([second!.image_id, 'unknown']), type: 'application/json' })).body)
      .toEqual([{ image_id: second!.image_id, subject: PEOPLE.tom.name }]);
    expect(await call('DELETE', `/api/v1/recognition/faces?subject=${encodeURIComponent(PEOPLE.laura.name)}`)).toMatchObject({ status: 200, body: { deleted: 2 } });
    expect((await call('GET', '/api/v1/recognition/faces')).body.total_elements).toBe(0);

    // Tom, his library photos and his name stay, and he is still recognised from them: the
    // server's index notices within 5 s that another writer (the folder index) added faces.
    const left = await t.catalog.listFaces({ personId: tom.id });
    expect(left.map((f) => f.id).sort()).toEqual(libraryFaces.sort());
    await new Promise((r) => setTimeout(r, 5100));
    const r = await call('POST', '/api/v1/recognition/recognize', { body: photoForm({ file: labelled(PEOPLE.tom.third) }) });
    expect(r.body.result[0].subjects[0]).toMatchObject({ subject: PEOPLE.tom.name });
  });

  it('subjects with a full token: add, rename (merging into an existing name), delete with their faces', async () => {
    expect(await call('POST', '/api/v1/recognition/subjects', { body: '{"subject":"Ada Example"}', type: 'application/json' })).toMatchObject({ status: 201, body: { subject: 'Ada Example' } });
    expect(await call('POST', '/api/v1/recognition/subjects', { body: '{"subject":"Ada Example"}', type: 'application/json' })).toMatchObject({ status: 400, body: { code: 43 } });
    expect((await call('GET', '/api/v1/recognition/subjects')).body.subjects).toContain('Ada Example');
    expect(await call('PUT', '/api/v1/recognition/subjects/Ada%20Example', { body: '{"subject":"Ada Lovelace"}', type: 'application/json', token: full })).toMatchObject({ status: 200, body: { updated: true } });
    expect((await call('GET', '/api/v1/recognition/subjects')).body.subjects).toEqual(expect.arrayContaining(['Ada Lovelace']));
    const tom = (await t.catalog.findPersonByName(PEOPLE.tom.name))!;
    const faces = tom.faceCount;
    expect(await call('DELETE', `/api/v1/recognition/subjects/${encodeURIComponent(PEOPLE.tom.name)}`, { token: full })).toMatchObject({ status: 200, body: { subject: PEOPLE.tom.name } });
    expect(faces).toBeGreaterThan(0);
    expect(await t.catalog.getPerson(tom.id)).toBeNull();
    expect((await call('GET', '/api/v1/recognition/subjects')).body.subjects).not.toContain(PEOPLE.tom.name);
  });
});
