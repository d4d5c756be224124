// A bank's bulk credit-transfer API as the program uses it: a batch of payments sent in one request
// (the electronic form of a payment file), accepted at once and booked later; a payment's status by
// the caller's idempotency key; and the account statement as a camt.053 file (ISO 20022). The
// simulator serves exactly this; the adapter calls exactly this.
import { createHash } from 'node:crypto';

export const BANK_PATHS = {
  batches: '/bank/v1/batches',
  payments: '/bank/v1/payments',
  statement: '/bank/v1/statements/camt053',
} as const;

/** One credit transfer of a batch. The account is the beneficiary's account identifier at the bank. */
export interface BankPaymentInstruction {
  /** ISO 20022 EndToEndId (at most 35 characters): derived from the idempotency key, see endToEndId. */
  endToEndId: string;
  /** The caller's idempotency key, carried whole as unstructured remittance information. */
  idempotencyKey: string;
  amount: number;
  currency: 'XOF';
  creditorAccount: string;
}

export interface BankBatchRequest {
  /** The batch's message id (at most 35 characters); the bank keeps each payment once by its key. */
  batchId: string;
  payments: BankPaymentInstruction[];
}

/** ACCEPTED: taken, to be booked. BOOKED: the account debited, the beneficiary credited. REVERSED: booked, then returned. */
export type BankPaymentStatus = 'ACCEPTED' | 'BOOKED' | 'REJECTED' | 'REVERSED';

export interface BankPayment {
  /** The bank's reference (AcctSvcrRef in its statement). */
  reference: string;
  batchId: string;
  endToEndId: string;
  idempotencyKey: string;
  amount: number;
  currency: 'XOF';
  creditorAccount: string;
  status: BankPaymentStatus;
  /** One of the domain's failure reasons when REJECTED. */
  reason?: string;
  acceptedAt: string;
  bookedAt?: string;
  reversedAt?: string;
}

/** Each payment answered on its own: a refused account does not refuse the batch. */
export interface BankBatchResponse {
  batchId: string;
  payments: Array<{ idempotencyKey: string; payment?: BankPayment; error?: { code: string; message: string } }>;
}

export const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

/**
 * ISO 20022 caps EndToEndId at 35 characters, shorter than Jigi's idempotency keys, so the key is
 * carried whole in the remittance information and the EndToEndId is a digest of it: the two must agree.
 */
export function endToEndId(idempotencyKey: string): string {
  return `JG${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 33).toUpperCase()}`;
}

/** A batch's message id from its payments' keys: the same batch sent again carries the same id. */
export function batchMessageId(idempotencyKeys: readonly string[]): string {
  const hash = createHash('sha256');
  for (const key of idempotencyKeys) hash.update(key).update('\n');
  return `JGB${hash.digest('hex').slice(0, 32).toUpperCase()}`;
}
