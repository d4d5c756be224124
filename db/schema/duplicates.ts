import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { duplicateReasonEnum, duplicateStatusEnum } from './enums';
import { households, registerImports } from './register';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Two households that may be one, waiting for a reviewer. Stored once per pair (rsu_id_a < rsu_id_b),
 * whatever its status, so a pair marked distinct is never flagged again.
 */
export const duplicatePairs = pgTable(
  'duplicate_pairs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    rsuIdA: text('rsu_id_a')
      .notNull()
      .references(() => households.rsuId),
    rsuIdB: text('rsu_id_b')
      .notNull()
      .references(() => households.rsuId),
    reasons: duplicateReasonEnum('reasons').array().notNull(),
    status: duplicateStatusEnum('status').notNull().default('open'),
    /** The import that brought the pair in. */
    foundByImport: uuid('found_by_import').references(() => registerImports.id),
    /** The record that stays, after keep or merge. */
    keptRsuId: text('kept_rsu_id'),
    resolvedBy: text('resolved_by'),
    resolvedAt: at('resolved_at'),
    note: text('note'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('duplicate_pairs_pair_key').on(t.rsuIdA, t.rsuIdB),
    index('duplicate_pairs_status_idx').on(t.status, t.createdAt),
    index('duplicate_pairs_b_idx').on(t.rsuIdB),
    index('duplicate_pairs_import_idx').on(t.foundByImport),
    check('duplicate_pairs_ordered', sql`${t.rsuIdA} < ${t.rsuIdB}`),
  ],
);

export type DuplicatePairRow = typeof duplicatePairs.$inferSelect;
