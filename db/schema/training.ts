import { sql } from 'drizzle-orm';
import { check, date, integer, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { cycles } from './cycles';
import { regions } from './register';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One information and training-of-trainers workshop per cycle and region. Planned first, then its
 * report (actual participants, trainers trained) recorded; a report can be corrected, never removed.
 */
export const workshops = pgTable(
  'workshops',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    regionCode: text('region_code')
      .notNull()
      .references(() => regions.code),
    /** Who chairs it: the region's governor, as the program holds them. */
    chair: text('chair').notNull(),
    place: text('place').notNull(),
    plannedStart: date('planned_start', { mode: 'string' }).notNull(),
    plannedEnd: date('planned_end', { mode: 'string' }).notNull(),
    plannedParticipants: integer('planned_participants').notNull(),
    plannedBy: text('planned_by').notNull(),
    actualParticipants: integer('actual_participants'),
    trainersTrained: integer('trainers_trained'),
    reportNotes: text('report_notes'),
    reportedBy: text('reported_by'),
    reportedAt: at('reported_at'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    unique('workshops_cycle_region_unique').on(t.cycleId, t.regionCode),
    check('workshops_dates_ordered', sql`${t.plannedEnd} >= ${t.plannedStart}`),
    check('workshops_planned_participants_range', sql`${t.plannedParticipants} >= 0`),
    check('workshops_actual_participants_range', sql`${t.actualParticipants} >= 0`),
    check('workshops_trainers_range', sql`${t.trainersTrained} between 0 and ${t.actualParticipants}`),
    // A report is whole or absent.
    check(
      'workshops_report_complete',
      sql`(${t.reportedAt} is null) = (${t.actualParticipants} is null) and (${t.reportedAt} is null) = (${t.trainersTrained} is null) and (${t.reportedAt} is null) = (${t.reportedBy} is null)`,
    ),
  ],
);

export type WorkshopRow = typeof workshops.$inferSelect;
