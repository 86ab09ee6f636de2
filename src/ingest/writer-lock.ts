import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';

/**
 * A catalog has one writer: the index run, in every mode. A second run on the same data folder
 * would cluster against a vector index that misses the other's faces, so it is refused. A lock
 * left by a process that died is taken over.
 */
export function acquireWriterLock(dataDir: string): { release(): void } {
  const file = join(dataDir, 'writer.lock');
  mkdirSync(dataDir, { recursive: true });
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new AppError('CONFLICT', `another facetag process (pid ${pid}) is indexing into this data folder; one index run writes a catalog at a time: let it finish (or stop it), then run again`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new AppError('CONFLICT', `could not take the writer lock ${file}; remove it if no facetag process is running`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
