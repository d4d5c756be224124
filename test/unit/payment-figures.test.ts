import { describe, expect, it } from 'vitest';
import { secondsLeft, settledRate } from '../../domain/payment-figures';

describe('rate and time left of a payment run', () => {
  it('measures payments settled a second over the last ten seconds only', () => {
    const samples = [
      { at: 0, settled: 0 },
      { at: 5_000, settled: 1_000 },
      { at: 10_000, settled: 1_500 },
      { at: 15_000, settled: 3_500 },
    ];
    // From 5 s to 15 s: 2,500 payments in 10 s; the first sample is older than the window.
    expect(settledRate(samples)).toBe(250);
  });

  it('has no rate from one sample or samples too close together, and never a negative one', () => {
    expect(settledRate([])).toBeNull();
    expect(settledRate([{ at: 0, settled: 10 }])).toBeNull();
    expect(settledRate([{ at: 0, settled: 10 }, { at: 100, settled: 20 }])).toBeNull();
    // A retry puts a failed payment back in flight: fewer settled than before.
    expect(settledRate([{ at: 0, settled: 10 }, { at: 1_000, settled: 9 }])).toBe(0);
  });

  it('time left is what is in flight over the rate; unknown while nothing moves, zero when nothing is left', () => {
    expect(secondsLeft(1_000, 250)).toBe(4);
    expect(secondsLeft(1_001, 250)).toBe(5);
    expect(secondsLeft(10, null)).toBeNull();
    expect(secondsLeft(10, 0)).toBeNull();
    expect(secondsLeft(0, null)).toBe(0);
  });
});
