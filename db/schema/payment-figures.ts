import { bigint, date, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { cycles } from './cycles';
import { fundingSourceEnum, paymentStatusEnum } from './enums';
import { paymentLists } from './payments';

/** What both counters of a batch carry: where, on which source, for which cycle, how many and how much. */
const batchCounter = () => ({
  listId: uuid('list_id')
    .notNull()
    .references(() => paymentLists.id, { onDelete: 'cascade' }),
  batchNo: integer('batch_no').notNull(),
  regionCode: text('region_code').notNull(),
  communeCode: text('commune_code').notNull(),
  fundingSource: fundingSourceEnum('funding_source').notNull(),
  cycleId: uuid('cycle_id')
    .notNull()
    .references(() => cycles.id, { onDelete: 'cascade' }),
  payments: integer('payments').notNull(),
  amountFcfa: bigint('amount_fcfa', { mode: 'number' }).notNull(),
});

/**
 * Live figures of disbursement, kept exact by whoever writes payments: one row per (list, batch,
 * area, agency, funding source, status) with its count and amount, recomputed from that batch's few
 * hundred rows when the batch is written (db/payment-figures.ts). A cycle's figures then sum a few
 * thousand rows, never a million payments.
 */
export const paymentFigures = pgTable(
  'payment_figures',
  {
    ...batchCounter(),
    agencyId: text('agency_id').notNull(),
    status: paymentStatusEnum('status').notNull(),
  },
  (t) => [
    primaryKey({ name: 'payment_figures_pk', columns: [t.listId, t.batchNo, t.regionCode, t.communeCode, t.agencyId, t.fundingSource, t.status] }),
    index('payment_figures_cycle_idx').on(t.cycleId, t.regionCode, t.communeCode),
  ],
);

/**
 * Paid payments per day, kept beside payment_figures by the same refresh (one row per list, batch,
 * day, area and funding source): the AWPB's ledger achievements up to a date and the time series of
 * amounts disbursed, without reading the payments table.
 */
export const paymentDailyFigures = pgTable(
  'payment_daily_figures',
  {
    ...batchCounter(),
    day: date('day', { mode: 'string' }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'payment_daily_figures_pk', columns: [t.listId, t.batchNo, t.day, t.regionCode, t.communeCode, t.fundingSource] }),
    index('payment_daily_figures_day_idx').on(t.day, t.regionCode),
  ],
);
