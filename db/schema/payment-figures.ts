import { bigint, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { cycles } from './cycles';
import { fundingSourceEnum, paymentStatusEnum } from './enums';
import { paymentLists } from './payments';

/**
 * Live figures of disbursement, kept exact by whoever writes payments: one row per (list, batch,
 * area, agency, funding source, status) with its count and amount, recomputed from that batch's few
 * hundred rows when the batch is written (db/payment-figures.ts). A cycle's figures then sum a few
 * thousand rows, never a million payments.
 */
export const paymentFigures = pgTable(
  'payment_figures',
  {
    listId: uuid('list_id')
      .notNull()
      .references(() => paymentLists.id, { onDelete: 'cascade' }),
    batchNo: integer('batch_no').notNull(),
    regionCode: text('region_code').notNull(),
    communeCode: text('commune_code').notNull(),
    agencyId: text('agency_id').notNull(),
    fundingSource: fundingSourceEnum('funding_source').notNull(),
    status: paymentStatusEnum('status').notNull(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    payments: integer('payments').notNull(),
    amountFcfa: bigint('amount_fcfa', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'payment_figures_pk', columns: [t.listId, t.batchNo, t.regionCode, t.communeCode, t.agencyId, t.fundingSource, t.status] }),
    index('payment_figures_cycle_idx').on(t.cycleId, t.regionCode, t.communeCode),
  ],
);
