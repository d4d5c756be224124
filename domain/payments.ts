// Payments: one per (cycle, household, tranche), sent to a payment agency under an idempotency key.
import type { Fcfa } from './money';
import { isFcfa } from './money';

export const AGENCY_KINDS = ['mobile-money', 'bank'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

/**
 * pending: in the ledger with its idempotency key, not known to the agency.
 * submitted: the agency accepted it and gave a reference, not yet paid.
 * confirmed: the agency reports it paid (for mobile money, the wallet credited).
 * credited → cashed-out: where the agency reports it, the household took the cash from an agent.
 * ambiguous: sent, but no readable answer (timeout, 5xx): settled by asking the status with the same key.
 * failed: the agency refused or failed it, with a reason. cancelled: an operator stopped it.
 */
export const PAYMENT_STATUSES = ['pending', 'submitted', 'ambiguous', 'confirmed', 'credited', 'cashed-out', 'failed', 'cancelled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  pending: ['submitted', 'ambiguous', 'confirmed', 'failed', 'cancelled'],
  submitted: ['confirmed', 'failed', 'ambiguous'],
  // Settling: the agency has it (submitted/confirmed/failed) or never got it (back to pending, same key).
  ambiguous: ['pending', 'submitted', 'confirmed', 'failed'],
  confirmed: ['credited', 'cashed-out'],
  credited: ['cashed-out'],
  'cashed-out': [],
  // A retry or a re-route goes back to pending under the next generation's key.
  failed: ['pending', 'cancelled'],
  cancelled: [],
};

export function canMovePayment(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses in which the household has been paid: counted in disbursed amounts, never paid again. */
export const PAID_STATUSES: readonly PaymentStatus[] = ['confirmed', 'credited', 'cashed-out'];
export function isPaid(status: PaymentStatus): boolean {
  return PAID_STATUSES.includes(status);
}

/** Statuses that still need the agency: the batch activity works on these. */
export const OPEN_STATUSES: readonly PaymentStatus[] = ['pending', 'submitted', 'ambiguous'];

/**
 * A payment list: one commune × agency × tranche, declared (count and total per funding source) before
 * it is built; released only once built matches declared and the release controls are signed.
 */
export const PAYMENT_LIST_STATUSES = ['declared', 'built', 'released', 'closed', 'cancelled'] as const;
export type PaymentListStatus = (typeof PAYMENT_LIST_STATUSES)[number];

/** Why an agency refused or failed a payment; each is shown to payment operators in the failed queue. */
export const FAILURE_REASONS = ['invalid-account', 'daily-limit', 'account-blocked', 'rejected'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * How the batch activity treats an agency's answer: permanent marks the payment failed and goes on;
 * transient lets Temporal retry with backoff; ambiguous means the agency may have paid, so the status
 * is asked with the same key before anything is sent again.
 */
export type AgencyOutcomeKind = 'permanent' | 'transient' | 'ambiguous';

/** An HTTP answer from an agency, classified. Timeouts and unreadable bodies are passed as status 0. */
export function classifyAgencyHttpStatus(status: number): AgencyOutcomeKind | 'ok' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 0 || status >= 500) return 'ambiguous';
  // 429 and 408 say "not now": nothing was committed.
  if (status === 429 || status === 408) return 'transient';
  return 'permanent';
}

export interface PaymentKeyParts {
  cycleId: string;
  rsuId: string;
  /** 1 for the cycle's first tranche. */
  tranche: number;
  /** 0 for the first send; an operator's retry of a failed payment or a re-route takes the next. */
  generation: number;
}

/**
 * The idempotency key sent to the agency. The same (cycle, household, tranche, generation) always
 * gives the same key, so a resubmission after a crash or a timeout can never pay twice; a new key is
 * only made by an operator's retry or re-route of a payment known failed (never of an ambiguous one).
 * Plain ASCII, at most 80 characters with uuid cycle ids, which agencies' key headers accept.
 */
export function paymentIdempotencyKey({ cycleId, rsuId, tranche, generation }: PaymentKeyParts): string {
  if (!KEY_PART.test(rsuId)) throw new RangeError('cycle and household ids must be plain ASCII');
  const { prefix, suffix } = paymentKeyAffixes({ cycleId, tranche, generation });
  return `${prefix}${rsuId}${suffix}`;
}

/** What an id must match to be part of a key (as a Postgres regular expression too). */
export const PAYMENT_KEY_PART_PATTERN = '^[A-Za-z0-9-]+$';
const KEY_PART = new RegExp(PAYMENT_KEY_PART_PATTERN);

/**
 * The key around the household id: `prefix + rsuId + suffix` is paymentIdempotencyKey's answer, so a
 * list built in SQL writes the same keys without a row leaving the database.
 */
export function paymentKeyAffixes({ cycleId, tranche, generation }: Omit<PaymentKeyParts, 'rsuId'>): { prefix: string; suffix: string } {
  if (!Number.isSafeInteger(tranche) || tranche < 1) throw new RangeError(`tranche must be a positive integer: ${tranche}`);
  if (!Number.isSafeInteger(generation) || generation < 0) throw new RangeError(`generation must be a non-negative integer: ${generation}`);
  if (!KEY_PART.test(cycleId)) throw new RangeError('cycle and household ids must be plain ASCII');
  return { prefix: `jigi-${cycleId}-`, suffix: `-t${tranche}-g${generation}` };
}

/** Reads a key back into its parts; undefined for a key Jigi did not make. */
export function parsePaymentIdempotencyKey(key: string): PaymentKeyParts | undefined {
  const match = /^jigi-([0-9a-fA-F-]{36})-([A-Za-z0-9-]+)-t(\d+)-g(\d+)$/.exec(key);
  if (!match) return undefined;
  return { cycleId: match[1]!, rsuId: match[2]!, tranche: Number(match[3]), generation: Number(match[4]) };
}

export function isPaymentAmount(amount: Fcfa): boolean {
  return isFcfa(amount) && amount > 0;
}

/** Progress of a payment list, one notice per batch written (never one per payment). */
export interface PaymentsChanged {
  cycleId: string;
  listId: string;
  batchNo: number;
  confirmed: number;
  failed: number;
  open: number;
}
export const PAYMENTS_CHANNEL = 'jigi_payments';
