import { describe, expect, it } from 'vitest';
import {
  canMovePayment,
  classifyAgencyHttpStatus,
  isPaid,
  isPaymentAmount,
  parsePaymentIdempotencyKey,
  paymentIdempotencyKey,
  PAYMENT_STATUSES,
} from '../../domain/payments';

const cycleId = '0b6f3c1e-6f59-4c1b-9d0e-2f1f8b7c9a10';

describe('payment statuses', () => {
  it('a payment goes pending → submitted → confirmed, and a wallet credited can be cashed out', () => {
    expect(canMovePayment('pending', 'submitted')).toBe(true);
    expect(canMovePayment('submitted', 'confirmed')).toBe(true);
    expect(canMovePayment('confirmed', 'credited')).toBe(true);
    expect(canMovePayment('credited', 'cashed-out')).toBe(true);
  });

  it('a paid household can never go back to pending, fail or be cancelled: it would be paid twice', () => {
    for (const paid of PAYMENT_STATUSES.filter(isPaid)) {
      for (const to of ['pending', 'submitted', 'ambiguous', 'failed', 'cancelled'] as const) expect(canMovePayment(paid, to)).toBe(false);
    }
  });

  it('an ambiguous payment is settled by the agency answer, never cancelled or retried blindly', () => {
    expect(canMovePayment('ambiguous', 'confirmed')).toBe(true);
    expect(canMovePayment('ambiguous', 'failed')).toBe(true);
    expect(canMovePayment('ambiguous', 'pending')).toBe(true);
    expect(canMovePayment('ambiguous', 'cancelled')).toBe(false);
  });

  it('only a failed or pending payment can be cancelled, and cancelled is final', () => {
    expect(canMovePayment('failed', 'cancelled')).toBe(true);
    expect(canMovePayment('pending', 'cancelled')).toBe(true);
    expect(canMovePayment('submitted', 'cancelled')).toBe(false);
    for (const to of PAYMENT_STATUSES) expect(canMovePayment('cancelled', to)).toBe(false);
  });
});

describe('agency answers', () => {
  it('a timeout or a 5xx may have paid: ambiguous; 429 is transient; 4xx is permanent', () => {
    expect(classifyAgencyHttpStatus(0)).toBe('ambiguous');
    expect(classifyAgencyHttpStatus(502)).toBe('ambiguous');
    expect(classifyAgencyHttpStatus(429)).toBe('transient');
    expect(classifyAgencyHttpStatus(422)).toBe('permanent');
    expect(classifyAgencyHttpStatus(201)).toBe('ok');
  });
});

describe('idempotency keys', () => {
  it('the same household, tranche and generation always give the same key; a new generation a new one', () => {
    const parts = { cycleId, rsuId: 'RSU-000123', tranche: 1, generation: 0 };
    expect(paymentIdempotencyKey(parts)).toBe(paymentIdempotencyKey({ ...parts }));
    expect(paymentIdempotencyKey({ ...parts, generation: 1 })).not.toBe(paymentIdempotencyKey(parts));
    expect(paymentIdempotencyKey({ ...parts, tranche: 2 })).not.toBe(paymentIdempotencyKey(parts));
    expect(parsePaymentIdempotencyKey(paymentIdempotencyKey(parts))).toEqual(parts);
    expect(paymentIdempotencyKey(parts).length).toBeLessThanOrEqual(80);
  });

  it('refuses a tranche, generation or id that would make an ambiguous key', () => {
    expect(() => paymentIdempotencyKey({ cycleId, rsuId: 'x', tranche: 0, generation: 0 })).toThrow(RangeError);
    expect(() => paymentIdempotencyKey({ cycleId, rsuId: 'x', tranche: 1, generation: -1 })).toThrow(RangeError);
    expect(() => paymentIdempotencyKey({ cycleId, rsuId: 'a b', tranche: 1, generation: 0 })).toThrow(RangeError);
    expect(parsePaymentIdempotencyKey('someone-else')).toBeUndefined();
  });

  it('amounts are positive whole FCFA', () => {
    expect(isPaymentAmount(90_000)).toBe(true);
    expect(isPaymentAmount(0)).toBe(false);
    expect(isPaymentAmount(90_000.5)).toBe(false);
  });
});
