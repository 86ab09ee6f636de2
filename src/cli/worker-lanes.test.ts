import { describe, expect, it } from 'vitest';
import { workerLanes } from './worker-command.js';

describe('a worker\'s jobs and analysis threads', () => {
  it('runs two jobs on each thread, a thread per core by default', () => {
    expect(workerLanes(undefined, 2)).toEqual({ threads: 2, concurrency: 4 });
    expect(workerLanes(undefined, 20)).toEqual({ threads: 20, concurrency: 40 });
  });

  it('runs N jobs on N/2 threads, rounded up, never more threads than cores', () => {
    expect(workerLanes(1, 8)).toEqual({ threads: 1, concurrency: 1 });
    expect(workerLanes(3, 8)).toEqual({ threads: 2, concurrency: 3 });
    expect(workerLanes(8, 2)).toEqual({ threads: 2, concurrency: 8 });
  });
});
