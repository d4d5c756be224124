import { bigint, bigserial, index, integer, jsonb, pgSequence, pgTable, text, timestamp, unique, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { cycles } from './cycles';
import { paymentLists, payments } from './payments';
import { escalationLevelEnum, grievanceCategoryEnum, grievanceChannelEnum, grievanceStatusEnum } from './enums';
import { households } from './register';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Numbers the references complainants quote (PL-<year>-<number>): never reused, even after a failed filing. */
export const grievanceReferenceSequence = pgSequence('grievance_reference_seq', { startWith: 1, increment: 1 });

/** Read model of each case; its workflow (grievance:<reference>) holds the truth and writes here. */
export const grievanceCases = pgTable(
  'grievance_cases',
  {
    reference: text('reference').primaryKey(),
    /** The cycle the complaint is about, when it is about one (a payment); an exclusion may precede any cycle. */
    cycleId: uuid('cycle_id').references(() => cycles.id, { onDelete: 'set null' }),
    category: grievanceCategoryEnum('category').notNull(),
    /** A registered household, or else the name and phone of a person not in the register (masked when read). */
    householdRsuId: text('household_rsu_id').references(() => households.rsuId),
    complainantName: text('complainant_name'),
    complainantPhone: text('complainant_phone'),
    region: text('region').notNull(),
    commune: text('commune').notNull(),
    channel: grievanceChannelEnum('channel').notNull(),
    description: text('description').notNull().default(''),
    status: grievanceStatusEnum('status').notNull().default('received'),
    level: escalationLevelEnum('level').notNull().default('commune'),
    deadlineAt: at('deadline_at'),
    /** Set while the case waits on the complainant: what was left of the deadline. */
    pausedRemainingMs: integer('paused_remaining_ms'),
    lateAt: at('late_at'),
    decidedAt: at('decided_at'),
    /** What the complainant is told: the resolution, or why the complaint is rejected. */
    answer: text('answer'),
    /** A second complaint of a household about the same thing while the first is open points to it. */
    linkedTo: text('linked_to').references((): AnyPgColumn => grievanceCases.reference),
    /** The workflow's own change number: a retried activity never goes backwards. */
    version: integer('version').notNull().default(0),
    filedBy: text('filed_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    closedAt: at('closed_at'),
    /** A misconduct or fraud case handed to the audit role: auditors find it in their view. */
    referredAt: at('referred_at'),
  },
  (t) => [
    index('grievance_cases_household_idx').on(t.householdRsuId, t.category),
    index('grievance_cases_area_idx').on(t.region, t.commune),
    index('grievance_cases_status_idx').on(t.status, t.deadlineAt),
    index('grievance_cases_cycle_idx').on(t.cycleId),
  ],
);

/** Who did what on a case and when; escalations appear as the system. */
export const grievanceTimeline = pgTable(
  'grievance_timeline',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reference: text('reference')
      .notNull()
      .references(() => grievanceCases.reference, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor').notNull(),
    comment: text('comment'),
    data: jsonb('data').$type<Record<string, unknown>>(),
    at: at('at').notNull().defaultNow(),
  },
  (t) => [unique('grievance_timeline_version_unique').on(t.reference, t.version), index('grievance_timeline_case_idx').on(t.reference, t.id)],
);

export type GrievanceCaseRow = typeof grievanceCases.$inferSelect;
export type GrievanceTimelineRow = typeof grievanceTimeline.$inferSelect;

/**
 * A case's corrective payment: proposed by the officer, approved by a payment operator (another person),
 * then a ledger row of its own tranche in a list of its own, so it is paid once and never as a copy.
 */
export const grievancePayments = pgTable(
  'grievance_payments',
  {
    reference: text('reference')
      .primaryKey()
      .references(() => grievanceCases.reference, { onDelete: 'cascade' }),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    rsuId: text('rsu_id').notNull(),
    amountFcfa: integer('amount_fcfa').notNull(),
    reason: text('reason').notNull(),
    proposedBy: text('proposed_by').notNull(),
    proposedAt: at('proposed_at').notNull().defaultNow(),
    approvedBy: text('approved_by'),
    approvedAt: at('approved_at'),
    tranche: integer('tranche'),
    listId: uuid('list_id').references(() => paymentLists.id),
    paymentId: bigint('payment_id', { mode: 'number' }).references(() => payments.id),
    /** Why it could not be released (no agency, budget line exhausted). */
    problem: text('problem'),
  },
  (t) => [index('grievance_payments_cycle_idx').on(t.cycleId, t.rsuId)],
);

export type GrievancePaymentRow = typeof grievancePayments.$inferSelect;
