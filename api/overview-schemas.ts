// The overview's HTTP contract: the console page, the report and the partners' API read these shapes.
import { z } from '@hono/zod-openapi';
import { ALERT_KINDS, AWPB_COMPONENTS, forecastLineKey } from '../domain/overview';
import { FUNDING_SOURCES } from '../domain/funding';
import { GRIEVANCE_CATEGORIES } from '../domain/grievances';
import { CYCLE_STATUSES, PHASES, PHASE_STATUSES } from '../domain/cycle';
import { isoDate, line } from './schemas';

const int = () => z.number().int();
const fcfa = () => z.number().int().openapi({ description: 'Integer FCFA' });
const regionCode = () => z.string().regex(/^[A-Z]{3}$/, 'A region code such as MOP');
const rate = () => z.number().nullable().openapi({ description: 'Achievements ÷ forecast (0.1711 is 17.11 %); null without a forecast' });

/** A real calendar day, not only its shape. */
export const calendarDay = isoDate.refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'No such day');

export const OverviewQuerySchema = z
  .object({
    year: z.coerce.number().int().min(2013).max(2100).optional().openapi({ param: { name: 'year', in: 'query' }, description: 'AWPB year; the latest year on record up to asOf’s when absent' }),
    asOf: calendarDay.optional().openapi({ param: { name: 'asOf', in: 'query' }, description: 'Achievements up to this day (inclusive); today, or the year’s last day for a past year' }),
  })
  .strict();

const BudgetLineSchema = z.object({ key: z.string(), forecastFcfa: fcfa(), ledgerFcfa: fcfa(), expensesFcfa: fcfa(), achievedFcfa: fcfa(), executionRate: rate() }).openapi('BudgetLine');
const BudgetSchema = z
  .object({ year: int(), asOf: z.string(), total: BudgetLineSchema, byComponent: z.array(BudgetLineSchema), byFundingSource: z.array(BudgetLineSchema), byRegion: z.array(BudgetLineSchema) })
  .openapi('BudgetFigures');
const householdCounts = { targeted: int(), validated: int(), paid: int(), failed: int(), inFlight: int(), disbursedFcfa: fcfa() };
const HouseholdsSchema = z.object(householdCounts).openapi('HouseholdFigures');
const RegionSchema = z.object({ code: z.string(), name: z.string(), ...householdCounts, progress: z.number().nullable() }).openapi('RegionFigures');
const DaySchema = z.object({ day: z.string(), payments: int(), amountFcfa: fcfa(), cumulativeFcfa: fcfa() }).openapi('DayFigures');
const AreaSchema = z.union([
  z.object({ level: z.literal('national') }),
  z.object({ level: z.literal('region'), region: z.string() }),
  z.object({ level: z.literal('commune'), region: z.string(), commune: z.string() }),
]);
const CycleSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(CYCLE_STATUSES),
  targetHouseholds: int(),
  startsOn: z.string().nullable(),
  endsOn: z.string().nullable(),
  phases: z.array(z.object({ phase: z.enum(PHASES), status: z.enum(PHASE_STATUSES), startedAt: z.string().nullable(), completedAt: z.string().nullable() })),
});

export const OverviewSchema = z
  .object({
    area: AreaSchema,
    at: z.string(),
    asOf: z.string(),
    year: int(),
    cycles: z.array(CycleSchema),
    households: HouseholdsSchema,
    budget: BudgetSchema,
    regions: z.array(RegionSchema),
    disbursedByDay: z.array(DaySchema),
    grievances: z.object({ total: int(), open: int(), late: int(), byCategory: z.array(z.object({ category: z.enum(GRIEVANCE_CATEGORIES), cases: int(), open: int() })) }),
    procurementDelays: z.array(
      z.object({ caseId: z.string(), cycleId: z.string(), title: z.string(), step: z.string(), stepLabel: z.object({ fr: z.string(), en: z.string() }), deadlineAt: z.string().nullable(), escalated: z.boolean(), daysLate: int() }),
    ),
    alerts: z.array(z.object({ kind: z.enum(ALERT_KINDS), cycleId: z.string().nullable(), cycleName: z.string().nullable(), subject: z.string(), count: int(), since: z.string().nullable(), href: z.string() })),
    failedShareThreshold: z.number(),
  })
  .openapi('Overview');

export const PartnerFiguresSchema = z
  .object({
    at: z.string(),
    asOf: z.string(),
    year: int(),
    cycles: z.array(CycleSchema.pick({ id: true, name: true, status: true, targetHouseholds: true })),
    households: HouseholdsSchema,
    budget: BudgetSchema,
    regions: z.array(RegionSchema),
    disbursedByDay: z.array(DaySchema),
  })
  .openapi('PartnerFigures');

export const ExpenseInputSchema = z
  .object({
    component: z.enum(AWPB_COMPONENTS),
    fundingSource: z.enum(FUNDING_SOURCES),
    regionCode: regionCode().nullable().default(null),
    amountFcfa: z.number().int('FCFA amounts are whole numbers').positive().max(1_000_000_000_000),
    spentOn: calendarDay,
    description: line().trim().min(3).max(500),
  })
  .strict()
  .openapi('AwpbExpenseInput');

export const ExpenseSchema = ExpenseInputSchema.extend({ id: z.string(), recordedBy: z.string(), recordedAt: z.string() }).openapi('AwpbExpense');


/** Every component × funding source × (national and up to 11 regions): more lines than that repeat one. */
const MAX_FORECAST_LINES = AWPB_COMPONENTS.length * FUNDING_SOURCES.length * 12;

export const ForecastLineSchema = z
  .object({
    component: z.enum(AWPB_COMPONENTS),
    fundingSource: z.enum(FUNDING_SOURCES),
    regionCode: regionCode().nullable().openapi({ description: 'null: a national line no region carries' }),
    amountFcfa: z.number().int('FCFA amounts are whole numbers').min(0).max(1_000_000_000_000),
  })
  .strict()
  .openapi('AwpbForecastLine');

export const ForecastPlanInputSchema = z
  .object({
    lines: z
      .array(ForecastLineSchema)
      .min(1, 'A plan holds at least one line')
      .max(MAX_FORECAST_LINES)
      .superRefine((lines, ctx) => {
        const seen = new Set<string>();
        lines.forEach((l, i) => {
          const key = forecastLineKey(l);
          if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: 'The same component, funding source and region twice' });
          seen.add(key);
        });
      }),
    basedOn: z.string().datetime().nullable().openapi({ description: 'The updatedAt of the plan the editor started from (null: the year had none); another change since is refused with 409' }),
  })
  .strict()
  .openapi('AwpbForecastPlanInput');

export const ForecastPlanSchema = z
  .object({ year: int(), lines: z.array(ForecastLineSchema), updatedAt: z.string().nullable(), updatedBy: z.string().nullable(), years: z.array(int()), regions: z.array(z.object({ code: z.string(), name: z.string() })) })
  .openapi('AwpbForecastPlan');

export const ForecastYearParam = z.object({
  year: z.coerce.number().int().min(2013).max(2100).openapi({ param: { name: 'year', in: 'path' } }),
});
