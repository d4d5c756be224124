import type { Fcfa } from '../../domain/money';
import type { AgencyKind, FailureReason } from '../../domain/payments';

/** One payment as an agency is asked to make it. */
export interface PaymentOrder {
  idempotencyKey: string;
  amountFcfa: Fcfa;
  /** E.164, as the frozen beneficiary list holds it. */
  phone: string;
}

/**
 * An agency's answer about one payment. `ambiguous`: it may have committed (timeout, 5xx, unreadable),
 * so only a status asked with the same key may decide. `transient`: it committed nothing and asks to
 * be called again later (429, a credential refused).
 */
export type AgencyAnswer =
  | { kind: 'submitted'; reference: string }
  | { kind: 'confirmed'; reference: string; paidAt: string | null }
  | { kind: 'failed'; reason: FailureReason; message: string; reference: string | null }
  | { kind: 'ambiguous'; message: string }
  | { kind: 'transient'; message: string; retryAfterMs: number | null };

/** What a status request can say besides an answer: the agency never received this key. */
export type AgencyStatus = Exclude<AgencyAnswer, { kind: 'ambiguous' }> | { kind: 'not-found' } | { kind: 'unreachable'; message: string };

/** One line of an agency's statement: what it actually paid, or gave back (a reversal of a payment). */
export interface AgencyStatementLine {
  idempotencyKey: string;
  reference: string;
  amountFcfa: Fcfa;
  paidAt: string;
  /** The money came back under this key: a bank's reversal entry. */
  reversal?: boolean;
  /** Pass to statement() to read only what came after this line. */
  cursor?: string;
}

/** A payment agency, whatever its kind; activities see only this. */
export interface PaymentAgency {
  readonly kind: AgencyKind;
  submit(order: PaymentOrder): Promise<AgencyAnswer>;
  /** Several payments in one request where the agency offers it; each answered on its own. */
  submitBulk(orders: readonly PaymentOrder[]): Promise<Map<string, AgencyAnswer>>;
  status(idempotencyKey: string): Promise<AgencyStatus>;
  /** The statement from the start, or after a cursor a previous read returned. */
  statement(after?: string): AsyncIterable<AgencyStatementLine>;
}
