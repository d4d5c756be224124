import { asc, eq, inArray, sql } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import { forecastYears, readOverview } from '../../db/overview';
import { auditLog, awpbExpenses, awpbForecasts, regions } from '../../db/schema';
import type { FundingSource } from '../../domain/funding';
import { OVERVIEW_CHANNEL, type AwpbComponent, type AwpbForecastLine, type AwpbForecastPlan, type Overview, type PartnerFigures } from '../../domain/overview';
import { can } from '../../domain/policy';
import type { ActorContext, Area, Principal } from '../../domain/roles';
import { ApiError } from '../errors';
import { areaKey } from './payment-figures';

/** Whose overview: an area, and whether misconduct and fraud complaints are counted. */
export interface OverviewViewer {
  area: Area;
  sensitive: boolean;
}

export const viewerOf = (principal: Principal): OverviewViewer => ({ area: principal.area, sensitive: can(principal, 'grievance.read-sensitive') });

export interface OverviewRequest {
  year?: number;
  asOf?: string;
}

/**
 * The one reader of the overview for the page, its live stream, the report and the partners' API.
 * A read is shared by everyone asking the same view within `maxAgeMs` (a second: the live stream's
 * own pace), so a thousand browsers refreshing at once cost one read; a change made through this
 * API (an expense) drops the shared reads at once.
 */
export function createOverviewService({ database, failedShareThreshold, maxAgeMs = 1_000 }: { database: Database; failedShareThreshold?: number; maxAgeMs?: number }) {
  const shared = new Map<string, { at: number; read: Promise<{ overview: Overview; years: number[] }> }>();

  let yearsRead: { at: number; read: Promise<number[]> } | null = null;
  /** The forecast years change with the AWPB, rarely: read at most once a second like the rest. */
  function yearsOnRecord() {
    if (!yearsRead || Date.now() - yearsRead.at >= maxAgeMs) yearsRead = { at: Date.now(), read: forecastYears(database.sql) };
    return yearsRead.read;
  }

  async function read(viewer: OverviewViewer, request: OverviewRequest, now = new Date()) {
    const years = await yearsOnRecord();
    const today = now.toISOString().slice(0, 10);
    const asOfYear = Number((request.asOf ?? today).slice(0, 4));
    // Without a year: the latest AWPB on record up to the date's year (the demo's is 2021).
    const year = request.year ?? years.find((y) => y <= asOfYear) ?? asOfYear;
    const asOf = request.asOf ?? (year < Number(today.slice(0, 4)) ? `${year}-12-31` : today);
    const overview = await readOverview(database.sql, {
      area: viewer.area,
      year,
      asOf,
      includeSensitiveGrievances: viewer.sensitive,
      ...(failedShareThreshold === undefined ? {} : { failedShareThreshold }),
      now,
    });
    return { overview, years };
  }

  /** `fresh`: read now (the live stream, after a change), and share that read from then on. */
  function overview(viewer: OverviewViewer, request: OverviewRequest = {}, { fresh = false } = {}) {
    const key = JSON.stringify([areaKey(viewer.area), viewer.sensitive, request.year ?? null, request.asOf ?? null]);
    const now = Date.now();
    const hit = shared.get(key);
    if (hit && !fresh && now - hit.at < maxAgeMs) return hit.read;
    if (shared.size > 1_000) for (const [k, v] of shared) if (now - v.at >= maxAgeMs) shared.delete(k);
    const entry = { at: now, read: read(viewer, request) };
    // A failed read is not shared: the next caller tries again.
    entry.read.catch(() => shared.get(key) === entry && shared.delete(key));
    shared.set(key, entry);
    return entry.read;
  }

  /** Codes among these that are no region's. */
  async function unknownRegions(codes: Array<string | null>): Promise<string[]> {
    const wanted = [...new Set(codes.filter((c): c is string => c !== null))];
    if (wanted.length === 0) return [];
    const known = new Set((await database.db.select({ code: regions.code }).from(regions).where(inArray(regions.code, wanted))).map((r) => r.code));
    return wanted.filter((c) => !known.has(c));
  }

  /** Drops the shared reads, once an AWPB change is committed. */
  function changed() {
    shared.clear();
    yearsRead = null;
  }

  /** Wakes the overview's watchers on every node, from inside the change's transaction (Postgres sends it at commit). */
  async function wake(tx: Pick<Database['db'], 'execute'>, kind: 'forecast' | 'expense', year: number) {
    await tx.execute(sql`select pg_notify(${OVERVIEW_CHANNEL}, ${JSON.stringify({ kind, year })})`);
  }

  /** What an editor of the plan picks from: the years on record and the regions. */
  async function planContext(): Promise<Pick<AwpbForecastPlan, 'years' | 'regions'>> {
    const [years, rows] = await Promise.all([forecastYears(database.sql), database.db.select({ code: regions.code, name: regions.name }).from(regions).orderBy(asc(regions.name))]);
    return { years, regions: rows };
  }

  async function readPlan(year: number, db: Pick<Database['db'], 'select'> = database.db): Promise<Omit<AwpbForecastPlan, 'years' | 'regions'>> {
    const rows = await db
      .select()
      .from(awpbForecasts)
      .where(eq(awpbForecasts.year, year))
      .orderBy(asc(awpbForecasts.component), asc(awpbForecasts.fundingSource), sql`${awpbForecasts.regionCode} asc nulls first`);
    const last = rows.reduce<(typeof rows)[number] | null>((a, r) => (!a || r.updatedAt > a.updatedAt ? r : a), null);
    return {
      year,
      lines: rows.map(({ component, fundingSource, regionCode, amountFcfa }) => ({ component, fundingSource, regionCode, amountFcfa })),
      updatedAt: last ? last.updatedAt.toISOString() : null,
      updatedBy: last ? last.updatedBy : null,
    };
  }

  return {
    overview,
    /** A year's AWPB lines as its editor reads them, with the years on record. */
    async forecastPlan(year: number): Promise<AwpbForecastPlan> {
      const [plan, context] = await Promise.all([readPlan(year), planContext()]);
      return { ...plan, ...context };
    },
    /**
     * Replaces a year's AWPB with these lines, all or nothing, audited (the plan before and after). Refused
     * with 409 when the plan changed since the editor read it (`basedOn`), so two editors never overwrite
     * each other unknowingly; only the national coordination sets the plan.
     */
    async replaceForecastPlan(year: number, input: { lines: AwpbForecastLine[]; basedOn: string | null }, by: ActorContext): Promise<AwpbForecastPlan> {
      if (by.principal.area.level !== 'national') throw new ApiError(403, 'forbidden', 'Only the national coordination sets the AWPB.');
      const unknown = await unknownRegions(input.lines.map((l) => l.regionCode));
      if (unknown.length > 0) throw new ApiError(400, 'validation_failed', `No region with code ${unknown.map((c) => `"${c}"`).join(', ')}.`);
      const plan = await database.db.transaction(async (tx) => {
        // One editor of a year at a time: the second reads what the first wrote.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext('awpb-forecast'), ${year})`);
        const before = await readPlan(year, tx);
        const basedOn = input.basedOn === null ? null : new Date(input.basedOn).toISOString();
        if (before.updatedAt !== basedOn) {
          throw new ApiError(409, 'conflict', `The ${year} AWPB was changed by ${before.updatedBy ?? 'someone'} since you read it: reload it before saving.`, {
            updatedAt: before.updatedAt,
            updatedBy: before.updatedBy,
          });
        }
        await tx.delete(awpbForecasts).where(eq(awpbForecasts.year, year));
        // The clock, not the transaction's start: a plan saved after waiting for the lock is later than the one it waited for.
        await tx.insert(awpbForecasts).values(input.lines.map((l) => ({ ...l, year, updatedBy: by.principal.username, updatedAt: sql`clock_timestamp()` })));
        const after = await readPlan(year, tx);
        await tx.insert(auditLog).values(auditRow(by, { action: 'awpb.forecast.replace', targetType: 'awpb-forecast', targetId: String(year), before: before.lines, after: after.lines }));
        await wake(tx, 'forecast', year);
        return after;
      });
      changed();
      return { ...plan, ...(await planContext()) };
    },
    /** An expense against the AWPB, with its audit row; the overview's watchers are woken after the commit. */
    async recordExpense(
      input: { component: AwpbComponent; fundingSource: FundingSource; regionCode: string | null; amountFcfa: number; spentOn: string; description: string },
      by: ActorContext,
    ) {
      const [unknown] = await unknownRegions([input.regionCode]);
      if (unknown) throw new ApiError(400, 'validation_failed', `No region with code "${unknown}".`);
      const row = await database.db.transaction(async (tx) => {
        const [expense] = await tx
          .insert(awpbExpenses)
          .values({ ...input, recordedBy: by.principal.username })
          .returning();
        await tx.insert(auditLog).values(auditRow(by, { action: 'awpb.expense.record', targetType: 'awpb-expense', targetId: expense!.id, after: input }));
        await wake(tx, 'expense', Number(input.spentOn.slice(0, 4)));
        return expense!;
      });
      changed();
      return { ...row, recordedAt: row.recordedAt.toISOString() };
    },
    /** What a funder's system may see: aggregates, no alerts, no complaints, no names. */
    async partnerFigures(principal: Principal, request: OverviewRequest = {}): Promise<PartnerFigures> {
      const { overview: o } = await overview({ area: principal.area, sensitive: false }, request);
      return {
        at: o.at,
        asOf: o.asOf,
        year: o.year,
        cycles: o.cycles.map(({ id, name, status, targetHouseholds }) => ({ id, name, status, targetHouseholds })),
        households: o.households,
        budget: o.budget,
        regions: o.regions,
        disbursedByDay: o.disbursedByDay,
      };
    },
  };
}

export type OverviewService = ReturnType<typeof createOverviewService>;
