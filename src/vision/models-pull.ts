import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import type { ModelEntry } from './model-manifest.js';
import { createModelSession } from './onnx-session.js';

export interface PullOptions {
  /** Fetch from here instead of the manifest's URL (a mirror). */
  url?: string;
  /** @default 120000 */
  timeoutMs?: number;
}

/**
 * Downloads a model into `modelsDir`, then checks its size, its pinned sha256 and that ONNX
 * Runtime loads it with the input the manifest describes. Only a file that passes every check
 * is moved into place: a failed pull leaves nothing behind.
 */
export async function pullModel(entry: ModelEntry, modelsDir: string, options: PullOptions = {}): Promise<{ path: string; bytes: number }> {
  const url = options.url ?? ('url' in entry.source ? entry.source.url : null);
  if (!url) throw new AppError('USAGE', `model ${entry.id} is installed by \`npm ci\`, not pulled`);
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
