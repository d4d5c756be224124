import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { cycles } from './cycles';
import { reconciliationItemKindEnum } from './enums';
import { paymentAgencies, paymentLists, payments } from './payments';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const fcfaTotal = (name: string) => bigint(name, { mode: 'number' });

/**
 * What each agency's statement says it paid (or reversed), read once and kept: every list's
 * reconciliation joins its payments to these by household instead of reading the statement again.
 */
export const agencyStatementLines = pgTable(
  'agency_statement_lines',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    agencyId: text('agency_id')
      .notNull()
      .references(() => paymentAgencies.id),
    /** The line's place in the agency's statement: its sequence, or a bank entry's NtryRef. */
    cursor: text('cursor').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    reference: text('reference').notNull(),
    amountFcfa: integer('amount_fcfa').notNull(),
    reversal: boolean('reversal').notNull().default(false),
    paidAt: at('paid_at').notNull(),
    /** Read back from the key; null for a key Jigi did not make. */
    cycleId: uuid('cycle_id'),
    rsuId: text('rsu_id'),
    tranche: integer('tranche'),
    importedAt: at('imported_at').notNull().defaultNow(),
  },
  (t) => [unique('agency_statement_lines_place').on(t.agencyId, t.cursor), index('agency_statement_lines_household_idx').on(t.cycleId, t.rsuId, t.tranche)],
);

/** Where the next read of an agency's statement starts. */
export const agencyStatementCursors = pgTable('agency_statement_cursors', {
  agencyId: text('agency_id')
    .primaryKey()
    .references(() => paymentAgencies.id),
  after: text('after').notNull(),
  readAt: at('read_at').notNull().defaultNow(),
});

/** The last reconciliation of a list against its agency's statement. */
export const paymentReconciliations = pgTable('payment_reconciliations', {
  listId: uuid('list_id')
    .primaryKey()
    .references(() => paymentLists.id, { onDelete: 'cascade' }),
  cycleId: uuid('cycle_id')
    .notNull()
    .references(() => cycles.id, { onDelete: 'cascade' }),
  reconciledAt: at('reconciled_at').notNull().defaultNow(),
  runs: integer('runs').notNull().default(1),
  matched: integer('matched').notNull(),
  mismatches: integer('mismatches').notNull(),
  ledgerTotalFcfa: fcfaTotal('ledger_total_fcfa').notNull(),
  statementTotalFcfa: fcfaTotal('statement_total_fcfa').notNull(),
});

/** Each difference between the ledger and a statement, listed once for an operator until resolved. */
export const paymentReconciliationItems = pgTable(
  'payment_reconciliation_items',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    listId: uuid('list_id')
      .notNull()
      .references(() => paymentLists.id, { onDelete: 'cascade' }),
    paymentId: bigint('payment_id', { mode: 'number' })
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    kind: reconciliationItemKindEnum('kind').notNull(),
    /** kind, payment and statement key: the same difference found again is the same item. */
    matchKey: text('match_key').notNull(),
    ledgerAmountFcfa: integer('ledger_amount_fcfa').notNull(),
    statementAmountFcfa: integer('statement_amount_fcfa'),
    agencyReference: text('agency_reference'),
    /** The key the agency paid under, when it paid. */
    statementKey: text('statement_key'),
    foundAt: at('found_at').notNull().defaultNow(),
    resolvedAt: at('resolved_at'),
    /** A user id, or "reconciliation" when a later run no longer found it. */
    resolvedBy: text('resolved_by'),
    resolvedByName: text('resolved_by_name'),
    resolutionNote: text('resolution_note'),
  },
  (t) => [
    unique('payment_reconciliation_items_once').on(t.listId, t.matchKey),
    index('payment_reconciliation_items_open_idx').on(t.cycleId, t.resolvedAt),
    check('payment_reconciliation_items_resolved', sql`(${t.resolvedAt} is null) = (${t.resolvedBy} is null)`),
  ],
);

export type ReconciliationItemRow = typeof paymentReconciliationItems.$inferSelect;
