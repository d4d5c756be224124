import { and, eq, lt, sql } from 'drizzle-orm';
import { PROCUREMENT_CHANNEL, type ProcurementChanged } from '../domain/events';
import type { CaseAction, CaseTimerKind, ProcurementCaseState } from '../domain/procurement';
import type { ActorContext } from '../domain/roles';
import { auditRow } from '../db/audit';
import type { Database } from '../db/client';
import { auditLog, procurementActions, procurementCases, procurementSteps } from '../db/schema';

/** What happened to a case: a person's action, or its own clock. */
export type ProcurementEntry = { kind: 'opened'; actor: string } | { kind: 'action'; action: CaseAction; actor: string } | { kind: 'timer'; timer: CaseTimerKind };

export interface RecordProcurementInput {
  /** The workflow's own change number: a retried activity never applies a change twice. */
  version: number;
  /** The step the entry concerns (before any move it caused). */
  step: string;
  state: ProcurementCaseState;
  entry: ProcurementEntry;
  by?: ActorContext;
}

const date = (iso: string | null) => (iso ? new Date(iso) : null);

export function createProcurementActivities({ database }: { database: Database }) {
  const { db } = database;
  return {
    /** Writes the case, its steps, the action, the audit row and the notification in one transaction. */
    async recordProcurementChange({ version, step, state, entry, by }: RecordProcurementInput): Promise<void> {
      await db.transaction(async (tx) => {
        const action = entry.kind === 'action' ? entry.action : null;
        const kind = action ? action.kind : entry.kind === 'timer' ? entry.timer : 'opened';
        const data = action ? actionData(action) : null;
        // Every change keeps its line in the timeline, even when a later one already wrote the case.
        const inserted = await tx
          .insert(procurementActions)
          .values({
            caseId: state.caseId,
            version,
            step,
            kind,
            actor: entry.kind === 'timer' ? 'system' : entry.actor,
            comment: action && 'comment' in action ? (action.comment ?? null) : null,
            documents: action && 'documents' in action ? (action.documents ?? []) : [],
            data,
          })
          .onConflictDoNothing()
          .returning({ id: procurementActions.id });
        // Already written by an earlier attempt of this same change.
        if (inserted.length === 0) return;
        if (by && action) {
          await tx.insert(auditLog).values(auditRow(by, { action: `procurement.${action.kind}`, targetType: 'procurement-case', targetId: state.caseId, after: { step, status: state.status, ...(data ?? {}) } }));
        }
        const alert = entry.kind === 'timer' && entry.timer !== 'bid-deadline-passed' ? entry.timer : null;
        const notice: ProcurementChanged = { caseId: state.caseId, cycleId: state.cycleId, kind, step, version, alert };
        await tx.execute(sql`select pg_notify(${PROCUREMENT_CHANNEL}, ${JSON.stringify(notice)})`);

        const current = state.steps[state.current]!;
        const contract = state.steps.find((s) => s.data.contract)?.data.contract ?? null;
        const closed = state.status !== 'running';
        const updated = await tx
          .update(procurementCases)
          .set({
            status: state.status,
            currentStep: current.key,
            currentIndex: state.current,
            stepStatus: current.status,
            stepDeadlineAt: closed ? null : date(current.deadline),
            stepPreparedById: current.preparedBy,
            late: !closed && current.lateAt !== null,
            escalated: !closed && current.escalatedAt !== null,
            contract,
            version,
            updatedAt: sql`now()`,
            ...(closed ? { closedAt: sql`now()` } : {}),
          })
          .where(and(eq(procurementCases.id, state.caseId), lt(procurementCases.version, version)))
          .returning({ id: procurementCases.id });
        // A later change already wrote a newer state of the case.
        if (updated.length === 0) return;

        const rows = state.steps.map((s, position) => ({
          caseId: state.caseId,
          position,
          key: s.key,
          status: s.status,
          firstOpenedAt: date(s.openedAt),
          openedAt: date(s.openedAt),
          deadlineAt: date(s.deadline),
          escalateAt: date(s.escalateAt),
          lateAt: date(s.lateAt),
          escalatedAt: date(s.escalatedAt),
          wasLate: s.lateAt !== null,
          preparedBy: s.preparedByName,
          completedAt: date(s.completedAt),
          data: s.data,
        }));
        const excluded = (column: string) => sql.raw(`excluded.${column}`);
        await tx
          .insert(procurementSteps)
          .values(rows)
          .onConflictDoUpdate({
            target: [procurementSteps.caseId, procurementSteps.position],
            set: {
              status: excluded('status'),
              firstOpenedAt: sql`coalesce(${procurementSteps.firstOpenedAt}, excluded.first_opened_at)`,
              openedAt: excluded('opened_at'),
              deadlineAt: excluded('deadline_at'),
              escalateAt: excluded('escalate_at'),
              lateAt: excluded('late_at'),
              escalatedAt: excluded('escalated_at'),
              wasLate: sql`${procurementSteps.wasLate} or excluded.was_late`,
              preparedBy: excluded('prepared_by'),
              completedAt: excluded('completed_at'),
              data: excluded('data'),
            },
          });
      });
    },
  };
}

/** What an action carries besides its comment and documents, for the timeline and the audit trail. */
function actionData(action: CaseAction): Record<string, unknown> | null {
  switch (action.kind) {
    case 'submit':
      return action.data && Object.keys(action.data).length ? { ...action.data } : null;
    case 'return-for-rework':
    case 'restart-from':
      return { toStep: action.toStep };
    case 'record-no-objection':
      return { granted: action.granted, reference: action.reference };
    default:
      return null;
  }
}
