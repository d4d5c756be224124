import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import {
  auditLog,
  beneficiaries,
  communeLists,
  communes,
  households,
  listEntries,
  regions,
  targetingQuotas,
  targetingResults,
  targetingRules,
  targetingRuns,
  type CycleRow,
  type TargetingRunRow,
} from '../../db/schema';
import { eligibilityRunWorkflowId } from '../../domain/ids';
import { areaContains, type ActorContext, type Area, type Principal } from '../../domain/roles';
import {
  areaKey,
  assessHousehold,
  DEFAULT_TARGETING_RULES,
  ruleProblems,
  type AreaLevel,
  type QuotaOverride,
  type TargetingRules,
} from '../../domain/targeting';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { eligibilityRunWorkflow } from '../../workflows';
import { ApiError } from '../errors';
import { requireCycleRow } from '../cycle-lookup';

export interface TargetingServiceDeps {
  database: Database;
  temporal: Client;
  taskQueue: string;
}

export type TargetingService = ReturnType<typeof createTargetingService>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

function runView(r: TargetingRunRow) {
  return {
    id: r.id,
    status: r.status,
    step: r.step,
    target: r.target,
    households: r.households,
    eligible: r.eligible,
    selected: r.selected,
    failure: r.failure,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}

/** Areas overlap when one holds the other: a focal point may look at their region's communes, or at their commune inside its region. */
function overlaps(a: Area, b: Area): boolean {
  return areaContains(a, b) || areaContains(b, a);
}

/** How long a run whose results are written may take to close its workflow. */
const PREVIOUS_RUN_CLOSING_MS = 10_000;

export function createTargetingService({ database, temporal, taskQueue }: TargetingServiceDeps) {
  const { db } = database;

  async function requireCycle(cycleId: string): Promise<CycleRow> {
    return requireCycleRow(db, cycleId);
  }

  async function lastRun(cycleId: string, completedOnly = false) {
    const [run] = await db
      .select()
      .from(targetingRuns)
      .where(and(eq(targetingRuns.cycleId, cycleId), completedOnly ? eq(targetingRuns.status, 'completed') : undefined))
      .orderBy(desc(completedOnly ? targetingRuns.finishedAt : targetingRuns.createdAt))
      .limit(1);
    return run ?? null;
  }

  async function overview(cycleId: string) {
    const cycle = await requireCycle(cycleId);
    const [row] = await db.select().from(targetingRules).where(eq(targetingRules.cycleId, cycleId));
    const run = await lastRun(cycleId);
    return {
      cycleId,
      target: cycle.targetHouseholds,
      rules: row?.rules ?? DEFAULT_TARGETING_RULES,
      quotaOverrides: row?.quotaOverrides ?? [],
      lockedAt: iso(row?.lockedAt ?? null),
      updatedBy: row?.updatedBy ?? null,
      updatedAt: iso(row?.updatedAt ?? null),
      run: run ? runView(run) : null,
    };
  }

  /** Rules, hand-set quotas and runs stop when the commune lists leave for validation (lockedAt), or when the cycle is closed. */
  async function requireEditable(cycle: CycleRow) {
    if (cycle.status === 'cancelled' || cycle.status === 'completed') {
      throw new ApiError(409, 'rule_violated', `The cycle is ${cycle.status}: its targeting can no longer change.`);
    }
    const [row] = await db.select({ lockedAt: targetingRules.lockedAt }).from(targetingRules).where(eq(targetingRules.cycleId, cycle.id));
    if (row?.lockedAt) {
      throw new ApiError(409, 'rule_violated', `The commune lists were sent for validation on ${row.lockedAt.toISOString()}: targeting can no longer change.`);
    }
  }

  async function saveRules(cycleId: string, change: { rules?: TargetingRules; quotaOverrides?: QuotaOverride[] }, by: ActorContext, action: string) {
    const cycle = await requireCycle(cycleId);
    await requireEditable(cycle);
    await db.transaction(async (tx) => {
      const [before] = await tx.select().from(targetingRules).where(eq(targetingRules.cycleId, cycleId)).for('update');
      const next = { rules: change.rules ?? before?.rules ?? DEFAULT_TARGETING_RULES, quotaOverrides: change.quotaOverrides ?? before?.quotaOverrides ?? [] };
      await tx
        .insert(targetingRules)
        .values({ cycleId, ...next, updatedBy: by.principal.username })
        .onConflictDoUpdate({ target: targetingRules.cycleId, set: { ...next, updatedBy: by.principal.username, updatedAt: sql`now()` } });
      const field = change.rules ? 'rules' : 'quotaOverrides';
      await tx.insert(auditLog).values(
        auditRow(by, { action, targetType: 'cycle', targetId: cycleId, before: before ? { [field]: before[field] } : null, after: { [field]: next[field] } }),
      );
    });
    return overview(cycleId);
  }

  return {
    overview,

    async putRules(cycleId: string, rules: TargetingRules, by: ActorContext) {
      const problems = ruleProblems(rules);
      if (problems.length) {
        throw new ApiError(400, 'validation_failed', `Invalid rules: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
          issues: problems.map((p) => ({ path: p.field, message: p.message })),
        });
      }
      return saveRules(cycleId, { rules }, by, 'targeting.rules');
    },

    async putQuotaOverrides(cycleId: string, overrides: QuotaOverride[], by: ActorContext) {
      const cycle = await requireCycle(cycleId);
      const issues: Array<{ path: string; message: string }> = [];
      const seen = new Set<string>();
      const regionCodes = new Set((await db.select({ code: regions.code }).from(regions)).map((r) => r.code));
      const communeCodes = new Set((await db.select({ code: communes.code }).from(communes)).map((c) => c.code));
      overrides.forEach((o, i) => {
        const key = areaKey(o.level, o.code, o.communeCode);
        if (seen.has(key)) issues.push({ path: `overrides.${i}`, message: 'This area already has a hand-set quota in the list.' });
        seen.add(key);
        if (o.level === 'region' && !regionCodes.has(o.code)) issues.push({ path: `overrides.${i}.code`, message: `Unknown region "${o.code}".` });
        if (o.level === 'commune' && !communeCodes.has(o.code)) issues.push({ path: `overrides.${i}.code`, message: `Unknown commune "${o.code}".` });
        if (o.level === 'village' && !communeCodes.has(o.communeCode ?? '')) issues.push({ path: `overrides.${i}.communeCode`, message: 'A village needs the code of its commune.' });
        if (o.quota > cycle.targetHouseholds) issues.push({ path: `overrides.${i}.quota`, message: `More than the cycle's target (${cycle.targetHouseholds}).` });
      });
      if (issues.length) throw new ApiError(400, 'validation_failed', `Invalid quotas: ${issues.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { issues });
      const clean = overrides.map((o) => (o.level === 'village' ? o : { level: o.level, code: o.code, quota: o.quota }));
      return saveRules(cycleId, { quotaOverrides: clean }, by, 'targeting.quotas');
    },

    /** Starts a run; one at a time per cycle (Temporal refuses a second workflow with the same id). */
    async startRun(cycleId: string, by: ActorContext) {
      const cycle = await requireCycle(cycleId);
      await requireEditable(cycle);
      const settings = await overview(cycleId);
      if (settings.run && (settings.run.status === 'queued' || settings.run.status === 'running')) {
        throw new ApiError(409, 'conflict', 'An eligibility run of this cycle is already in progress; wait for it to finish.');
      }
      const [run] = await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(targetingRuns)
          .values({ cycleId, rules: settings.rules, quotaOverrides: settings.quotaOverrides, target: cycle.targetHouseholds, createdBy: by.principal.username })
          .returning();
        await tx.insert(auditLog).values(auditRow(by, { action: 'targeting.run.start', targetType: 'cycle', targetId: cycleId, after: { runId: inserted[0]!.id } }));
        return inserted;
      });
      const start = () =>
        temporal.workflow.start<typeof eligibilityRunWorkflow>(WORKFLOW_TYPES.eligibilityRun, {
          workflowId: eligibilityRunWorkflowId(cycleId),
          taskQueue,
          args: [{ cycleId, runId: run!.id, by }],
        });
      try {
        await start().catch(async (err: unknown) => {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          // The previous run has written its results (the check above saw it finished) but its workflow
          // may still be closing: let it close, then start once more.
          const previous = temporal.workflow.getHandle(eligibilityRunWorkflowId(cycleId)).result();
          await Promise.race([previous.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, PREVIOUS_RUN_CLOSING_MS))]);
          return start();
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        await db.update(targetingRuns).set({ status: 'failed', failure: 'Another run of this cycle was in progress.', finishedAt: new Date() }).where(eq(targetingRuns.id, run!.id));
        throw new ApiError(409, 'conflict', 'An eligibility run of this cycle is already in progress; wait for it to finish.');
      }
      return runView(run!);
    },

    /**
     * Quotas of the last completed run at one level, limited to what the caller's area overlaps;
     * asking for a region or commune outside it is refused.
     */
    async quotas(cycleId: string, query: { level: AreaLevel; region?: string; commune?: string }, principal: Principal) {
      await requireCycle(cycleId);
      if (query.level === 'village' && !query.commune && principal.area.level !== 'commune') {
        throw new ApiError(400, 'validation_failed', 'Villages are listed one commune at a time: give the commune.', { issues: [{ path: 'commune', message: 'Required for villages' }] });
      }
      if (query.region || query.commune) {
        const [parent] = query.commune
          ? await db.select({ region: communes.regionCode }).from(communes).where(eq(communes.code, query.commune))
          : await db.select({ region: regions.code }).from(regions).where(eq(regions.code, query.region!));
        if (!parent || (query.region && query.region !== parent.region)) throw new ApiError(404, 'not_found', 'No such area in the geography.');
        const asked: Area = query.commune ? { level: 'commune', region: parent.region, commune: query.commune } : { level: 'region', region: parent.region };
        if (!overlaps(principal.area, asked)) throw new ApiError(403, 'forbidden', 'This area is outside yours.');
      }
      const area = principal.area;
      const filters: Array<SQL | undefined> = [
        eq(targetingQuotas.cycleId, cycleId),
        eq(targetingQuotas.level, query.level),
        query.region ? eq(targetingQuotas.regionCode, query.region) : undefined,
        query.commune ? eq(targetingQuotas.communeCode, query.commune) : undefined,
        area.level === 'national' ? undefined : eq(targetingQuotas.regionCode, area.region),
        area.level === 'commune' && query.level !== 'region' ? eq(targetingQuotas.communeCode, area.commune) : undefined,
      ];
      const rows = await db
        .select({
          level: targetingQuotas.level,
          regionCode: targetingQuotas.regionCode,
          communeCode: targetingQuotas.communeCode,
          village: targetingQuotas.village,
          name: sql<string>`coalesce(${targetingQuotas.village}, ${communes.name}, ${regions.name})`,
          population: targetingQuotas.population,
          povertyRate: targetingQuotas.povertyRate,
          estimated: targetingQuotas.estimated,
          weight: targetingQuotas.weight,
          registered: targetingQuotas.registered,
          eligible: targetingQuotas.eligible,
          quota: targetingQuotas.quota,
          overridden: targetingQuotas.overridden,
        })
        .from(targetingQuotas)
        .innerJoin(regions, eq(regions.code, targetingQuotas.regionCode))
        .leftJoin(communes, eq(communes.code, targetingQuotas.communeCode))
        .where(and(...filters))
        .orderBy(asc(targetingQuotas.regionCode), asc(targetingQuotas.communeCode), asc(targetingQuotas.village));
      const run = await lastRun(cycleId, true);
      // A commune focal point also sees their region's line: the way down to their commune.
      return {
        run: run ? runView(run) : null,
        areas: rows.map((r) => ({ ...r, population: Math.round(r.population), selected: r.quota })),
      };
    },

    /** Why a household is in or out: the run's stored outcome, and the rules applied to what the register says now. */
    async explain(cycleId: string, rsuId: string, principal: Principal) {
      await requireCycle(cycleId);
      const [household] = await db
        .select({ household: households, regionCode: communes.regionCode, communeName: communes.name })
        .from(households)
        .innerJoin(communes, eq(communes.code, households.communeCode))
        .where(eq(households.rsuId, rsuId));
      const area: Area | null = household ? { level: 'commune', region: household.regionCode, commune: household.household.communeCode } : null;
      // Outside the caller's area the household does not exist for them, as in the register.
      if (!household || !area || !areaContains(principal.area, area)) throw new ApiError(404, 'not_found', `No household "${rsuId}" in your area.`);
      const h = household.household;
      const run = await lastRun(cycleId, true);
      const [result] = run
        ? await db
            .select()
            .from(targetingResults)
            .where(and(eq(targetingResults.cycleId, cycleId), eq(targetingResults.communeCode, h.communeCode), eq(targetingResults.rsuId, rsuId)))
        : [];
      // The household moved commune since the run: look for it by RSU id alone (a scan, and rare).
      const [moved] = run && !result ? await db.select().from(targetingResults).where(and(eq(targetingResults.cycleId, cycleId), eq(targetingResults.rsuId, rsuId))) : [];
      const stored = result ?? moved ?? null;
      const [village] = stored
        ? await db
            .select({ eligible: targetingQuotas.eligible, quota: targetingQuotas.quota })
            .from(targetingQuotas)
            .where(and(eq(targetingQuotas.cycleId, cycleId), eq(targetingQuotas.level, 'village'), eq(targetingQuotas.communeCode, stored.communeCode), eq(targetingQuotas.village, stored.village)))
        : [];
      const assessment = run ? assessHousehold(run.rules, h) : null;
      // What community validation did with the household, once the lists went out.
      const [list] = await db
        .select({ status: communeLists.status })
        .from(communeLists)
        .where(and(eq(communeLists.cycleId, cycleId), eq(communeLists.communeCode, stored?.communeCode ?? h.communeCode)));
      const [entry] = list ? await db.select().from(listEntries).where(and(eq(listEntries.cycleId, cycleId), eq(listEntries.rsuId, rsuId))) : [];
      const [frozen] = await db.select({ rsuId: beneficiaries.rsuId }).from(beneficiaries).where(and(eq(beneficiaries.cycleId, cycleId), eq(beneficiaries.rsuId, rsuId)));
      return {
        rsuId,
        regionCode: household.regionCode,
        communeCode: h.communeCode,
        communeName: household.communeName,
        village: h.village,
        household: { householdSize: h.householdSize, foodInsecure: h.foodInsecure, covidCase: h.covidCase, covidHit: h.covidHit, welfareScore: h.welfareScore },
        run: run ? { id: run.id, finishedAt: iso(run.finishedAt), rules: run.rules } : null,
        result: stored
          ? {
              outcome: stored.outcome,
              eligible: stored.eligible,
              need: stored.need,
              rank: stored.rank,
              villageQuota: stored.villageQuota,
              villageEligible: village?.eligible ?? null,
              selected: stored.selected,
              communeCode: stored.communeCode,
              village: stored.village,
            }
          : null,
        assessment,
        /** The register changed for this household since the run: the stored outcome used other data. */
        changedSinceRun: Boolean(stored && assessment && (Math.abs(stored.need - assessment.need) > 0.01 || stored.eligible !== assessment.eligible || stored.village !== h.village)),
        validation: list
          ? {
              listStatus: list.status,
              onList: entry !== undefined && entry.removedInRound === null,
              addedInRound: entry && entry.addedInRound > 0 ? entry.addedInRound : null,
              removedInRound: entry?.removedInRound ?? null,
              reason: entry ? (entry.removedInRound !== null ? entry.removalReason : entry.additionReason) : null,
            }
          : null,
        frozen: frozen !== undefined,
      };
    },
  };
}
