import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { CommuneListState, CommunityMeetings, ListChange } from '../domain/beneficiary-list';
import { LISTS_CHANNEL, type ListsChanged } from '../domain/events';
import { DEFAULT_TARGETING_RULES } from '../domain/targeting';
import type { ActorContext } from '../domain/roles';
import { auditRow } from '../db/audit';
import type { Database } from '../db/client';
import { auditLog, communeLists, listChanges, listEntries, targetingRules } from '../db/schema';

/** What happened to the lists, with what the read model and the audit trail need of it. */
export type ListAction =
  | { kind: 'sent'; actor: string }
  | { kind: 'region-trained'; region: string }
  | { kind: 'approved' | 'returned'; actor: string; meetings: CommunityMeetings; changes: ListChange[] }
  | { kind: 'change-approved' | 'change-rejected'; actor: string; changes: ListChange[]; round: number; comment: string | null }
  | { kind: 'escalated' };

export interface RecordListActionInput {
  cycleId: string;
  /** The workflow's own action number: a retried activity never applies an action twice. */
  version: number;
  lists: CommuneListState[];
  action: ListAction;
  by?: ActorContext;
}

export interface FrozenTotals {
  households: number;
  communes: number;
  amountFcfa: number;
}

/** Past this many communes a notification names none: pg_notify payloads stay far below 8 kB. */
const NAMED_IN_NOTICE = 50;

/**
 * The households targeting selected in a cycle. One place, so the eligibility results' shape and the
 * exclusion of superseded duplicates are read the same everywhere.
 */
function selectedHouseholds(cycleId: string) {
  return sql`select r.rsu_id, r.commune_code from targeting_results r join households h on h.rsu_id = r.rsu_id
    where r.cycle_id = ${cycleId} and r.selected and h.duplicate_of is null`;
}

export function createBeneficiaryListActivities({ database }: { database: Database }) {
  const { db } = database;

  return {
    /** Copies targeting's selection into one list per commune; safe to run again (nothing is copied twice). */
    async openCommuneLists({ cycleId }: { cycleId: string }): Promise<Array<{ commune: string; region: string; households: number }>> {
      return db.transaction(async (tx) => {
        // The lists are made from this run: from now on eligibility rules, quotas and runs are refused.
        // A cycle whose run used the default rules has no rules row yet: it gets one, locked.
        await tx
          .insert(targetingRules)
          .values({ cycleId, rules: DEFAULT_TARGETING_RULES, updatedBy: 'system', lockedAt: sql`now()` })
          .onConflictDoUpdate({ target: targetingRules.cycleId, set: { lockedAt: sql`coalesce(${targetingRules.lockedAt}, now())` } });
        await tx.execute(sql`
          insert into list_entries (cycle_id, rsu_id, commune_code)
          select ${cycleId}, s.rsu_id, s.commune_code from (${selectedHouseholds(cycleId)}) s
          on conflict do nothing`);
        const rows = await tx.execute<{ commune: string; region: string; households: number }>(sql`
          select e.commune_code as commune, c.region_code as region, count(*)::int as households
          from list_entries e join communes c on c.code = e.commune_code
          where e.cycle_id = ${cycleId}
          group by e.commune_code, c.region_code
          order by e.commune_code`);
        for (let i = 0; i < rows.length; i += 1000) {
          const batch = rows.slice(i, i + 1000).map((r) => ({ cycleId, communeCode: r.commune, regionCode: r.region, status: 'waiting-training' as const, households: r.households }));
          await tx.insert(communeLists).values(batch).onConflictDoNothing();
        }
        return [...rows];
      });
    },

    /** Writes the lists' new state, the decisions and their changes, and the audit row, in one transaction. */
    async recordListAction(input: RecordListActionInput): Promise<void> {
      const { cycleId, version, action, by } = input;
      const communes = input.lists.map((l) => l.commune);
      await db.transaction(async (tx) => {
        let touched = 0;
        for (const list of input.lists) {
          const updated = await tx
            .update(communeLists)
            .set({
              status: list.status,
              escalation: list.escalation,
              deadlineAt: list.deadline ? new Date(list.deadline) : null,
              round: list.round,
              version,
              updatedAt: sql`now()`,
              ...decisionColumns(action),
              ...(action.kind === 'returned' ? { proposedBy: action.actor } : {}),
              ...(action.kind === 'escalated' ? { escalatedAt: sql`now()` } : {}),
            })
            .where(and(eq(communeLists.cycleId, cycleId), eq(communeLists.communeCode, list.commune), lt(communeLists.version, version)))
            .returning({ commune: communeLists.communeCode });
          touched += updated.length;
        }
        // Already written by an earlier attempt of this same action.
        if (touched === 0) return;

        const commune = communes[0]!;
        if (action.kind === 'returned') {
          const preparedAt = new Date();
          await tx.insert(listChanges).values(
            action.changes.map((c) => ({ cycleId, communeCode: commune, round: input.lists[0]!.round, rsuId: c.rsuId, action: c.action, reason: c.reason, preparedBy: action.actor, preparedAt })),
          );
        }
        if (action.kind === 'change-approved' || action.kind === 'change-rejected') {
          // The changes were prepared in the round before the one the approval opens.
          const round = action.kind === 'change-approved' ? action.round - 1 : action.round;
          await tx
            .update(listChanges)
            .set({ reviewedBy: action.actor, reviewedAt: sql`now()`, outcome: action.kind === 'change-approved' ? 'applied' : 'rejected' })
            .where(and(eq(listChanges.cycleId, cycleId), eq(listChanges.communeCode, commune), eq(listChanges.round, round), isNull(listChanges.outcome)));
          if (action.kind === 'change-approved') await applyChanges(tx, cycleId, commune, round, action.changes);
        }

        if (by && action.kind !== 'escalated' && action.kind !== 'region-trained') {
          await tx.insert(auditLog).values(
            auditRow(by, {
              action: `list.${action.kind}`,
              targetType: 'commune-list',
              targetId: communes.length === 1 ? `${cycleId}:${commune}` : cycleId,
              after: { communes: communes.length, ...('changes' in action ? { changes: action.changes } : {}), ...('meetings' in action ? { meetings: action.meetings } : {}) },
            }),
          );
        }
        const notice: ListsChanged = { cycleId, kind: action.kind, communes: communes.length <= NAMED_IN_NOTICE ? communes : null };
        await tx.execute(sql`select pg_notify(${LISTS_CHANNEL}, ${JSON.stringify(notice)})`);
      });
    },

    /** Copies the approved lists' households, as the register holds them now, into the cycle's frozen list. */
    async freezeBeneficiaryList({ cycleId, communes }: { cycleId: string; communes: string[] }): Promise<FrozenTotals> {
      return db.transaction(async (tx) => {
        if (communes.length > 0) {
          await tx.execute(sql`
            insert into beneficiaries (cycle_id, rsu_id, region_code, commune_code, village, head_name, nina, phone, household_size, amount_fcfa, frozen_at)
            select e.cycle_id, e.rsu_id, c.region_code, e.commune_code, h.village, h.head_name, h.nina, h.phone, h.household_size, y.transfer_amount_fcfa, now()
            from list_entries e
            join households h on h.rsu_id = e.rsu_id
            join communes c on c.code = e.commune_code
            join cycles y on y.id = e.cycle_id
            where e.cycle_id = ${cycleId} and e.removed_in_round is null and e.commune_code in (${sql.join(communes.map((c) => sql`${c}`), sql`, `)})
            on conflict do nothing`);
        }
        const [totals] = await tx.execute<{ households: number; communes: number; amountFcfa: number }>(sql`
          select count(*)::int as households, count(distinct commune_code)::int as communes, coalesce(sum(amount_fcfa), 0)::bigint::float8 as "amountFcfa"
          from beneficiaries where cycle_id = ${cycleId}`);
        const notice: ListsChanged = { cycleId, kind: 'frozen', communes: null };
        await tx.execute(sql`select pg_notify(${LISTS_CHANNEL}, ${JSON.stringify(notice)})`);
        return { households: totals!.households, communes: totals!.communes, amountFcfa: Number(totals!.amountFcfa) };
      });
    },
  };
}

function decisionColumns(action: ListAction) {
  if (action.kind !== 'approved' && action.kind !== 'returned') return {};
  return {
    assemblyOn: action.meetings.assemblyOn,
    assemblyAttendees: action.meetings.assemblyAttendees,
    committeeOn: action.meetings.committeeOn,
    comment: action.meetings.comment ?? null,
    decidedBy: action.actor,
    decidedAt: sql`now()`,
  };
}

type Tx = Parameters<Parameters<Database['db']['transaction']>[0]>[0];

/** Removes and adds households on a commune's list as its approved changes say. */
async function applyChanges(tx: Tx, cycleId: string, commune: string, round: number, changes: ListChange[]) {
  for (const change of changes) {
    if (change.action === 'remove') {
      await tx
        .update(listEntries)
        .set({ removedInRound: round, removalReason: change.reason })
        .where(and(eq(listEntries.cycleId, cycleId), eq(listEntries.rsuId, change.rsuId), eq(listEntries.communeCode, commune)));
    } else {
      await tx
        .insert(listEntries)
        .values({ cycleId, rsuId: change.rsuId, communeCode: commune, addedInRound: round, additionReason: change.reason })
        .onConflictDoUpdate({ target: [listEntries.cycleId, listEntries.rsuId], set: { removedInRound: null, removalReason: null, addedInRound: round, additionReason: change.reason } });
    }
  }
  const [count] = await tx.select({ n: sql<number>`count(*)::int` }).from(listEntries).where(and(eq(listEntries.cycleId, cycleId), eq(listEntries.communeCode, commune), isNull(listEntries.removedInRound)));
  await tx.update(communeLists).set({ households: count!.n }).where(and(eq(communeLists.cycleId, cycleId), inArray(communeLists.communeCode, [commune])));
}
