import { sql } from 'drizzle-orm';
import { type AnyPgColumn, bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, real, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { importKindEnum, importStatusEnum, registerFormatEnum, sexEnum } from './enums';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Regions and their communes, loaded from db/seed/geography.csv (replaceable by the official list). */
export const regions = pgTable('regions', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
});

export const communes = pgTable(
  'communes',
  {
    code: text('code').primaryKey(),
    regionCode: text('region_code')
      .notNull()
      .references(() => regions.code),
    cercle: text('cercle').notNull(),
    name: text('name').notNull(),
    /** Inhabitants and poverty rate (% of people below the poverty line): the weights of quotas; null when the list gives none. */
    population: integer('population'),
    povertyRate: real('poverty_rate'),
  },
  (t) => [index('communes_region_idx').on(t.regionCode)],
);

/**
 * A head of household's name as duplicate detection compares it: lower case, accents dropped
 * ("Traoré" = "TRAORE"). SQL text, so the detection query and any index on it use one expression.
 */
export const headNameKey = (column: string) => `translate(lower(${column}), 'àâäáãéèêëíìîïóòôöõúùûüçñ', 'aaaaaeeeeiiiiooooouuuucn')`;

/**
 * Commune, birth year and name key in one value, as duplicate detection matches them. `table` is the
 * alias to qualify the columns with, or '' for the index definition itself: both must be the same expression.
 */
export const identityKey = (table = '') => {
  const c = (name: string) => (table ? `${table}."${name}"` : `"${name}"`);
  return `(${c('commune_code')} || '|' || ${c('birth_year')}::text || '|' || ${headNameKey(c('head_name'))})`;
};
/** Villages of a commune with their figures, loaded from db/seed/villages.csv. Households name their village in text. */
export const villages = pgTable(
  'villages',
  {
    communeCode: text('commune_code')
      .notNull()
      .references(() => communes.code),
    name: text('name').notNull(),
    population: integer('population'),
    povertyRate: real('poverty_rate'),
  },
  (t) => [primaryKey({ columns: [t.communeCode, t.name] })],
);

/** One household of the Unified Social Register, keyed by its RSU id. */
export const households = pgTable(
  'households',
  {
    rsuId: text('rsu_id').primaryKey(),
    headName: text('head_name').notNull(),
    sex: sexEnum('sex').notNull(),
    birthYear: smallint('birth_year').notNull(),
    nina: text('nina'),
    /** E.164, e.g. +22376544821. */
    phone: text('phone'),
    /** Checked against the geography by the import; a foreign key would cost a lookup per imported row. */
    communeCode: text('commune_code').notNull(),
    village: text('village').notNull(),
    householdSize: smallint('household_size').notNull(),
    foodInsecure: boolean('food_insecure').notNull(),
    covidCase: boolean('covid_case').notNull(),
    covidHit: boolean('covid_hit').notNull(),
    welfareScore: real('welfare_score'),
    lastImportId: uuid('last_import_id'),
    /** Superseded by that household after a duplicate review: never targeted nor paid. */
    duplicateOf: text('duplicate_of').references((): AnyPgColumn => households.rsuId),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('households_commune_idx').on(t.communeCode),
    // Duplicate detection's name + birth year + commune match, by equality only: a hash index costs the
    // import half what a three-column btree did (1,000,000 rows: 14 s against 8 s without it).
    index('households_identity_idx').using('hash', sql.raw(identityKey())),
    // Hash: these are only ever looked up by equality, and hash indexes cost far less to keep on import.
    index('households_nina_idx').using('hash', t.nina),
    index('households_phone_idx').using('hash', t.phone),
    check('households_size_range', sql`${t.householdSize} between 1 and 60`),
  ],
);

/** One register file brought in; its counters and checkpoint move with each committed batch. */
export const registerImports = pgTable('register_imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  fileName: text('file_name').notNull(),
  filePath: text('file_path').notNull(),
  format: registerFormatEnum('format').notNull(),
  kind: importKindEnum('kind').notNull(),
  status: importStatusEnum('status').notNull().default('queued'),
  bytesTotal: bigint('bytes_total', { mode: 'number' }).notNull(),
  /** Where the next batch starts: the import resumes here after a worker dies. */
  checkpoint: jsonb('checkpoint').$type<ImportCheckpoint>(),
  rowsRead: integer('rows_read').notNull().default(0),
  rowsAccepted: integer('rows_accepted').notNull().default(0),
  rowsRejected: integer('rows_rejected').notNull().default(0),
  rowsInserted: integer('rows_inserted').notNull().default(0),
  rowsUpdated: integer('rows_updated').notNull().default(0),
  /** Possible duplicates this import brought into the review queue; null until they are looked for. */
  duplicatePairs: integer('duplicate_pairs'),
  failure: text('failure'),
  createdBy: text('created_by').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  startedAt: at('started_at'),
  finishedAt: at('finished_at'),
});

export interface ImportCheckpoint {
  byteOffset: number;
  rowNumber: number;
  /** CSV header as read at the start, so a resumed read mid-file still knows its columns. */
  columns: string[] | null;
}

/** Every rejected row, with the field and the reason: the downloadable error report. */
export const registerImportErrors = pgTable(
  'register_import_errors',
  {
    importId: uuid('import_id')
      .notNull()
      .references(() => registerImports.id, { onDelete: 'cascade' }),
    rowNumber: integer('row_number').notNull(),
    field: text('field').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.rowNumber, t.field] })],
);

export type HouseholdRow = typeof households.$inferSelect;
export type RegisterImportRow = typeof registerImports.$inferSelect;
