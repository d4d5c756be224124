import { eq, sql } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import { forecastYears, readOverview } from '../../db/overview';
import { auditLog, awpbExpenses, regions } from '../../db/schema';
import type { FundingSource } from '../../domain/funding';
import { OVERVIEW_CHANNEL, type AwpbComponent, type Overview, type PartnerFigures } from '../../domain/overview';
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

  return {
    overview,
    /** An expense against the AWPB, with its audit row; the overview's watchers are woken after the commit. */
    async recordExpense(
      input: { component: AwpbComponent; fundingSource: FundingSource; regionCode: string | null; amountFcfa: number; spentOn: string; description: string },
      by: ActorContext,
    ) {
      if (input.regionCode) {
        const [known] = await database.db.select({ code: regions.code }).from(regions).where(eq(regions.code, input.regionCode));
        if (!known) throw new ApiError(400, 'validation_failed', `No region with code "${input.regionCode}".`);
      }
      const row = await database.db.transaction(async (tx) => {
        const [expense] = await tx
          .insert(awpbExpenses)
          .values({ ...input, recordedBy: by.principal.username })
          .returning();
        await tx.insert(auditLog).values(auditRow(by, { action: 'awpb.expense.record', targetType: 'awpb-expense', targetId: expense!.id, after: input }));
        await tx.execute(sql`select pg_notify(${OVERVIEW_CHANNEL}, ${JSON.stringify({ kind: 'expense', year: Number(input.spentOn.slice(0, 4)) })})`);
        return expense!;
      });
      shared.clear();
      yearsRead = null;
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
