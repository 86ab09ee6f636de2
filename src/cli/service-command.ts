import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { analyserOptions } from '../context.js';
import { logsDir } from '../data-folder.js';
import { AppError } from '../errors.js';
import { createLogger } from '../log.js';
import { logMallocArenaCap } from '../malloc-arenas.mjs';
import { createDetectionService } from '../services/detection-service.js';
import { createEmbeddingService } from '../services/embedding-service.js';
import { createAnalysisPool } from '../vision/analysis-pool.js';
import type { Command } from './io.js';
import { listen } from '../server/listen.js';

const HELP = `Usage: facetag service detection|embedding [--host H] [--port N]

Runs one of a worker's inference services over HTTP (OpenAPI document at /openapi.json,
health at /healthz, Prometheus metrics at /metrics):

  detection   POST /v1/detect with an image: faces, landmarks, scores, quality
              (services.detectionPort, default 5001)
  embedding   POST /v1/embed with aligned faces or an image and boxes: embeddings
              (services.embeddingPort, default 5002)

  --host H    address to bind (services.host, default 127.0.0.1: this machine only)
  --port N    port (0 picks a free one)

Callers send \`Authorization: Bearer <token>\` when services.token (FACETAG_SERVICES_TOKEN) is set.`;

const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

export const serviceCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [which, extra] = positionals;
  if (values.help || !which) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  if (which !== 'detection' && which !== 'embedding') throw new AppError('USAGE', `unknown service "${which}"; run \`facetag service detection\` or \`facetag service embedding\``);
  if (extra !== undefined) throw new AppError('USAGE', `service ${which} takes no more arguments, got "${extra}"`);
  const portKey = which === 'detection' ? 'detectionPort' : 'embeddingPort';
  const config = load({ services: { host: values.host, [portKey]: values.port } });
  const { host, maxBodyBytes, token } = config.services;
  const wanted = config.services[portKey];
  const log = createLogger({ ...config.log, dir: logsDir(config), component: `${which}-service` });
  logMallocArenaCap(log);
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  // Requests are analysed on a thread per core (each with its own models), not on the thread that serves HTTP.
  const analyser = await createAnalysisPool(analyserOptions(config), availableParallelism());
  let stopped: () => void = () => {};
  const stop = () => stopped();
  try {
    const service = which === 'detection'
      ? createDetectionService({ analyser, log, maxBodyBytes, token, version })
      : createEmbeddingService({ analyser, log, maxBodyBytes, token, version });
    const http = await listen(service.app.fetch, host, wanted, `FACETAG_SERVICES_${portKey === 'detectionPort' ? 'DETECTION' : 'EMBEDDING'}_PORT`);
    const port = http.port;
    io.stdout.write(`facetag ${which} service: ${http.origin}/ (${which === 'detection' ? analyser.detectorId : analyser.embedderId})\n`);
    if (!loopback(host) && !token) io.stderr.write(`warning: the ${which} service listens on ${host} with no services.token; only the firewall (facetag cluster firewall) keeps other machines out\n`);
    log.info({ port, host, service: which }, 'service listening');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise<void>((resolve) => (stopped = resolve));
    await http.close();
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await analyser.close();
    log.flush();
  }
};
