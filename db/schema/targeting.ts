import { boolean, customType, index, integer, jsonb, pgEnum, pgTable, primaryKey, real, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { AREA_LEVELS, TARGETING_OUTCOMES, TARGETING_RUN_STATUSES, TARGETING_RUN_STEPS, type QuotaOverride, type TargetingRules } from '../../domain/targeting';
import { cycles } from './cycles';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Text compared byte by byte: a million-row key compares several times faster than under the database's locale. */
const bytewiseText = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

export const quotaLevelEnum = pgEnum('quota_level', AREA_LEVELS);
export const targetingOutcomeEnum = pgEnum('targeting_outcome', TARGETING_OUTCOMES);
export const targetingRunStatusEnum = pgEnum('targeting_run_status', TARGETING_RUN_STATUSES);
export const targetingRunStepEnum = pgEnum('targeting_run_step', TARGETING_RUN_STEPS);

/** A cycle's targeting rules and hand-set quotas; one row a cycle. */
export const targetingRules = pgTable('targeting_rules', {
  cycleId: uuid('cycle_id')
    .primaryKey()
    .references(() => cycles.id, { onDelete: 'cascade' }),
  rules: jsonb('rules').$type<TargetingRules>().notNull(),
  quotaOverrides: jsonb('quota_overrides').$type<QuotaOverride[]>().notNull().default([]),
  /**
   * Set when the commune lists go to the focal points (community validation): from then on rules,
   * quotas and runs are refused, since the lists were made from this run.
   */
  lockedAt: at('locked_at'),
  updatedBy: text('updated_by').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** Each eligibility run of a cycle: what it was asked, how far it got, what it found. */
export const targetingRuns = pgTable(
  'targeting_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    status: targetingRunStatusEnum('status').notNull().default('queued'),
    step: targetingRunStepEnum('step'),
    /** The rules and hand-set quotas as they were when the run was asked for. */
    rules: jsonb('rules').$type<TargetingRules>().notNull(),
    quotaOverrides: jsonb('quota_overrides').$type<QuotaOverride[]>().notNull(),
    target: integer('target').notNull(),
    households: integer('households'),
    eligible: integer('eligible'),
    selected: integer('selected'),
    failure: text('failure'),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [index('targeting_runs_cycle_idx').on(t.cycleId, t.createdAt)],
);

/** The quotas of a cycle's last completed run: one row per region, commune and village. */
export const targetingQuotas = pgTable(
  'targeting_quotas',
  {
    cycleId: uuid('cycle_id')
      .notNull()
      .references(() => cycles.id, { onDelete: 'cascade' }),
    level: quotaLevelEnum('level').notNull(),
    regionCode: text('region_code').notNull(),
    /** Null on region rows. */
    communeCode: text('commune_code'),
    /** The village's name as households give it; null on region and commune rows. */
    village: text('village'),
    population: real('population').notNull(),
    povertyRate: real('poverty_rate').notNull(),
    /** Population or poverty rate estimated: the geography has no figures for this area. */
    estimated: boolean('estimated').notNull(),
    weight: real('weight').notNull(),
    registered: integer('registered').notNull(),
    eligible: integer('eligible').notNull(),
    /** Households the run selects here: quotas never exceed eligible households, so every quota is filled. */
    quota: integer('quota').notNull(),
    overridden: boolean('overridden').notNull(),
  },
  (t) => [
    unique('targeting_quotas_area_unique').on(t.cycleId, t.level, t.regionCode, t.communeCode, t.village).nullsNotDistinct(),
    index('targeting_quotas_commune_idx').on(t.cycleId, t.communeCode),
  ],
);

/**
 * Every household of the register as the cycle's last completed run saw it. Community validation
 * reads `where cycle_id = $1 and commune_code = $2 and selected` (the key's prefix serves it); one
 * household is found by its commune and RSU id. Lean on purpose, a million rows a run: no foreign
 * key to cycles (checking it costs seconds; the run writes only a cycle it has just read) and no
 * other index.
 */
export const targetingResults = pgTable(
  'targeting_results',
  {
    cycleId: uuid('cycle_id').notNull(),
    communeCode: bytewiseText('commune_code').notNull(),
    rsuId: bytewiseText('rsu_id').notNull(),
    village: text('village').notNull(),
    eligible: boolean('eligible').notNull(),
    outcome: targetingOutcomeEnum('outcome').notNull(),
    need: real('need').notNull(),
    /** Rank among the village's eligible households, by need (then RSU id); null when not eligible. */
    rank: integer('rank'),
    villageQuota: integer('village_quota').notNull(),
    selected: boolean('selected').notNull(),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.communeCode, t.rsuId] })],
);

export type TargetingRunRow = typeof targetingRuns.$inferSelect;
export type TargetingQuotaRow = typeof targetingQuotas.$inferSelect;
export type TargetingResultRow = typeof targetingResults.$inferSelect;
