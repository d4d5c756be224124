import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../activities/adapters/token-bucket';

describe('token bucket (an agency request rate)', () => {
  it('allows its burst at once, then one request per 1/rate second: never above the agency rate', () => {
    let now = 0;
    const bucket = new TokenBucket(20, 20, () => now);
    for (let i = 0; i < 20; i += 1) expect(bucket.tryTake().ok).toBe(true);
    expect(bucket.tryTake()).toEqual({ ok: false, waitMs: 50 });
    now += 50;
    expect(bucket.tryTake().ok).toBe(true);
    expect(bucket.tryTake().ok).toBe(false);
  });

  it('does not save up more than its burst while idle', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 10, () => now);
    now += 60_000;
    let taken = 0;
    while (bucket.tryTake().ok) taken += 1;
    expect(taken).toBe(10);
  });

  it('queued callers wait their turn: 30 takes at 100 a second past a burst of 10 take about 200 ms', async () => {
    const bucket = new TokenBucket(100, 10);
    const started = performance.now();
    await Promise.all(Array.from({ length: 30 }, () => bucket.take()));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});
