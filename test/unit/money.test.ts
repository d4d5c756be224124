import { describe, expect, it } from 'vitest';
import { formatFcfa, isFcfa, multiplyFcfa, MONTHLY_TRANSFER_FCFA, sumFcfa } from '../../domain/money';

describe('FCFA amounts', () => {
  it('the emergency transfer is six monthly transfers: 90,000 FCFA', () => {
    expect(multiplyFcfa(MONTHLY_TRANSFER_FCFA, 6)).toBe(90_000);
  });

  it('a million households at 90,000 FCFA stays an exact integer', () => {
    expect(multiplyFcfa(90_000, 1_000_000)).toBe(90_000_000_000);
    expect(sumFcfa([2_659_000_000, 12_886_000_000])).toBe(15_545_000_000);
  });

  it('refuses fractions, negatives and totals beyond exact integers', () => {
    expect(isFcfa(90_000)).toBe(true);
    expect(isFcfa(90_000.5)).toBe(false);
    expect(isFcfa(-1)).toBe(false);
    expect(() => multiplyFcfa(Number.MAX_SAFE_INTEGER, 2)).toThrow(RangeError);
    expect(() => sumFcfa([Number.MAX_SAFE_INTEGER, 1])).toThrow(RangeError);
  });

  it('formats French first, English second', () => {
    expect(formatFcfa(90_000_000_000, 'fr').replace(/\s/g, ' ')).toBe('90 000 000 000 FCFA');
    expect(formatFcfa(90_000, 'en')).toBe('90,000 FCFA');
  });
});
