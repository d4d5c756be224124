import { asc, desc, eq, inArray } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Phase, PhaseState } from '../../domain/cycle';
import { PHASES, currentPhase, whyCycleIsClosed } from '../../domain/cycle';
import { cycleSettings } from '../../domain/cycle-settings';
import { cycleWorkflowId } from '../../domain/ids';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import { sumFcfa } from '../../domain/money';
import type { ActorContext } from '../../domain/roles';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import { auditLog, cycleFundingSources, cyclePhases, cycleTransitions, cycles, type CycleRow } from '../../db/schema';
import type { programCycleWorkflow } from '../../workflows';
import {
  cancelCycleUpdate,
  completePhaseUpdate,
  cycleStateQuery,
  pauseCycleUpdate,
  resumeCycleUpdate,
} from '../../workflows/messages';
import { ApiError } from '../errors';
import type { CreateCycle, CycleDetail, CycleSummary } from '../schemas';
import { requireCycleRow } from '../cycle-lookup';


export interface CycleServiceDeps {
  database: Database;
  temporal: Client;
  taskQueue: string;
}

export type CycleService = ReturnType<typeof createCycleService>;

export function createCycleService({ database, temporal, taskQueue }: CycleServiceDeps) {
  const { db } = database;


  async function requireCycle(cycleId: string): Promise<CycleRow> {
    return requireCycleRow(db, cycleId);
  }

  /** A closed workflow takes no Update: answer with the rule rather than Temporal's error. */
  async function requireOpenCycle(cycleId: string): Promise<CycleRow> {
    const row = await requireCycle(cycleId);
    const closed = whyCycleIsClosed(row.status);
    if (closed) throw new ApiError(409, 'rule_violated', closed.message, { rule: closed.rule });
    return row;
  }

  async function summaries(rows: CycleRow[]): Promise<CycleSummary[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [phaseRows, fundingRows] = await Promise.all([
      db.select().from(cyclePhases).where(inArray(cyclePhases.cycleId, ids)),
      db.select().from(cycleFundingSources).where(inArray(cycleFundingSources.cycleId, ids)),
    ]);
    return rows.map((row) => {
      const phases: PhaseState[] = phaseRows
        .filter((p) => p.cycleId === row.id)
        .sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase))
        .map((p) => ({
          phase: p.phase,
          status: p.status,
          startedAt: p.startedAt?.toISOString() ?? null,
          completedAt: p.completedAt?.toISOString() ?? null,
          completedBy: p.completedBy,
        }));
      return {
        id: row.id,
        name: row.name,
        status: row.status,
        version: row.version,
        transferAmountFcfa: row.transferAmountFcfa,
        targetHouseholds: row.targetHouseholds,
        budgetFcfa: sumFcfa(fundingRows.filter((f) => f.cycleId === row.id).map((f) => f.amountFcfa)),
        currentPhase: currentPhase(phases),
        phases,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      };
    });
  }

  function handle(cycleId: string) {
    return temporal.workflow.getHandle<typeof programCycleWorkflow>(cycleWorkflowId(cycleId));
  }

  return {
    async list(): Promise<CycleSummary[]> {
      return summaries(await db.select().from(cycles).orderBy(desc(cycles.createdAt)));
    },

    async get(cycleId: string): Promise<CycleDetail> {
      const row = await requireCycle(cycleId);
      const [[summary], funding, transitions] = await Promise.all([
        summaries([row]),
        db.select().from(cycleFundingSources).where(eq(cycleFundingSources.cycleId, cycleId)),
        db.select().from(cycleTransitions).where(eq(cycleTransitions.cycleId, cycleId)).orderBy(asc(cycleTransitions.sequence)),
      ]);
      return {
        ...summary!,
        description: row.description,
        startsOn: row.startsOn,
        endsOn: row.endsOn,
        createdBy: row.createdBy,
        fundingSources: funding.map((f) => ({ source: f.source, amountFcfa: f.amountFcfa })),
        transitions: transitions.map((t) => ({
          sequence: t.sequence,
          kind: t.kind,
          phase: t.phase,
          actor: t.actor,
          reason: t.reason,
          at: t.at.toISOString(),
        })),
      };
    },

    /** Writes the cycle, then starts its workflow; if Temporal refuses, the cycle is removed again. */
    async create(input: CreateCycle, by: ActorContext): Promise<CycleDetail> {
      const actor = by.principal.username;
      const id = crypto.randomUUID();
      const workflowId = cycleWorkflowId(id);
      const settings = cycleSettings(input.settings);
      await db.transaction(async (tx) => {
        await tx.insert(cycles).values({
          id,
          name: input.name,
          description: input.description,
          transferAmountFcfa: input.transferAmountFcfa,
          targetHouseholds: input.targetHouseholds,
          startsOn: input.startsOn ?? null,
          endsOn: input.endsOn ?? null,
          workflowId,
          settings,
          createdBy: actor,
        });
        await tx.insert(cyclePhases).values(PHASES.map((phase) => ({ cycleId: id, phase })));
        await tx.insert(cycleFundingSources).values(input.fundingSources.map((f) => ({ cycleId: id, ...f })));
        await tx.insert(auditLog).values(auditRow(by, { action: 'cycle.create', targetType: 'cycle', targetId: id, after: input }));
      });
      try {
        await temporal.workflow.start<typeof programCycleWorkflow>(WORKFLOW_TYPES.programCycle, {
          workflowId,
          taskQueue,
          args: [{ cycleId: id, startedBy: actor, by, settings }],
        });
      } catch (err) {
        await db.delete(cycles).where(eq(cycles.id, id));
        throw err;
      }
      return this.get(id);
    },

    async live(cycleId: string) {
      await requireCycle(cycleId);
      return handle(cycleId).query(cycleStateQuery);
    },

    async completePhase(cycleId: string, phase: Phase, by: ActorContext, comment?: string) {
      await requireOpenCycle(cycleId);
      const input = { phase, actor: by.principal.username, by, ...(comment ? { comment } : {}) };
      return handle(cycleId).executeUpdate(completePhaseUpdate, { args: [input] });
    },

    async pause(cycleId: string, by: ActorContext, reason: string) {
      await requireOpenCycle(cycleId);
      return handle(cycleId).executeUpdate(pauseCycleUpdate, { args: [{ actor: by.principal.username, by, reason }] });
    },

    async resume(cycleId: string, by: ActorContext, reason: string) {
      await requireOpenCycle(cycleId);
      return handle(cycleId).executeUpdate(resumeCycleUpdate, { args: [{ actor: by.principal.username, by, reason }] });
    },

    async cancel(cycleId: string, by: ActorContext, reason: string) {
      await requireOpenCycle(cycleId);
      return handle(cycleId).executeUpdate(cancelCycleUpdate, { args: [{ actor: by.principal.username, by, reason }] });
    },
  };
}
