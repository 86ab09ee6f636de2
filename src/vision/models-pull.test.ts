import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel, type ModelEntry } from './model-manifest.js';
import { pullModel } from './models-pull.js';
import { resolveModel } from './model-registry.js';
import { SHARED_MODELS, requireShared } from '../../test/helpers/shared.js';

const yunetFile = join(SHARED_MODELS, 'face_detection_yunet_2023mar.onnx');
const dynamicFile = join(SHARED_MODELS, 'yunet_s_dynamic.onnx');

describe.skipIf(!requireShared(SHARED_MODELS, 'models pull'))('facetag models pull (against a local HTTP server)', () => {
  let server: Server;
  let base = '';
  const yunet = findModel('yunet-2023mar')!;

  beforeAll(async () => {
    const good = readFileSync(yunetFile);
    const other = readFileSync(dynamicFile);
    server = createServer((req, res) => {
      if (req.url === '/good.onnx') return res.end(good);
      if (req.url === '/other.onnx') return res.end(other);
      if (req.url === '/truncated.onnx') {
        // Announce the whole length, send a third, then cut the connection.
        res.writeHead(200, { 'content-length': String(good.length) });
        res.write(good.subarray(0, Math.floor(good.length / 3)));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      res.statusCode = 404;
      res.end('no such model');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const emptyDir = () => mkdtempSync(join(tmpdir(), 'facetag-models-'));

  it('downloads, checks size, sha256 and input shape, then installs and resolves', async () => {
    const dir = emptyDir();
    const result = await pullModel(yunet, dir, { url: `${base}/good.onnx` });
    expect(result.bytes).toBe(yunet.bytes);
    expect(createHash('sha256').update(readFileSync(result.path)).digest('hex')).toBe(yunet.sha256);
    expect(resolveModel('yunet-2023mar', dir, 'detector').installed).toBe(true);
    expect(readdirSync(dir)).toEqual([yunet.file]);
  });

  it('a wrong checksum installs nothing', async () => {
    const dir = emptyDir();
    const wrongSize: ModelEntry = { ...yunet, bytes: readFileSync(dynamicFile).length };
    await expect(pullModel(wrongSize, dir, { url: `${base}/other.onnx` })).rejects.toMatchObject({ code: 'MODEL_CHECKSUM' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a truncated download installs nothing', async () => {
    const dir = emptyDir();
    await expect(pullModel(yunet, dir, { url: `${base}/truncated.onnx` })).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a model with the wrong input shape installs nothing', async () => {
    const dir = emptyDir();
    const bytes = readFileSync(dynamicFile);
    const lookalike: ModelEntry = { ...yunet, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    await expect(pullModel(lookalike, dir, { url: `${base}/other.onnx` })).rejects.toThrow(/input input of shape \["batch",3,"height","width"\], expected input \[1,3,640,640\]/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an HTTP error and an unreachable server are clear errors', async () => {
    const dir = emptyDir();
    await expect(pullModel(yunet, dir, { url: `${base}/missing.onnx` })).rejects.toThrow(/HTTP 404/);
    await expect(pullModel(yunet, dir, { url: 'http://127.0.0.1:1/x.onnx', timeoutMs: 2000 })).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD' });
    expect(existsSync(join(dir, yunet.file))).toBe(false);
  });
});
