import { and, eq, lt, sql } from 'drizzle-orm';
import { GRIEVANCE_CHANNEL, type GrievanceChanged } from '../domain/events';
import { isSensitive, type GrievanceAction, type GrievanceCaseState, type GrievanceTimerKind } from '../domain/grievances';
import type { ActorContext } from '../domain/roles';
import { auditRow } from '../db/audit';
import type { Database } from '../db/client';
import { auditLog, grievanceCases, grievanceTimeline } from '../db/schema';
import { applyResolutionEffect, type GrievanceEffectResult } from './grievance-resolutions';

export type { GrievanceEffectResult };

/** What happened to a case: its filing, a person's action, its own clock, or its corrective payment settling. */
export type GrievanceEntry =
  | { kind: 'filed'; actor: string }
  | { kind: 'action'; action: GrievanceAction; actor: string }
  | { kind: 'timer'; timer: GrievanceTimerKind }
  | { kind: 'payment'; outcome: 'paid' | 'failed'; detail: string | null };

export interface RecordGrievanceInput {
  /** The workflow's own change number: a retried activity never applies a change twice. */
  version: number;
  state: GrievanceCaseState;
  entry: GrievanceEntry;
  by?: ActorContext;
}

const date = (iso: string | null | undefined) => (iso ? new Date(iso) : null);

/** The comment or answer an action carries, as the timeline shows it. */
function actionComment(action: GrievanceAction): string | null {
  if ('answer' in action) return action.answer;
  if ('reason' in action) return action.reason;
  if ('finding' in action) return action.finding.explanation;
  return action.comment?.trim() || null;
}

function entryKind(entry: GrievanceEntry): string {
  if (entry.kind === 'action') return entry.action.kind;
  if (entry.kind === 'timer') return entry.timer;
  if (entry.kind === 'payment') return `payment-${entry.outcome}`;
  return 'filed';
}

export function createGrievanceActivities({ database }: { database: Database }) {
  const { db } = database;
  return {
    /**
     * Writes the case, its timeline line, what a resolution changes (register, ledger), the audit rows
     * and the notification in one transaction. A retry of the same version returns what the first did.
     */
    async recordGrievanceChange({ version, state, entry, by }: RecordGrievanceInput): Promise<GrievanceEffectResult | null> {
      return db.transaction(async (tx) => {
        const action = entry.kind === 'action' ? entry.action : null;
        const kind = entryKind(entry);
        const data = entry.kind === 'timer' ? { level: state.level } : action ? { status: state.status } : entry.kind === 'payment' ? { detail: entry.detail } : null;
        const actor = entry.kind === 'timer' || entry.kind === 'payment' ? 'system' : entry.actor;
        const comment = action ? actionComment(action) : entry.kind === 'payment' ? entry.detail : null;
        const inserted = await tx.insert(grievanceTimeline).values({ reference: state.reference, version, kind, actor, comment, data }).onConflictDoNothing().returning({ id: grievanceTimeline.id });
        // Already written by an earlier attempt of this same change: answer what it answered.
        if (inserted.length === 0) {
          const [done] = await tx
            .select({ data: grievanceTimeline.data })
            .from(grievanceTimeline)
            .where(and(eq(grievanceTimeline.reference, state.reference), eq(grievanceTimeline.version, version)));
          return ((done?.data as { effect?: GrievanceEffectResult } | null)?.effect ?? null) as GrievanceEffectResult | null;
        }
        const effect = action && by ? await applyResolutionEffect(tx, state, action, by) : null;
        if (effect) await tx.update(grievanceTimeline).set({ data: { ...data, effect } }).where(eq(grievanceTimeline.id, inserted[0]!.id));
        if (by && action) {
          await tx.insert(auditLog).values(auditRow(by, { action: `grievance.${action.kind}`, targetType: 'grievance-case', targetId: state.reference, after: { status: state.status, level: state.level, ...(effect ? { effect } : {}) } }));
        }
        const alert = entry.kind === 'timer' && entry.timer !== 'reopen-period-over' ? { kind: entry.timer, level: state.level } : null;
        const notice: GrievanceChanged = { reference: state.reference, region: state.commune.region, commune: state.commune.commune, kind, version, alert, sensitive: isSensitive(state.category) };
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
            referredAt: date(state.referredAt),
            version,
            updatedAt: sql`now()`,
            closedAt: state.status === 'closed' ? sql`coalesce(${grievanceCases.closedAt}, now())` : null,
          })
          .where(and(eq(grievanceCases.reference, state.reference), lt(grievanceCases.version, version)));
        return effect;
      });
    },
  };
}
