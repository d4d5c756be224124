import { describe, expect, it } from 'vitest';
import { WORKER_HEAP_MB, workerNodeArgs } from '../../worker/heap';

describe("the worker's heap limit", () => {
  it('is the default unless JIGI_WORKER_HEAP_MB sets it; a value that is not a sane number of MB is refused by name', () => {
    expect(workerNodeArgs({})).toEqual([`--max-old-space-size=${WORKER_HEAP_MB}`]);
    expect(workerNodeArgs({ JIGI_WORKER_HEAP_MB: '512' })).toEqual(['--max-old-space-size=512']);
    for (const bad of ['lots', '12', '300.5', '']) expect(() => workerNodeArgs({ JIGI_WORKER_HEAP_MB: bad })).toThrow(/JIGI_WORKER_HEAP_MB/);
  });
});
