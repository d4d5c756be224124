// What payment operators do with payments that failed: retry, re-route to another agency, or cancel,
// for one payment or a filtered set, always with a reason. A bulk action above the cycle's threshold
// waits for a second operator (four eyes). The same rules run in the API and in the disbursement
// workflow's Update validators.
import type { FailureReason, PaymentStatus } from './payments';
import { whyNotFourEyes } from './policy';

export const PAYMENT_ACTIONS = ['retry', 'reroute', 'cancel'] as const;
export type PaymentAction = (typeof PAYMENT_ACTIONS)[number];

export const PAYMENT_ACTION_STATUSES = ['awaiting-approval', 'applied', 'rejected'] as const;
export type PaymentActionStatus = (typeof PAYMENT_ACTION_STATUSES)[number];

export interface PaymentFilter {
  region?: string | undefined;
  commune?: string | undefined;
  agency?: string | undefined;
  reason?: FailureReason | undefined;
}

export interface PaymentActionRequest {
  action: PaymentAction;
  /** The payments chosen one by one; absent, the action takes every failed payment matching `filter`. */
  paymentIds?: number[] | undefined;
  filter?: PaymentFilter | undefined;
  /** Re-route only: the agency that pays instead. */
  toAgencyId?: string | undefined;
  /** One payment only: the corrected phone number (E.164) it is sent to. */
  phone?: string | undefined;
  reason: string;
}

/** A batch an action put back to pending: the disbursement workflow sends it again. */
export interface ResendUnit {
  listId: string;
  batchNo: number;
}

export interface PaymentActionOutcome {
  id: string;
  action: PaymentAction;
  status: PaymentActionStatus;
  /** Payments the action was asked for. */
  count: number;
  /** Payments it changed (applied actions only): those still failed, or unsent, by then. */
  applied: number;
  requestedBy: string;
  resend: ResendUnit[];
}

export interface PaymentActionRefusal {
  rule: string;
  message: string;
}

/** Payments chosen by hand at most: a larger set is chosen by a filter. */
export const MAX_PAYMENTS_PER_ACTION = 500;

/**
 * What each action may take. Only a payment known failed is sent again (under the next generation's
 * key); an ambiguous or submitted one is settled by asking the agency, never resent blind. Cancelling
 * also stops a payment not yet sent.
 */
export function actionApplies(action: PaymentAction, payment: { status: PaymentStatus; handedOver: boolean }): boolean {
  if (action === 'cancel') return payment.status === 'failed' || (payment.status === 'pending' && !payment.handedOver);
  return payment.status === 'failed';
}

/** The statuses an action's filter reads: failed payments for all three. */
export const ACTION_SOURCE_STATUS: PaymentStatus = 'failed';

/** Checks a request on its own, before any payment is read. */
export function whyInvalidActionRequest(request: PaymentActionRequest): PaymentActionRefusal | null {
  if (request.reason.trim().length < 3) return { rule: 'reason-required', message: 'Give the reason for this action (at least 3 characters).' };
  if (request.action === 'reroute' && !request.toAgencyId) return { rule: 'agency-required', message: 'Choose the agency the payments are re-routed to.' };
  if (request.action !== 'reroute' && request.toAgencyId) return { rule: 'agency-only-for-reroute', message: 'An agency is chosen only to re-route payments.' };
  const ids = request.paymentIds;
  if (ids && ids.length === 0) return { rule: 'no-payments', message: 'Choose at least one payment.' };
  if (ids && ids.length > MAX_PAYMENTS_PER_ACTION) {
    return { rule: 'too-many-payments', message: `At most ${MAX_PAYMENTS_PER_ACTION} payments are chosen one by one; use a filter for more.` };
  }
  if (request.phone !== undefined) {
    if (request.action === 'cancel') return { rule: 'phone-not-for-cancel', message: 'A phone number is corrected only to send the payment again.' };
    if (!ids || ids.length !== 1) return { rule: 'phone-one-payment', message: 'A phone number is corrected on one payment at a time.' };
  }
  return null;
}

/** A bulk action, one taking more payments than the threshold, waits for a second operator. */
export function needsSecondOperator(count: number, threshold: number): boolean {
  return count > threshold;
}

/** Who may approve or reject an action waiting for a second operator. */
export function whyCannotDecideAction(
  action: { status: PaymentActionStatus; requestedBy: string } | undefined,
  deciderId: string,
): PaymentActionRefusal | null {
  if (!action) return { rule: 'no-such-action', message: 'No such payment action waiting for approval in this cycle.' };
  if (action.status !== 'awaiting-approval') return { rule: 'action-decided', message: `This action is already ${action.status}.` };
  const fourEyes = whyNotFourEyes(action.requestedBy, deciderId);
  return fourEyes ? { rule: 'four-eyes', message: fourEyes } : null;
}
