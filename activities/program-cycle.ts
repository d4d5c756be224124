import { and, eq, lt, sql } from 'drizzle-orm';
import type { CycleState, Phase, TransitionKind } from '../domain/cycle';
import { EVENTS_CHANNEL, type CycleEvent } from '../domain/events';
import { auditRow } from '../db/audit';
import type { Database } from '../db/client';
import type { ActorContext } from '../domain/roles';
import { auditLog, cyclePhases, cycleTransitions, cycles, events } from '../db/schema';

export interface RecordCycleTransitionInput {
  cycleId: string;
  sequence: number;
  kind: TransitionKind;
  phase: Phase | null;
  actor: string;
  reason: string | null;
  state: CycleState;
  /** Who caused it, from where: present for changes a person asked for, absent for Temporal's own. */
  by?: ActorContext;
}

export function createProgramCycleActivities({ database }: { database: Database }) {
  return {
    /**
     * Writes one transition, the read model and the outbox event in one transaction;
     * NOTIFY is delivered on commit, so consoles never hear of a change that rolled back.
     * Idempotent on (cycle, sequence): a retried or replayed record writes nothing twice.
     */
    async recordCycleTransition(input: RecordCycleTransitionInput): Promise<void> {
      await database.db.transaction(async (tx) => {
        const inserted = await tx
          .insert(cycleTransitions)
          .values({
            cycleId: input.cycleId,
            kind: input.kind,
            phase: input.phase,
            actor: input.actor,
            reason: input.reason,
            sequence: input.sequence,
          })
          .onConflictDoNothing()
          .returning({ id: cycleTransitions.id });
        if (inserted.length === 0) return;

        const [before] = await tx.select({ status: cycles.status, version: cycles.version }).from(cycles).where(eq(cycles.id, input.cycleId));
        // A snapshot older than the one already stored never overwrites it.
        const advanced = await tx
          .update(cycles)
          .set({ status: input.state.status, version: input.sequence, updatedAt: sql`now()` })
          .where(and(eq(cycles.id, input.cycleId), lt(cycles.version, input.sequence)))
          .returning({ id: cycles.id });
        if (advanced.length > 0) {
          for (const p of input.state.phases) {
            await tx
              .update(cyclePhases)
              .set({
                status: p.status,
                startedAt: p.startedAt ? new Date(p.startedAt) : null,
                completedAt: p.completedAt ? new Date(p.completedAt) : null,
                completedBy: p.completedBy,
              })
              .where(and(eq(cyclePhases.cycleId, input.cycleId), eq(cyclePhases.phase, p.phase)));
          }
        }

        if (input.by) {
          const phase = input.phase ? input.state.phases.find((p) => p.phase === input.phase) : undefined;
          await tx.insert(auditLog).values(
            auditRow(input.by, {
              action: `cycle.${input.kind}`,
              targetType: 'cycle',
              targetId: input.cycleId,
              before: before ?? null,
              after: { status: input.state.status, version: input.sequence, ...(phase ? { phase: phase.phase, phaseStatus: phase.status } : {}), ...(input.reason ? { reason: input.reason } : {}) },
            }),
          );
        }

        const [event] = await tx
          .insert(events)
          .values({
            cycleId: input.cycleId,
            kind: input.kind,
            payload: { state: input.state, phase: input.phase, actor: input.actor },
          })
          .returning({ id: events.id, at: events.at });
        const message: CycleEvent = {
          id: event!.id,
          cycleId: input.cycleId,
          kind: input.kind,
          phase: input.phase,
          actor: input.actor,
          at: event!.at.toISOString(),
          state: input.state,
        };
        await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(message)})`);
      });
    },
  };
}
