import { CompreFace } from '@exadel/compreface-js-sdk';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personalDataInLogs } from '../helpers/logs.js';
import { labelled, NO_FACE, PEOPLE, photoForm, STRANGER } from '../helpers/recognition.js';
import { startServe, type RunningServe } from '../helpers/serve.js';
import { requireShared, SHARED_FACES } from '../helpers/shared.js';

/** Double Take's defaults: `detect.match.confidence` 60 (%), the compreface detector's det_prob_threshold 0.8. */
const DOUBLE_TAKE = { matchConfidence: 60, detProbThreshold: 0.8 };

/**
 * The SDK takes a file as a path only when it starts with "." (else it sends the string itself):
 * hand it the photo's path relative to the working directory, as its README shows.
 */
const sdkPath = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('.') ? rel : `./${rel}`;
};

type Recognition = { result: Array<{ box: { probability: number; x_min: number; y_min: number; x_max: number; y_max: number }; subjects: Array<{ subject: string; similarity: number }> }> };
type Subjects = { list<T>(): Promise<T>; delete<T>(subject: string): Promise<T> };
/** The SDK's type declarations name `subjectFunctions()`; its code has `getSubjects()`. */
const subjectsOf = (service: unknown) => (service as { getSubjects(): Subjects }).getSubjects();
const failure = async (p: Promise<unknown>) => {
  const e = (await p.then(() => null, (error: unknown) => error)) as { response?: { status: number; data: { message: string; code: number } } } | null;
  if (!e?.response) throw new Error('expected the SDK call to fail with an HTTP error');
  return e.response;
};

describe.skipIf(!requireShared(SHARED_FACES, 'CompreFace SDK against facetag'))('the official CompreFace JavaScript SDK against a real `facetag serve`', () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-compreface-'));
  const data = join(root, 'data');
  let server: RunningServe;
  let url: string;
  let port: number;
  let recognitionKey: string;
  let fullKey: string;

  beforeAll(async () => {
    server = await startServe(data);
    ({ url, port } = server);
    recognitionKey = await server.token('double take', 'recognition');
    fullKey = await server.token('admin script', 'full');
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('adds examples of two people, recognises a third photo of each, verifies two photos, lists and deletes subjects', async () => {
    const compreFace = new CompreFace('http://127.0.0.1', port);
    const recognition = compreFace.initFaceRecognitionService(recognitionKey);

    // Examples: the SDK uploads each photo as multipart `file` to /api/v1/recognition/faces?subject=
    for (const p of [PEOPLE.tom, PEOPLE.laura]) {
      for (const file of p.examples) {
        const added = await recognition.getFaceCollection().add<{ image_id: string; subject: string }>(sdkPath(labelled(file)), p.name);
        expect(added).toEqual({ image_id: expect.stringMatching(/^[0-9a-f-]{36}$/), subject: p.name });
      }
    }

    // A third photo of each: the right person first, a match at Double Take's default confidence.
    for (const p of [PEOPLE.tom, PEOPLE.laura]) {
      const r = await recognition.recognize<Recognition>(sdkPath(labelled(p.third)), { limit: 0, prediction_count: 2 });
      expect(r.result).toHaveLength(1);
      const [best, other] = r.result[0]!.subjects;
      expect(best!.subject).toBe(p.name);
      expect(best!.similarity * 100).toBeGreaterThanOrEqual(DOUBLE_TAKE.matchConfidence);
      expect(other!.similarity * 100).toBeLessThan(DOUBLE_TAKE.matchConfidence);
      expect(r.result[0]!.box.x_max).toBeGreaterThan(r.result[0]!.box.x_min);
    }
    const stranger = await recognition.recognize<Recognition>(sdkPath(labelled(STRANGER)), { limit: 0 });
    expect(stranger.result[0]!.subjects[0]!.similarity * 100).toBeLessThan(DOUBLE_TAKE.matchConfidence);

    // Verification: two photos of one person, then of two people.
    const verification = compreFace.initFaceVerificationService(recognitionKey);
    type Verified = { result: Array<{ source_image_face: { box: object }; face_matches: Array<{ similarity: number }> }> };
    const same = await verification.verify<Verified>(sdkPath(labelled(PEOPLE.tom.examples[0])), sdkPath(labelled(PEOPLE.tom.third)), { limit: 0 });
    expect(same.result[0]!.face_matches[0]!.similarity).toBeGreaterThanOrEqual(0.6);
    const different = await verification.verify<Verified>(sdkPath(labelled(PEOPLE.tom.third)), sdkPath(labelled(PEOPLE.laura.third)), { limit: 0 });
    expect(different.result[0]!.face_matches[0]!.similarity).toBeLessThan(0.6);

    // Subjects and examples.
    expect(await subjectsOf(recognition).list()).toEqual({ subjects: [PEOPLE.laura.name, PEOPLE.tom.name].sort() });
    const collection = await recognition.getFaceCollection().list<{ faces: Array<{ image_id: string; subject: string }>; total_elements: number }>();
    expect(collection.total_elements).toBe(4);
    expect(collection.faces.filter((f) => f.subject === PEOPLE.tom.name)).toHaveLength(2);

    // A token scoped to recognition may not delete people; a full one may.
    const refused = await failure(subjectsOf(recognition).delete(PEOPLE.tom.name));
    expect(refused.status).toBe(403);
    expect(refused.data).toEqual({ code: 32, message: expect.stringContaining('limited to recognition') });
    const admin = compreFace.initFaceRecognitionService(fullKey);
    expect(await subjectsOf(admin).delete(PEOPLE.tom.name)).toEqual({ subject: PEOPLE.tom.name });
    expect(await subjectsOf(recognition).list()).toEqual({ subjects: [PEOPLE.laura.name] });
    const after = await recognition.recognize<Recognition>(sdkPath(labelled(PEOPLE.tom.third)), { limit: 0 });
    expect(after.result[0]!.subjects.map((s) => s.subject)).not.toContain(PEOPLE.tom.name);

    // Untraining (Double Take's "remove") deletes the examples of a subject.
    expect(await recognition.getFaceCollection().delete_all_subject(PEOPLE.laura.name)).toEqual({ deleted: 2 });
  });

  it('answers Double Take\'s request (multipart file, face_plugins=undefined, det_prob_threshold) and its "no face" code', async () => {
    const send = (path: string) => fetch(`${url}/api/v1/recognition/recognize?face_plugins=undefined&det_prob_threshold=${DOUBLE_TAKE.detProbThreshold}`, {
      method: 'POST', headers: { 'x-api-key': recognitionKey }, body: photoForm({ file: path }, 'latest.jpg'),
    });
    const noFace = await send(NO_FACE);
    expect(noFace.status).toBe(400);
    expect(await noFace.json()).toMatchObject({ code: 28 }); // Double Take: "no face", not a failure
    const stranger = await send(labelled(STRANGER));
    expect(stranger.status).toBe(200);
    expect(((await stranger.json()) as Recognition).result).toHaveLength(1);
  });

  it('keeps nothing about the photos sent (file names, names, faces) in its logs', async () => {
    // A photo under a telling name, through the SDK (which sends the file's own name).
    const telling = join(root, 'front-door-2024-06-01-grandma-visit.jpg');
    copyFileSync(labelled(PEOPLE.laura.third), telling);
    const recognition = new CompreFace('http://127.0.0.1', port).initFaceRecognitionService(recognitionKey);
    await recognition.recognize<Recognition>(sdkPath(telling), { limit: 0 });
    await server.stop();
    const logs = join(data, 'logs');
    expect(readdirSync(logs).length).toBeGreaterThan(0);
    expect(personalDataInLogs(logs, ['front-door', 'grandma', PEOPLE.tom.name, PEOPLE.laura.name, 'tom_hanks', 'laura_bush', 'yao_ming', '.jpg', 'x_min', 'similarity'])).toEqual([]);
  });
});
