// Reconciliation (issue 6, item 7): at the end of a list's run, the ledger is compared with what the
// agency says it paid. Pure rules here; the activity reads both sides and records what differs.
import { isPaid, parsePaymentIdempotencyKey, type PaymentStatus } from './payments';

/**
 * paid-not-confirmed: the agency paid it, the ledger does not say so (the money is out: confirm it).
 * confirmed-not-paid: the ledger says paid, the statement has no such payment.
 * amount-differs: both say paid, not the same amount.
 * reversed: the ledger says paid, the agency paid and then reversed it (the household has nothing).
 */
export const RECONCILIATION_ITEM_KINDS = ['paid-not-confirmed', 'confirmed-not-paid', 'amount-differs', 'reversed'] as const;
export type ReconciliationItemKind = (typeof RECONCILIATION_ITEM_KINDS)[number];

/** One payment of the list as the ledger holds it. */
export interface LedgerPayment {
  id: number;
  rsuId: string;
  tranche: number;
  status: PaymentStatus;
  amountFcfa: number;
  idempotencyKey: string;
  agencyReference: string | null;
}

/** One entry of an agency's statement: a payment, or the reversal of one (same key, money back). */
export interface StatementEntry {
  idempotencyKey: string;
  reference: string;
  amountFcfa: number;
  reversal: boolean;
}

export interface Mismatch {
  kind: ReconciliationItemKind;
  paymentId: number;
  ledgerAmountFcfa: number;
  statementAmountFcfa: number | null;
  agencyReference: string | null;
  /** The key the statement paid under, when it paid. */
  statementKey: string | null;
  /** Stable within a list, so a second reconciliation finds the same item instead of adding one. */
  matchKey: string;
}

export interface ListReconciliation {
  matched: number;
  mismatches: Mismatch[];
  /** What the ledger says the list paid. */
  ledgerTotalFcfa: number;
  /** What the agency's statement says it paid for the list's households, reversals deducted. */
  statementTotalFcfa: number;
}

const household = (cycleId: string, rsuId: string, tranche: number) => `${cycleId}|${rsuId}|${tranche}`;

/**
 * Compares a list's payments with the statement entries of its households. Entries are matched by
 * household (cycle, RSU id, tranche read back from the key), not only by the current key, so money
 * paid under an earlier generation's key (a retry after all) is found too.
 */
export function reconcileList(cycleId: string, payments: readonly LedgerPayment[], entries: readonly StatementEntry[]): ListReconciliation {
  const byHousehold = new Map<string, StatementEntry[]>();
  for (const entry of entries) {
    const parts = parsePaymentIdempotencyKey(entry.idempotencyKey);
    if (!parts || parts.cycleId !== cycleId) continue;
    const key = household(parts.cycleId, parts.rsuId, parts.tranche);
    const known = byHousehold.get(key);
    if (known) known.push(entry);
    else byHousehold.set(key, [entry]);
  }

  let matched = 0;
  let ledgerTotalFcfa = 0;
  let statementTotalFcfa = 0;
  const mismatches: Mismatch[] = [];
  const mismatch = (kind: ReconciliationItemKind, p: LedgerPayment, statementAmountFcfa: number | null, agencyReference: string | null, statementKey: string | null, ledgerAmountFcfa = p.amountFcfa) =>
    mismatches.push({ kind, paymentId: p.id, ledgerAmountFcfa, statementAmountFcfa, agencyReference, statementKey, matchKey: `${kind}:${p.id}:${statementKey ?? ''}` });

  for (const p of payments) {
    const found = byHousehold.get(household(cycleId, p.rsuId, p.tranche)) ?? [];
    // Net per key: what each key paid, less what was reversed under it.
    const perKey = new Map<string, { paid: number; reversed: number; reference: string }>();
    for (const e of found) {
      const net = perKey.get(e.idempotencyKey) ?? { paid: 0, reversed: 0, reference: e.reference };
      if (e.reversal) net.reversed += e.amountFcfa;
      else {
        net.paid += e.amountFcfa;
        net.reference = e.reference;
      }
      perKey.set(e.idempotencyKey, net);
    }
    for (const net of perKey.values()) statementTotalFcfa += net.paid - net.reversed;

    const paid = isPaid(p.status);
    if (paid) ledgerTotalFcfa += p.amountFcfa;
    const own = perKey.get(p.idempotencyKey);
    if (paid) {
      if (!own || own.paid === 0) mismatch('confirmed-not-paid', p, null, p.agencyReference, null);
      else if (own.reversed > 0) mismatch('reversed', p, own.paid - own.reversed, own.reference, p.idempotencyKey);
      else if (own.paid !== p.amountFcfa) mismatch('amount-differs', p, own.paid, own.reference, p.idempotencyKey);
      else matched += 1;
    }
    // Money out that the ledger does not hold as paid: under its key while not paid, or under another key.
    for (const [key, net] of perKey) {
      if (paid && key === p.idempotencyKey) continue;
      const out = net.paid - net.reversed;
      if (out > 0) mismatch('paid-not-confirmed', p, out, net.reference, key, paid ? 0 : p.amountFcfa);
    }
  }
  return { matched, mismatches, ledgerTotalFcfa, statementTotalFcfa };
}

/**
 * What resolving an item does: a paid-not-confirmed under the payment's own key moves the ledger to
 * confirmed (the statement proves the money is out); anything else is settled by a note only.
 */
export function resolutionConfirmsPayment(kind: ReconciliationItemKind, payment: { status: PaymentStatus }, sameKey: boolean): boolean {
  return kind === 'paid-not-confirmed' && sameKey && !isPaid(payment.status);
}
