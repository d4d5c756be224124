import { sql } from 'drizzle-orm';
import { check, date, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cycles } from './cycles';
import { escalationLevelEnum, listChangeActionEnum, listStatusEnum } from './enums';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Read model of each commune's list in a cycle; the targeting workflow holds the truth and writes here. */
export const communeLists = pgTable(
  'commune_lists',
  {
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    communeCode: text('commune_code').notNull(),
    regionCode: text('region_code').notNull(),
    status: listStatusEnum('status').notNull(),
    escalation: escalationLevelEnum('escalation').notNull().default('commune'),
    deadlineAt: at('deadline_at'),
    round: integer('round').notNull().default(1),
    households: integer('households').notNull(),
    /** Decisions of the last round: the village assembly and the commune committee. */
    assemblyOn: date('assembly_on'),
    assemblyAttendees: integer('assembly_attendees'),
    committeeOn: date('committee_on'),
    comment: text('comment'),
    decidedBy: text('decided_by'),
    decidedAt: at('decided_at'),
    proposedBy: text('proposed_by'),
    escalatedAt: at('escalated_at'),
    /** The workflow's own change number for this list: a retried activity never goes backwards. */
    version: integer('version').notNull().default(0),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.communeCode] }), index('commune_lists_region_idx').on(t.cycleId, t.regionCode)],
);

/** The households on each commune's list, as targeting selected them and as committees changed them. */
export const listEntries = pgTable(
  'list_entries',
  {
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    rsuId: text('rsu_id').notNull(),
    communeCode: text('commune_code').notNull(),
    /** 0 when targeting put it there, else the round whose approved changes added it. */
    addedInRound: integer('added_in_round').notNull().default(0),
    removedInRound: integer('removed_in_round'),
    removalReason: text('removal_reason'),
    additionReason: text('addition_reason'),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.rsuId] }), index('list_entries_commune_idx').on(t.cycleId, t.communeCode)],
);

/** Every household a committee asked to add or remove, who prepared it and who approved or rejected it. */
export const listChanges = pgTable(
  'list_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    communeCode: text('commune_code').notNull(),
    round: integer('round').notNull(),
    rsuId: text('rsu_id').notNull(),
    action: listChangeActionEnum('action').notNull(),
    reason: text('reason').notNull(),
    preparedBy: text('prepared_by').notNull(),
    preparedAt: at('prepared_at').notNull(),
    reviewedBy: text('reviewed_by'),
    reviewedAt: at('reviewed_at'),
    outcome: text('outcome', { enum: ['applied', 'rejected'] }),
  },
  (t) => [index('list_changes_list_idx').on(t.cycleId, t.communeCode, t.round)],
);

/**
 * The frozen beneficiary list: a copy taken when targeting closes, which disbursement reads.
 * Later register edits do not reach it.
 */
export const beneficiaries = pgTable(
  'beneficiaries',
  {
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    rsuId: text('rsu_id').notNull(),
    regionCode: text('region_code').notNull(),
    communeCode: text('commune_code').notNull(),
    village: text('village').notNull(),
    headName: text('head_name').notNull(),
    nina: text('nina'),
    phone: text('phone'),
    householdSize: integer('household_size').notNull(),
    amountFcfa: integer('amount_fcfa').notNull(),
    frozenAt: at('frozen_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.cycleId, t.rsuId] }),
    index('beneficiaries_commune_idx').on(t.cycleId, t.communeCode),
    check('beneficiaries_amount_positive', sql`${t.amountFcfa} > 0`),
  ],
);

export type CommuneListRow = typeof communeLists.$inferSelect;
