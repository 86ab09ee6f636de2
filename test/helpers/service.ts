import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFacetag } from './cli.js';

export interface RunningService {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `facetag service detection|embedding` on 127.0.0.1 (a free port unless `port` is
 * given) as a real process, and resolves once it prints its URL.
 */
export function startService(which: 'detection' | 'embedding', opts: { port?: number; host?: string; env?: Record<string, string> } = {}): Promise<RunningService> {
  const data = mkdtempSync(join(tmpdir(), `facetag-${which}-`));
  const child = startFacetag(['service', which, '--host', opts.host ?? '127.0.0.1', '--port', String(opts.port ?? 0), '--data', data], { env: { FACETAG_LOG_LEVEL: 'warn', ...opts.env } });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /service: (http:\/\/[^ ]+?):(\d+)\//.exec(out);
      if (m) {
        resolve({
          url: `${m[1]}:${m[2]}`, port: Number(m[2]), child,
          stop: () => new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`facetag service ${which} exited with ${code} before listening:\n${out}\n${err}`)));
  });
}
