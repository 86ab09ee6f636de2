import { describe, expect, it } from 'vitest';
import { createProgressBar } from './progress.js';

const stream = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 100, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WritableStream & { isTTY: boolean; chunks: string[] };
};

describe('progress bar', () => {
  it('draws in place on a terminal and ends with a newline', () => {
    const out = stream(true);
    const bar = createProgressBar(out, true);
    bar.update({ total: 4, done: 4, failed: 1, faces: 7 });
    bar.finish();
    const text = (out as unknown as { chunks: string[] }).chunks.join('');
    expect(text).toMatch(/^\r\[#+\] 4\/4 photos {2}7 faces {2}1 failed/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('stays silent when piped or with --json', () => {
    for (const [tty, enabled] of [[false, true], [true, false]] as const) {
      const out = stream(tty);
      const bar = createProgressBar(out, enabled);
      bar.update({ total: 2, done: 1, failed: 0, faces: 1 });
      bar.finish();
      expect((out as unknown as { chunks: string[] }).chunks).toEqual([]);
    }
  });
});
