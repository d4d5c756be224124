// The overview's figures, read once for the console page, the steering committee's report and the
// partners' API, so the three never disagree. Every read is scoped to the reader's area and sums
// counters (payment_figures, payment_daily_figures, commune lists, quotas), never the payments table.
import type { Sql } from 'postgres';
import type { CycleStatus, Phase, PhaseStatus } from '../domain/cycle';
import { FUNDING_SOURCES } from '../domain/funding';
import { OPEN_STATUSES as OPEN_GRIEVANCE_STATUSES, SENSITIVE_CATEGORIES, type GrievanceCategory } from '../domain/grievances';
import {
  AWPB_COMPONENTS,
  DEFAULT_FAILED_SHARE_THRESHOLD,
  executionRate,
  LEDGER_COMPONENT,
  type BudgetFigures,
  type BudgetLine,
  type HouseholdFigures,
  type Overview,
  type OverviewAlert,
  type OverviewCycle,
  type RegionFigures,
} from '../domain/overview';
import { OPEN_STATUSES as OPEN_PAYMENT_STATUSES, PAID_STATUSES } from '../domain/payments';
import type { Area } from '../domain/roles';

export interface OverviewQuery {
  area: Area;
  /** Achievements count up to this day (YYYY-MM-DD, inclusive); today when absent. */
  asOf?: string;
  /** The AWPB year; asOf's year when absent. */
  year?: number;
  /** Misconduct and fraud complaints are counted only for readers who may read them. */
  includeSensitiveGrievances: boolean;
  failedShareThreshold?: number;
  /** Today, for tests; the clock otherwise. */
  now?: Date;
}

const OPEN_CYCLE_STATUSES = ['running', 'paused'];
const day = (d: Date) => d.toISOString().slice(0, 10);
/** Our own enum words as a Postgres array literal: no type lookup needed before the first query. */
const textArray = (words: readonly string[]) => `{${words.join(',')}}`;

/** The forecast years on record, newest first: the page's year picker. */
export async function forecastYears(sql: Sql): Promise<number[]> {
  const rows = await sql<Array<{ year: number }>>`select distinct year from awpb_forecasts order by year desc`;
  return rows.map((r) => r.year);
}

export async function readOverview(sql: Sql, q: OverviewQuery): Promise<Overview> {
  const now = q.now ?? new Date();
  const asOf = q.asOf ?? day(now);
  const year = q.year ?? Number(asOf.slice(0, 4));
  const threshold = q.failedShareThreshold ?? DEFAULT_FAILED_SHARE_THRESHOLD;
  const region = q.area.level === 'national' ? null : q.area.region;
  const commune = q.area.level === 'commune' ? q.area.commune : null;
  const inRegion = (column: string) => (region ? sql`and ${sql(column)} = ${region}` : sql``);
  const inCommune = (column: string) => (commune ? sql`and ${sql(column)} = ${commune}` : sql``);
  const yearStart = `${year}-01-01`;
  const windowEnd = asOf < `${year}-12-31` ? asOf : `${year}-12-31`;
  // A commune's reader has no AWPB lines of their own: forecasts are made per region.
  const budgetScope = q.area.level === 'commune' ? sql`and false` : inRegion('region_code');

  const [cycleRows, phaseRows, regionNames, quotas, validated, paid, forecasts, expenses, paidByDay, grievanceRows, delays, lateWorkshops] = await Promise.all([
    sql<Array<{ id: string; name: string; status: CycleStatus; targetHouseholds: number; startsOn: string | null; endsOn: string | null }>>`
      select id, name, status, target_households as "targetHouseholds", starts_on as "startsOn", ends_on as "endsOn"
      from cycles where status::text = any(${textArray(OPEN_CYCLE_STATUSES)}::text[]) order by created_at`,
    sql<Array<{ cycleId: string; phase: Phase; status: PhaseStatus; startedAt: string | null; completedAt: string | null }>>`
      select p.cycle_id as "cycleId", p.phase, p.status, to_char(p.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "startedAt", to_char(p.completed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "completedAt"
      from cycle_phases p join cycles c on c.id = p.cycle_id where c.status::text = any(${textArray(OPEN_CYCLE_STATUSES)}::text[])`,
    sql<Array<{ code: string; name: string }>>`select code, name from regions where true ${inRegion('code')} order by name`,
    sql<Array<{ regionCode: string; households: number }>>`
      select q.region_code as "regionCode", sum(q.quota)::int as households from targeting_quotas q join cycles c on c.id = q.cycle_id
      where c.status::text = any(${textArray(OPEN_CYCLE_STATUSES)}::text[]) and q.level = ${commune ? 'commune' : 'region'} ${inRegion('q.region_code')} ${inCommune('q.commune_code')}
      group by 1`,
    sql<Array<{ regionCode: string; households: number }>>`
      select l.region_code as "regionCode", sum(l.households)::int as households from commune_lists l join cycles c on c.id = l.cycle_id
      where c.status::text = any(${textArray(OPEN_CYCLE_STATUSES)}::text[]) and l.status = 'approved' ${inRegion('l.region_code')} ${inCommune('l.commune_code')}
      group by 1`,
    sql<Array<{ cycleId: string; regionCode: string; status: string; payments: number; amountFcfa: number }>>`
      select f.cycle_id as "cycleId", f.region_code as "regionCode", f.status, sum(f.payments)::int as payments, sum(f.amount_fcfa)::float8 as "amountFcfa"
      from payment_figures f join cycles c on c.id = f.cycle_id
      where c.status::text = any(${textArray(OPEN_CYCLE_STATUSES)}::text[]) ${inRegion('f.region_code')} ${inCommune('f.commune_code')}
      group by 1, 2, 3`,
    sql<Array<{ component: string; fundingSource: string; regionCode: string | null; amountFcfa: number }>>`
      select component, funding_source as "fundingSource", region_code as "regionCode", sum(amount_fcfa)::float8 as "amountFcfa"
      from awpb_forecasts where year = ${year} ${budgetScope} group by 1, 2, 3`,
    sql<Array<{ component: string; fundingSource: string; regionCode: string | null; amountFcfa: number }>>`
      select component, funding_source as "fundingSource", region_code as "regionCode", sum(amount_fcfa)::float8 as "amountFcfa"
      from awpb_expenses where spent_on between ${yearStart}::date and ${windowEnd}::date ${budgetScope} group by 1, 2, 3`,
    // One pass over the daily counters: the ledger's achievements (the budget's scope) and the series (the reader's).
    sql<Array<{ day: string; fundingSource: string; regionCode: string; communeCode: string; payments: number; amountFcfa: number }>>`
      select day::text as day, funding_source as "fundingSource", region_code as "regionCode", ${commune ? sql`commune_code` : sql`''`} as "communeCode",
        sum(payments)::int as payments, sum(amount_fcfa)::float8 as "amountFcfa"
      from payment_daily_figures where day between ${yearStart}::date and ${windowEnd}::date ${inRegion('region_code')} ${inCommune('commune_code')}
      group by 1, 2, 3, 4 order by 1`,
    sql<Array<{ category: GrievanceCategory; regionCode: string; cases: number; open: number; late: number }>>`
      select category, region as "regionCode", count(*)::int as cases,
        count(*) filter (where status::text = any(${textArray(OPEN_GRIEVANCE_STATUSES)}::text[]))::int as open,
        count(*) filter (where status::text = any(${textArray(OPEN_GRIEVANCE_STATUSES)}::text[]) and (level <> 'commune' or late_at is not null or deadline_at <= ${now.toISOString()}::timestamptz))::int as late
      from grievance_cases where linked_to is null ${inRegion('region')} ${inCommune('commune')}
        ${q.includeSensitiveGrievances ? sql`` : sql`and category::text <> all(${textArray(SENSITIVE_CATEGORIES)}::text[])`}
      group by 1, 2`,
    sql<Array<{ caseId: string; cycleId: string; cycleName: string; title: string; step: string; deadlineAt: string | null; escalated: boolean; stepLabel: { fr: string; en: string } | null }>>`
      select p.id as "caseId", p.cycle_id as "cycleId", c.name as "cycleName", p.title, p.current_step as step, to_char(p.step_deadline_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "deadlineAt", p.escalated,
        (select s -> 'label' from procurement_templates t, jsonb_array_elements(t.steps) s where t.key = p.template_key and t.version = p.template_version and s ->> 'key' = p.current_step limit 1) as "stepLabel"
      from procurement_cases p join cycles c on c.id = p.cycle_id
      where p.status = 'running' and (p.late or p.step_deadline_at < ${now.toISOString()}::timestamptz) ${region ? sql`and ${region} = any(p.regions)` : sql``}
      order by p.step_deadline_at nulls last`,
    sql<Array<{ cycleId: string; cycleName: string; regionCode: string; plannedEnd: string }>>`
      select w.cycle_id as "cycleId", c.name as "cycleName", w.region_code as "regionCode", w.planned_end::text as "plannedEnd"
      from workshops w join cycles c on c.id = w.cycle_id
      where c.status::text = any(${textArray(OPEN_CYCLE_STATUSES)}::text[]) and w.reported_at is null and w.planned_end < ${day(now)}::date ${inRegion('w.region_code')}
      order by w.planned_end`,
  ]);

  const nameOf = new Map(regionNames.map((r) => [r.code, r.name]));
  const cycleName = new Map(cycleRows.map((c) => [c.id, c.name]));
  const cycles: OverviewCycle[] = cycleRows.map((c) => ({
    ...c,
    phases: phaseRows
      .filter((p) => p.cycleId === c.id)
      .map((p) => ({ phase: p.phase, status: p.status, startedAt: p.startedAt, completedAt: p.completedAt })),
  }));

  // Households per region: targeted, validated, paid and failed, from the counters.
  const regions = new Map<string, RegionFigures>();
  const regionEntry = (code: string) => {
    let r = regions.get(code);
    if (!r) regions.set(code, (r = { code, name: nameOf.get(code) ?? code, targeted: 0, validated: 0, paid: 0, failed: 0, inFlight: 0, disbursedFcfa: 0, progress: null }));
    return r;
  };
  for (const r of regionNames) regionEntry(r.code);
  for (const q2 of quotas) regionEntry(q2.regionCode).targeted += q2.households;
  for (const v of validated) regionEntry(v.regionCode).validated += v.households;
  const failedBy = new Map<string, { cycleId: string; regionCode: string; failed: number; settled: number }>();
  for (const p of paid) {
    const r = regionEntry(p.regionCode);
    const key = `${p.cycleId}|${p.regionCode}`;
    const f = failedBy.get(key) ?? { cycleId: p.cycleId, regionCode: p.regionCode, failed: 0, settled: 0 };
    failedBy.set(key, f);
    if ((PAID_STATUSES as readonly string[]).includes(p.status)) {
      r.paid += p.payments;
      r.disbursedFcfa += p.amountFcfa;
      f.settled += p.payments;
    } else if (p.status === 'failed') {
      r.failed += p.payments;
      f.failed += p.payments;
      f.settled += p.payments;
    } else if ((OPEN_PAYMENT_STATUSES as readonly string[]).includes(p.status)) r.inFlight += p.payments;
  }
  const regionList = [...regions.values()]
    .map((r) => ({ ...r, progress: r.targeted > 0 ? Math.min(1, r.paid / r.targeted) : null }))
    .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const households: HouseholdFigures = regionList.reduce(
    (t, r) => ({ targeted: t.targeted + r.targeted, validated: t.validated + r.validated, paid: t.paid + r.paid, failed: t.failed + r.failed, inFlight: t.inFlight + r.inFlight, disbursedFcfa: t.disbursedFcfa + r.disbursedFcfa }),
    { targeted: 0, validated: 0, paid: 0, failed: 0, inFlight: 0, disbursedFcfa: 0 },
  );

  // A commune's reader has no AWPB lines: the ledger counts toward no forecast of theirs either.
  const ledger = q.area.level === 'commune' ? [] : paidByDay;
  const budget = budgetFigures(year, asOf, forecasts, expenses, ledger, nameOf);

  const byDay = new Map<string, { day: string; payments: number; amountFcfa: number }>();
  for (const d of paidByDay) {
    const entry = byDay.get(d.day) ?? { day: d.day, payments: 0, amountFcfa: 0 };
    entry.payments += d.payments;
    entry.amountFcfa += d.amountFcfa;
    byDay.set(d.day, entry);
  }
  let cumulative = 0;
  const disbursedByDay = [...byDay.values()].map((d) => ({ ...d, cumulativeFcfa: (cumulative += d.amountFcfa) }));

  const byCategory = new Map<GrievanceCategory, { category: GrievanceCategory; cases: number; open: number }>();
  const lateByRegion = new Map<string, number>();
  for (const g of grievanceRows) {
    const c = byCategory.get(g.category) ?? { category: g.category, cases: 0, open: 0 };
    c.cases += g.cases;
    c.open += g.open;
    byCategory.set(g.category, c);
    if (g.late > 0) lateByRegion.set(g.regionCode, (lateByRegion.get(g.regionCode) ?? 0) + g.late);
  }
  const grievances = {
    total: grievanceRows.reduce((s, g) => s + g.cases, 0),
    open: grievanceRows.reduce((s, g) => s + g.open, 0),
    late: grievanceRows.reduce((s, g) => s + g.late, 0),
    byCategory: [...byCategory.values()].sort((a, b) => b.cases - a.cases),
  };

  const procurementDelays = delays.map((d) => ({
    caseId: d.caseId,
    cycleId: d.cycleId,
    title: d.title,
    step: d.step,
    stepLabel: d.stepLabel ?? { fr: d.step, en: d.step },
    deadlineAt: d.deadlineAt,
    escalated: d.escalated,
    daysLate: d.deadlineAt ? Math.max(0, Math.floor((now.getTime() - Date.parse(d.deadlineAt)) / 86_400_000)) : 0,
  }));

  const alerts: OverviewAlert[] = [
    ...lateWorkshops.map((w) => ({ kind: 'workshop-late' as const, cycleId: w.cycleId, cycleName: w.cycleName, subject: nameOf.get(w.regionCode) ?? w.regionCode, count: 1, since: `${w.plannedEnd}T23:59:59.000Z`, href: `/cycles/${w.cycleId}/ateliers` })),
    ...delays.map((d) => ({ kind: 'procurement-late' as const, cycleId: d.cycleId, cycleName: d.cycleName, subject: d.title, count: 1, since: d.deadlineAt, href: `/achats/${d.caseId}` })),
    ...[...failedBy.values()]
      .filter((f) => f.failed > 0 && f.failed / f.settled > threshold)
      .map((f) => ({ kind: 'payments-failed' as const, cycleId: f.cycleId, cycleName: cycleName.get(f.cycleId) ?? null, subject: nameOf.get(f.regionCode) ?? f.regionCode, count: f.failed, since: null, href: `/cycles/${f.cycleId}/paiements/echecs` })),
    ...[...lateByRegion].map(([code, count]) => ({ kind: 'grievances-late' as const, cycleId: null, cycleName: null, subject: nameOf.get(code) ?? code, count, since: null, href: `/plaintes?retard=1&region=${encodeURIComponent(code)}` })),
  ];

  return { area: q.area, at: now.toISOString(), asOf, year, cycles, households, budget, regions: regionList, disbursedByDay, grievances, procurementDelays, alerts, failedShareThreshold: threshold };
}

type Amounts = Array<{ component?: string; fundingSource: string; regionCode: string | null; amountFcfa: number }>;

/** Forecast against achievements (ledger + expenses) per component, funding source and region; the rates computed here. */
function budgetFigures(year: number, asOf: string, forecasts: Amounts, expenses: Amounts, ledger: Amounts, nameOf: Map<string, string>): BudgetFigures {
  const lines = new Map<string, BudgetLine>();
  const line = (key: string) => {
    let l = lines.get(key);
    if (!l) lines.set(key, (l = { key, forecastFcfa: 0, ledgerFcfa: 0, expensesFcfa: 0, achievedFcfa: 0, executionRate: null }));
    return l;
  };
  const keysOf = (a: Amounts[number], component: string) => ['total', `component:${component}`, `source:${a.fundingSource}`, `region:${a.regionCode ?? 'national'}`];
  for (const f of forecasts) for (const k of keysOf(f, f.component!)) line(k).forecastFcfa += f.amountFcfa;
  for (const e of expenses) for (const k of keysOf(e, e.component!)) line(k).expensesFcfa += e.amountFcfa;
  for (const p of ledger) for (const k of keysOf(p, LEDGER_COMPONENT)) line(k).ledgerFcfa += p.amountFcfa;
  const done = (l: BudgetLine, key: string): BudgetLine => {
    const achievedFcfa = l.ledgerFcfa + l.expensesFcfa;
    return { ...l, key, achievedFcfa, executionRate: executionRate(achievedFcfa, l.forecastFcfa) };
  };
  const pick = (prefix: string, order: readonly string[]) =>
    [...lines]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, l]) => done(l, k.slice(prefix.length)))
      .sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  const regionOrder = [...[...nameOf].sort((a, b) => a[1].localeCompare(b[1], 'fr')).map(([code]) => code), 'national'];
  return {
    year,
    asOf,
    total: done(line('total'), 'total'),
    byComponent: AWPB_COMPONENTS.map((c) => done(line(`component:${c}`), c)),
    byFundingSource: pick('source:', FUNDING_SOURCES),
    byRegion: pick('region:', regionOrder),
  };
}
