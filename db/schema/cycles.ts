import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import type { CycleState } from '../../domain/cycle';
import type { CycleSettings } from '../../domain/cycle-settings';
import { cycleStatusEnum, fundingSourceEnum, phaseEnum, phaseStatusEnum, transitionKindEnum } from './enums';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
};

export const cycles = pgTable(
  'cycles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().unique(),
    description: text('description').notNull().default(''),
    transferAmountFcfa: integer('transfer_amount_fcfa').notNull(),
    targetHouseholds: integer('target_households').notNull(),
    startsOn: text('starts_on'),
    endsOn: text('ends_on'),
    status: cycleStatusEnum('status').notNull().default('running'),
    version: integer('version').notNull().default(0),
    workflowId: text('workflow_id').notNull(),
    /** Fixed at creation and passed to the workflow; read with cycleSettings() for defaults. */
    settings: jsonb('settings').$type<Partial<CycleSettings>>().notNull().default({}),
    createdBy: text('created_by').notNull(),
    ...timestamps,
  },
  (t) => [
    check('cycles_transfer_positive', sql`${t.transferAmountFcfa} > 0`),
    check('cycles_target_positive', sql`${t.targetHouseholds} > 0`),
  ],
);

export const cycleFundingSources = pgTable(
  'cycle_funding_sources',
  {
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    source: fundingSourceEnum('source').notNull(),
    amountFcfa: bigint('amount_fcfa', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.source] }), check('funding_amount_positive', sql`${t.amountFcfa} > 0`)],
);

export const cyclePhases = pgTable(
  'cycle_phases',
  {
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    phase: phaseEnum('phase').notNull(),
    status: phaseStatusEnum('status').notNull().default('pending'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    completedBy: text('completed_by'),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.phase] })],
);

/** Every transition of a cycle, with who caused it: the cycle's audit trail. */
export const cycleTransitions = pgTable(
  'cycle_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    kind: transitionKindEnum('kind').notNull(),
    phase: phaseEnum('phase'),
    actor: text('actor').notNull(),
    reason: text('reason'),
    /** The workflow's own transition number: replays and activity retries never record twice. */
    sequence: integer('sequence').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [unique('cycle_transitions_sequence_unique').on(t.cycleId, t.sequence)],
);

/** Outbox of changes relayed to consoles; NOTIFY carries the row after commit. */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cycleId: uuid('cycle_id').references(() => cycles.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<{ state: CycleState; phase: string | null; actor: string }>().notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('events_cycle_idx').on(t.cycleId, t.id)],
);

export type CycleRow = typeof cycles.$inferSelect;
export type CyclePhaseRow = typeof cyclePhases.$inferSelect;
export type CycleTransitionRow = typeof cycleTransitions.$inferSelect;
