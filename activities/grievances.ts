import { and, eq, lt, sql } from 'drizzle-orm';
import { GRIEVANCE_CHANNEL, type GrievanceChanged } from '../domain/events';
import type { GrievanceAction, GrievanceCaseState, GrievanceTimerKind } from '../domain/grievances';
import type { ActorContext } from '../domain/roles';
import { auditRow } from '../db/audit';
import type { Database } from '../db/client';
import { auditLog, grievanceCases, grievanceTimeline } from '../db/schema';

/** What happened to a case: its filing, a person's action, or its own clock. */
export type GrievanceEntry = { kind: 'filed'; actor: string } | { kind: 'action'; action: GrievanceAction; actor: string } | { kind: 'timer'; timer: GrievanceTimerKind };

export interface RecordGrievanceInput {
  /** The workflow's own change number: a retried activity never applies a change twice. */
  version: number;
  state: GrievanceCaseState;
  entry: GrievanceEntry;
  by?: ActorContext;
}

const date = (iso: string | null) => (iso ? new Date(iso) : null);

/** The comment or answer an action carries, as the timeline shows it. */
function actionComment(action: GrievanceAction): string | null {
  if ('answer' in action) return action.answer;
  return action.comment?.trim() || null;
}

export function createGrievanceActivities({ database }: { database: Database }) {
  const { db } = database;
  return {
    /** Writes the case, its timeline line, the audit row and the notification in one transaction. */
    async recordGrievanceChange({ version, state, entry, by }: RecordGrievanceInput): Promise<void> {
      await db.transaction(async (tx) => {
        const action = entry.kind === 'action' ? entry.action : null;
        const kind = action ? action.kind : entry.kind === 'timer' ? entry.timer : 'filed';
        const data = entry.kind === 'timer' ? { level: state.level } : action ? { status: state.status } : null;
        const inserted = await tx
          .insert(grievanceTimeline)
          .values({ reference: state.reference, version, kind, actor: entry.kind === 'timer' ? 'system' : entry.actor, comment: action ? actionComment(action) : null, data })
          .onConflictDoNothing()
          .returning({ id: grievanceTimeline.id });
        // Already written by an earlier attempt of this same change.
        if (inserted.length === 0) return;
        if (by && action) {
          await tx.insert(auditLog).values(auditRow(by, { action: `grievance.${action.kind}`, targetType: 'grievance-case', targetId: state.reference, after: { status: state.status, level: state.level } }));
        }
        const alert = entry.kind === 'timer' && entry.timer !== 'reopen-period-over' ? { kind: entry.timer, level: state.level } : null;
        const notice: GrievanceChanged = { reference: state.reference, region: state.commune.region, commune: state.commune.commune, kind, version, alert };
        await tx.execute(sql`select pg_notify(${GRIEVANCE_CHANNEL}, ${JSON.stringify(notice)})`);
        // A later change may already have written a newer state of the case: only a newer version lands.
        await tx
          .update(grievanceCases)
          .set({
            status: state.status,
            level: state.level,
            deadlineAt: date(state.deadline),
            pausedRemainingMs: state.pausedRemainingMs,
            lateAt: date(state.lateAt),
            decidedAt: date(state.decidedAt),
            answer: state.answer,
            version,
            updatedAt: sql`now()`,
            closedAt: state.status === 'closed' ? sql`coalesce(${grievanceCases.closedAt}, now())` : null,
          })
          .where(and(eq(grievanceCases.reference, state.reference), lt(grievanceCases.version, version)));
      });
    },
  };
}
