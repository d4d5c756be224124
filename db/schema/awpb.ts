import { sql } from 'drizzle-orm';
import { bigint, check, date, index, integer, pgEnum, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { AWPB_COMPONENTS } from '../../domain/overview';
import { fundingSourceEnum } from './enums';

export const awpbComponentEnum = pgEnum('awpb_component', AWPB_COMPONENTS);

/**
 * The annual work plan and budget: what the year's forecast is, per component, funding source and
 * region (null: a national line no region carries). Achievements are never typed in here: they come
 * from the ledger and from recorded expenses (db/overview.ts).
 */
export const awpbForecasts = pgTable(
  'awpb_forecasts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    year: integer('year').notNull(),
    component: awpbComponentEnum('component').notNull(),
    fundingSource: fundingSourceEnum('funding_source').notNull(),
    regionCode: text('region_code'),
    amountFcfa: bigint('amount_fcfa', { mode: 'number' }).notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    unique('awpb_forecasts_line_unique').on(t.year, t.component, t.fundingSource, t.regionCode).nullsNotDistinct(),
    check('awpb_forecasts_amount_range', sql`${t.amountFcfa} >= 0`),
    check('awpb_forecasts_year_range', sql`${t.year} between 2013 and 2100`),
  ],
);

/** Money spent against the AWPB outside the payments ledger (workshops, NGOs, public works, studies…). */
export const awpbExpenses = pgTable(
  'awpb_expenses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    component: awpbComponentEnum('component').notNull(),
    fundingSource: fundingSourceEnum('funding_source').notNull(),
    regionCode: text('region_code'),
    amountFcfa: bigint('amount_fcfa', { mode: 'number' }).notNull(),
    spentOn: date('spent_on', { mode: 'string' }).notNull(),
    description: text('description').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('awpb_expenses_spent_idx').on(t.spentOn), check('awpb_expenses_amount_positive', sql`${t.amountFcfa} > 0`)],
);

export type AwpbForecastRow = typeof awpbForecasts.$inferSelect;
export type AwpbExpenseRow = typeof awpbExpenses.$inferSelect;
