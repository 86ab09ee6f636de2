import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every line of every log file in `dir` (rotated ones included), parsed; a line that is not JSON fails. */
export function readLogLines(dir: string): Array<{ file: string; text: string; line: Record<string, unknown> }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .flatMap((file) =>
      readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).map((text) => ({ file, text, line: JSON.parse(text) as Record<string, unknown> })),
    );
}

/**
 * The log lines that carry any of `secrets` (person names, folder and file names, passwords)
 * or what looks like an embedding (a run of several decimals); empty when the logs are clean.
 */
export function personalDataInLogs(dir: string, secrets: string[]): string[] {
  const embedding = /-?\d\.\d{3,}\s*,\s*-?\d\.\d{3,}\s*,\s*-?\d\.\d{3,}/;
  const lower = secrets.map((s) => s.toLowerCase());
  return readLogLines(dir)
    .filter(({ text }) => embedding.test(text) || lower.some((s) => text.toLowerCase().includes(s)))
    .map(({ file, text }) => `${file}: ${text}`);
}
