import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import type { ContractTerms, LotArea, StepData, StepTemplate } from '../../domain/procurement';
import { cycles } from './cycles';
import { caseStatusEnum, procurementKindEnum, stepStatusEnum } from './enums';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Chains of steps, versioned: an edit adds a version, a running case keeps the one it started with. */
export const procurementTemplates = pgTable(
  'procurement_templates',
  {
    key: text('key').notNull(),
    version: integer('version').notNull(),
    nameFr: text('name_fr').notNull(),
    nameEn: text('name_en').notNull(),
    steps: jsonb('steps').$type<StepTemplate[]>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.key, t.version] })],
);

/** Read model of each case; its workflow (procurement:<id>) holds the truth and writes here. */
export const procurementCases = pgTable(
  'procurement_cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    kind: procurementKindEnum('kind').notNull(),
    title: text('title').notNull(),
    lot: jsonb('lot').$type<LotArea[]>().notNull(),
    /** The regions the lot touches, for area-scoped reading. */
    regions: text('regions').array().notNull(),
    templateKey: text('template_key').notNull(),
    templateVersion: integer('template_version').notNull(),
    status: caseStatusEnum('status').notNull().default('running'),
    currentStep: text('current_step').notNull(),
    currentIndex: integer('current_index').notNull().default(0),
    stepStatus: stepStatusEnum('step_status').notNull(),
    stepDeadlineAt: at('step_deadline_at'),
    stepPreparedById: text('step_prepared_by_id'),
    late: boolean('late').notNull().default(false),
    escalated: boolean('escalated').notNull().default(false),
    contract: jsonb('contract').$type<ContractTerms>(),
    /** The workflow's own change number: a retried activity never goes backwards. */
    version: integer('version').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    closedAt: at('closed_at'),
  },
  (t) => [index('procurement_cases_cycle_idx').on(t.cycleId)],
);

/** Each step of each case as it now stands. */
export const procurementSteps = pgTable(
  'procurement_steps',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => procurementCases.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    key: text('key').notNull(),
    status: stepStatusEnum('status').notNull(),
    /** When the step first opened: time per step counts from here, reworks included. */
    firstOpenedAt: at('first_opened_at'),
    openedAt: at('opened_at'),
    deadlineAt: at('deadline_at'),
    escalateAt: at('escalate_at'),
    lateAt: at('late_at'),
    escalatedAt: at('escalated_at'),
    /** Set once the step was ever late, even when a rework later reopened it on time. */
    wasLate: boolean('was_late').notNull().default(false),
    preparedBy: text('prepared_by'),
    completedAt: at('completed_at'),
    data: jsonb('data').$type<StepData>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.position] })],
);

/** Who did what on a case and when, with comments and document references; timers appear as the system. */
export const procurementActions = pgTable(
  'procurement_actions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => procurementCases.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    step: text('step').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor').notNull(),
    comment: text('comment'),
    documents: text('documents').array().notNull().default(sql`'{}'::text[]`),
    data: jsonb('data').$type<Record<string, unknown>>(),
    at: at('at').notNull().defaultNow(),
  },
  (t) => [unique('procurement_actions_version_unique').on(t.caseId, t.version), index('procurement_actions_case_idx').on(t.caseId, t.id)],
);

export type ProcurementCaseRow = typeof procurementCases.$inferSelect;
export type ProcurementStepRow = typeof procurementSteps.$inferSelect;
