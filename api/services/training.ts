import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import { auditLog, cyclePhases, cycles, regions, workshops, type WorkshopRow } from '../../db/schema';
import { whyCycleIsClosed, type Refusal } from '../../domain/cycle';
import { WORKSHOPS_CHANNEL, type WorkshopEvent } from '../../domain/events';
import { cycleWorkflowId, isUuid } from '../../domain/ids';
import { authorize } from '../../domain/policy';
import type { ActorContext } from '../../domain/roles';
import { todayInMali, trainingCounts, workshopStatus } from '../../domain/training';
import type { programCycleWorkflow } from '../../workflows';
import { workshopReportedSignal } from '../../workflows/messages';
import { ApiError } from '../errors';
import type { TrainingOverview, Workshop, WorkshopPlan, WorkshopReport } from '../training-schemas';
import { cycleNotFound } from '../cycle-lookup';

export interface TrainingServiceDeps {
  database: Database;
  temporal: Client;
}

export type TrainingService = ReturnType<typeof createTrainingService>;

type Tx = Parameters<Parameters<Database['db']['transaction']>[0]>[0];

function workshopView(w: WorkshopRow): Workshop {
  return {
    id: w.id,
    regionCode: w.regionCode,
    chair: w.chair,
    place: w.place,
    plannedStart: w.plannedStart,
    plannedEnd: w.plannedEnd,
    plannedParticipants: w.plannedParticipants,
    plannedBy: w.plannedBy,
    actualParticipants: w.actualParticipants,
    trainersTrained: w.trainersTrained,
    reportNotes: w.reportNotes,
    reportedBy: w.reportedBy,
    reportedAt: w.reportedAt?.toISOString() ?? null,
    updatedAt: w.updatedAt.toISOString(),
  };
}

const refused = (refusal: Refusal) => {
  const { message, ...details } = refusal;
  return new ApiError(409, 'rule_violated', message, details);
};

/**
 * Workshops of a cycle's training phase. Plans are taken while the training phase is active; reports
 * (and their corrections) while the cycle is open and training has started, also after the phase
 * closed: targeting in a region waits for its workshop, so a late report must still get in.
 */
export function createTrainingService({ database, temporal }: TrainingServiceDeps) {
  const { db } = database;

  async function requireCycle(cycleId: string) {
    const [row] = isUuid(cycleId)
      ? await db
          .select({ status: cycles.status, training: cyclePhases.status })
          .from(cycles)
          .innerJoin(cyclePhases, and(eq(cyclePhases.cycleId, cycles.id), eq(cyclePhases.phase, 'training')))
          .where(eq(cycles.id, cycleId))
      : [];
    if (!row) throw cycleNotFound(cycleId);
    return row;
  }

  /** The region must exist, and the caller must act over it (a focal point in their own region only). */
  async function requireRegion(regionCode: string, by: ActorContext) {
    const [region] = await db.select().from(regions).where(eq(regions.code, regionCode));
    if (!region) throw new ApiError(404, 'not_found', `No region with code "${regionCode}".`);
    const decision = authorize(by.principal, 'workshop.manage', { level: 'region', region: region.code });
    if (!decision.allowed) throw new ApiError(decision.status, decision.code, decision.message);
    return region;
  }

  async function notify(tx: Tx, event: Omit<WorkshopEvent, 'at'>) {
    const message: WorkshopEvent = { ...event, at: new Date().toISOString() };
    await tx.execute(sql`select pg_notify(${WORKSHOPS_CHANNEL}, ${JSON.stringify(message)})`);
  }

  async function lockedWorkshop(tx: Tx, cycleId: string, regionCode: string) {
    const [row] = await tx
      .select()
      .from(workshops)
      .where(and(eq(workshops.cycleId, cycleId), eq(workshops.regionCode, regionCode)))
      .for('update');
    return row;
  }

  return {
    /** Every region of the geography with its workshop (if planned), its status today and the counts. */
    async overview(cycleId: string, now = new Date()): Promise<TrainingOverview> {
      const cycle = await requireCycle(cycleId);
      const rows = await db
        .select({ region: regions, workshop: workshops })
        .from(regions)
        .leftJoin(workshops, and(eq(workshops.regionCode, regions.code), eq(workshops.cycleId, cycleId)))
        .orderBy(asc(regions.name));
      const today = todayInMali(now);
      const list = rows.map(({ region, workshop }) => {
        const view = workshop ? workshopView(workshop) : null;
        return { regionCode: region.code, regionName: region.name, status: workshopStatus(view, today), workshop: view };
      });
      return {
        today,
        trainingPhase: cycle.training,
        cycleStatus: cycle.status,
        regions: list,
        counts: trainingCounts(list, today),
        trainedRegions: list.filter((r) => r.status === 'reported').map((r) => r.regionCode),
      };
    },

    /** Plans a region's workshop, or changes its plan; the report, if any, stays. */
    async plan(cycleId: string, regionCode: string, plan: WorkshopPlan, by: ActorContext): Promise<{ workshop: Workshop; created: boolean }> {
      const cycle = await requireCycle(cycleId);
      await requireRegion(regionCode, by);
      const closed = whyCycleIsClosed(cycle.status);
      if (closed) throw refused(closed);
      if (cycle.training === 'pending') throw refused({ rule: 'phase-not-started', message: 'The training phase has not started yet.', phase: 'training' });
      if (cycle.training !== 'active') {
        throw refused({ rule: 'phase-already-completed', message: 'The training phase is closed: workshops can no longer be planned or changed.', phase: 'training' });
      }
      const actor = by.principal.username;
      return db.transaction(async (tx) => {
        const before = await lockedWorkshop(tx, cycleId, regionCode);
        const [row] = before
          ? await tx.update(workshops).set({ ...plan, updatedAt: new Date() }).where(eq(workshops.id, before.id)).returning()
          : await tx.insert(workshops).values({ ...plan, cycleId, regionCode, plannedBy: actor }).returning();
        const planOf = (w: WorkshopRow) => ({
          chair: w.chair,
          place: w.place,
          plannedStart: w.plannedStart,
          plannedEnd: w.plannedEnd,
          plannedParticipants: w.plannedParticipants,
        });
        await tx.insert(auditLog).values(
          auditRow(by, {
            action: before ? 'workshop.update' : 'workshop.plan',
            targetType: 'workshop',
            targetId: row!.id,
            before: before ? { region: regionCode, ...planOf(before) } : null,
            after: { cycleId, region: regionCode, ...planOf(row!) },
          }),
        );
        await notify(tx, { cycleId, region: regionCode, kind: before ? 'updated' : 'planned', actor });
        return { workshop: workshopView(row!), created: !before };
      });
    },

    /**
     * Records a region's workshop report, or corrects it (the first reporter and time stay; the
     * correction is in the audit trail), then tells the cycle's workflow after the commit.
     */
    async report(cycleId: string, regionCode: string, report: WorkshopReport, by: ActorContext): Promise<{ workshop: Workshop; allPlannedReported: boolean }> {
      const cycle = await requireCycle(cycleId);
      await requireRegion(regionCode, by);
      const closed = whyCycleIsClosed(cycle.status);
      if (closed) throw refused(closed);
      if (cycle.training === 'pending') throw refused({ rule: 'phase-not-started', message: 'The training phase has not started yet.', phase: 'training' });
      const actor = by.principal.username;
      const workshop = await db.transaction(async (tx) => {
        const before = await lockedWorkshop(tx, cycleId, regionCode);
        if (!before) throw new ApiError(409, 'conflict', `No workshop is planned in region ${regionCode}: plan it before recording its report.`);
        const correction = before.reportedAt !== null;
        const [row] = await tx
          .update(workshops)
          .set({
            actualParticipants: report.actualParticipants,
            trainersTrained: report.trainersTrained,
            reportNotes: report.notes ?? null,
            ...(correction ? {} : { reportedBy: actor, reportedAt: new Date() }),
            updatedAt: new Date(),
          })
          .where(eq(workshops.id, before.id))
          .returning();
        const reportOf = (w: WorkshopRow) => ({ actualParticipants: w.actualParticipants, trainersTrained: w.trainersTrained, notes: w.reportNotes });
        await tx.insert(auditLog).values(
          auditRow(by, {
            action: correction ? 'workshop.report-correct' : 'workshop.report',
            targetType: 'workshop',
            targetId: row!.id,
            before: correction ? { region: regionCode, ...reportOf(before) } : null,
            after: { cycleId, region: regionCode, ...reportOf(row!) },
          }),
        );
        await notify(tx, { cycleId, region: regionCode, kind: correction ? 'report-corrected' : 'reported', actor });
        return row!;
      });

      // Training ends by itself only once every region of the geography has reported, never because
      // the few workshops planned so far are all reported.
      const [pending] = await db
        .select({ unreported: count() })
        .from(regions)
        .where(sql`not exists (select 1 from ${workshops} w where w.cycle_id = ${cycleId} and w.region_code = ${regions.code} and w.reported_at is not null)`);
      const allPlannedReported = pending?.unreported === 0;
      try {
        await temporal.workflow
          .getHandle<typeof programCycleWorkflow>(cycleWorkflowId(cycleId))
          .signal(workshopReportedSignal, { region: regionCode, reportedBy: actor, allPlannedReported, by });
      } catch (err) {
        // The cycle closed since the check above: the report stands, nothing is left to move.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      return { workshop: workshopView(workshop), allPlannedReported };
    },
  };
}
