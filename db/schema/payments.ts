import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import type { LotArea } from '../../domain/procurement';
import { cycles } from './cycles';
import type { PaymentFilter } from '../../domain/payment-actions';
import { agencyKindEnum, failureReasonEnum, fundingSourceEnum, paymentActionEnum, paymentActionStatusEnum, paymentListStatusEnum, paymentStatusEnum, releaseStageEnum } from './enums';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const fcfaTotal = (name: string) => bigint(name, { mode: 'number' });

/** The payment agencies a program works with: data, not code. */
export const paymentAgencies = pgTable('payment_agencies', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: agencyKindEnum('kind').notNull(),
  baseUrl: text('base_url').notNull(),
  /** The name of the secret the worker reads the agency's credential from; never the credential itself. */
  credentialRef: text('credential_ref').notNull(),
  /** The regions and communes its contract covers. */
  lots: jsonb('lots').$type<LotArea[]>().notNull(),
  feeFcfaPerPayment: integer('fee_fcfa_per_payment').notNull().default(0),
  /** A share of each amount, in hundredths of a percent. */
  feeBasisPoints: integer('fee_basis_points').notNull().default(0),
  /** The requests a second its gateway allows our credential. */
  ratePerSecond: integer('rate_per_second').notNull(),
  /** Transfers per bulk request where the agency offers one; null sends one request per payment. */
  bulkSize: integer('bulk_size'),
  dailyLimitFcfa: fcfaTotal('daily_limit_fcfa'),
  createdAt: at('created_at').notNull().defaultNow(),
});

/** A commune's payments through one agency for one tranche: declared first, then built from the frozen list. */
export const paymentLists = pgTable(
  'payment_lists',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    regionCode: text('region_code').notNull(),
    communeCode: text('commune_code').notNull(),
    agencyId: text('agency_id')
      .notNull()
      .references(() => paymentAgencies.id),
    tranche: integer('tranche').notNull().default(1),
    /** 1 for the lot's list; a follow-up list of its failed payments takes the next. */
    sequence: integer('sequence').notNull().default(1),
    fundingSource: fundingSourceEnum('funding_source').notNull(),
    status: paymentListStatusEnum('status').notNull().default('declared'),
    declaredCount: integer('declared_count').notNull(),
    declaredTotalFcfa: fcfaTotal('declared_total_fcfa').notNull(),
    builtCount: integer('built_count'),
    builtTotalFcfa: fcfaTotal('built_total_fcfa'),
    createdAt: at('created_at').notNull().defaultNow(),
    releasedAt: at('released_at'),
    /** Set when the disbursement workflow takes the released list into a payment run (its claim token). */
    runClaim: text('run_claim'),
  },
  (t) => [
    unique('payment_lists_lot_unique').on(t.cycleId, t.communeCode, t.agencyId, t.tranche, t.sequence),
    // What a payment's (list, cycle) foreign key points at.
    unique('payment_lists_id_cycle_unique').on(t.id, t.cycleId),
    check('payment_lists_declared_positive', sql`${t.declaredCount} >= 0 and ${t.declaredTotalFcfa} >= 0`),
  ],
);

/**
 * The ledger: one row per (cycle, household, tranche), whatever the retries and re-routes, so the
 * database itself refuses a second payment. The idempotency key is written here before the agency
 * is first called.
 */
export const payments = pgTable(
  'payments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The cycle of the payment's list (one foreign key checks both: see below). */
    cycleId: uuid('cycle_id').notNull(),
    rsuId: text('rsu_id').notNull(),
    tranche: integer('tranche').notNull().default(1),
    listId: uuid('list_id').notNull(),
    /** The list's payments in submission order cut into batches; the workflow hands out batch numbers. */
    batchNo: integer('batch_no').notNull(),
    regionCode: text('region_code').notNull(),
    communeCode: text('commune_code').notNull(),
    agencyId: text('agency_id')
      .notNull()
      .references(() => paymentAgencies.id),
    fundingSource: fundingSourceEnum('funding_source').notNull(),
    amountFcfa: integer('amount_fcfa').notNull(),
    /** E.164; an operator may correct it before a retry. */
    phone: text('phone'),
    status: paymentStatusEnum('status').notNull().default('pending'),
    /** Bumped by an operator's retry or re-route of a failed payment; part of the idempotency key. */
    generation: integer('generation').notNull().default(0),
    idempotencyKey: text('idempotency_key').notNull(),
    /** Calls made to the agency for this payment, all generations. */
    attempts: integer('attempts').notNull().default(0),
    agencyReference: text('agency_reference'),
    failureReason: failureReasonEnum('failure_reason'),
    lastError: text('last_error'),
    submittedAt: at('submitted_at'),
    confirmedAt: at('confirmed_at'),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    unique('payments_household_tranche_unique').on(t.cycleId, t.rsuId, t.tranche),
    // The key is its payment's cycle, household, tranche and generation (paymentKeyAffixes), so the
    // household's uniqueness above makes it unique too: checked per row, without an index of long text
    // keys that every write of a million payments had to maintain. Nothing looks a payment up by key
    // (a statement's keys are read back into their parts).
    check(
      'payments_idempotency_key_of_its_parts',
      sql`${t.idempotencyKey} = 'jigi-' || ${t.cycleId}::text || '-' || ${t.rsuId} || '-t' || ${t.tranche} || '-g' || ${t.generation}`,
    ),
    index('payments_batch_idx').on(t.listId, t.batchNo),
    index('payments_status_idx').on(t.cycleId, t.status),
    check('payments_amount_positive', sql`${t.amountFcfa} > 0`),
    // One check per row instead of two (list, then cycle): building a million payments spent a third of
    // its time in foreign-key checks. A payment's cycle is its list's, and goes with it.
    foreignKey({ name: 'payments_list_cycle_fk', columns: [t.listId, t.cycleId], foreignColumns: [paymentLists.id, paymentLists.cycleId] }).onDelete('cascade'),
  ],
);

/**
 * When a batch was last handed to its agency: written once per send, before the call, for the whole
 * batch (not one row update per payment). A payment still pending may have reached the agency if its
 * batch was sent at or after it became pending, and is then asked by its key before any resend (and
 * cannot be cancelled): see the SQL function payment_handed_over (migration 0015).
 */
export const paymentBatchSends = pgTable(
  'payment_batch_sends',
  {
    listId: uuid('list_id')
      .notNull()
      .references(() => paymentLists.id, { onDelete: 'cascade' }),
    batchNo: integer('batch_no').notNull(),
    sends: integer('sends').notNull().default(1),
    lastSendAt: at('last_send_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.batchNo] })],
);

/** Every status a payment went through, why and by whom (null: the system). */
export const paymentStatusHistory = pgTable(
  'payment_status_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    paymentId: bigint('payment_id', { mode: 'number' })
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    fromStatus: paymentStatusEnum('from_status'),
    toStatus: paymentStatusEnum('to_status').notNull(),
    generation: integer('generation').notNull(),
    detail: text('detail'),
    actor: text('actor'),
    at: at('at').notNull().defaultNow(),
  },
  (t) => [index('payment_status_history_payment_idx').on(t.paymentId)],
);

/**
 * The signatures that released a list: approval, authorisation, finance release. One person signs a
 * list at most once across its stages (the database refuses a second).
 */
export const paymentListSignatures = pgTable(
  'payment_list_signatures',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    listId: uuid('list_id')
      .notNull()
      .references(() => paymentLists.id, { onDelete: 'cascade' }),
    stage: releaseStageEnum('stage').notNull(),
    signedBy: text('signed_by').notNull(),
    signedByName: text('signed_by_name').notNull(),
    signedAt: at('signed_at').notNull().defaultNow(),
  },
  (t) => [unique('payment_list_signatures_distinct_signer').on(t.listId, t.signedBy)],
);

/**
 * A released list's total reserved against its funding source's budget line for the cycle; written
 * with the last finance signature. Their sum per (cycle, source) never exceeds cycle_funding_sources.
 */
export const budgetReservations = pgTable(
  'budget_reservations',
  {
    listId: uuid('list_id')
      .primaryKey()
      .references(() => paymentLists.id, { onDelete: 'cascade' }),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    fundingSource: fundingSourceEnum('funding_source').notNull(),
    amountFcfa: fcfaTotal('amount_fcfa').notNull(),
    reservedAt: at('reserved_at').notNull().defaultNow(),
  },
  (t) => [index('budget_reservations_line_idx').on(t.cycleId, t.fundingSource), check('budget_reservations_amount_positive', sql`${t.amountFcfa} >= 0`)],
);

/**
 * An operator's retry, re-route or cancellation of failed payments. The set it acts on is fixed when it
 * is asked (`payment_ids`), so the second operator approves exactly what they were shown.
 */
export const paymentActions = pgTable(
  'payment_actions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    action: paymentActionEnum('action').notNull(),
    status: paymentActionStatusEnum('status').notNull(),
    paymentIds: bigint('payment_ids', { mode: 'number' }).array().notNull(),
    filter: jsonb('filter').$type<PaymentFilter>(),
    toAgencyId: text('to_agency_id').references(() => paymentAgencies.id),
    /** The corrected phone number of a single payment, E.164. */
    phone: text('phone'),
    reason: text('reason').notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedByName: text('requested_by_name').notNull(),
    requestedAt: at('requested_at').notNull().defaultNow(),
    decidedBy: text('decided_by'),
    decidedByName: text('decided_by_name'),
    decidedAt: at('decided_at'),
    decisionReason: text('decision_reason'),
    /** Payments the action changed when applied: those still failed (or unsent) by then. */
    appliedCount: integer('applied_count'),
  },
  (t) => [index('payment_actions_cycle_idx').on(t.cycleId, t.status)],
);

export type PaymentRow = typeof payments.$inferSelect;
export type PaymentAgencyRow = typeof paymentAgencies.$inferSelect;
