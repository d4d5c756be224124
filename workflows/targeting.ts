import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  deadlineAfter,
  nextEscalation,
  pendingCommunes,
  whyCannotDecide,
  whyCannotReviewChange,
  whyChangesInvalid,
  type CommuneListState,
} from '../domain/beneficiary-list';
import type { CycleSettings } from '../domain/cycle-settings';
import { authorize, type Action } from '../domain/policy';
import type { ActorContext, Area } from '../domain/roles';
import type { CycleActivities } from '../activities';
import type { ListAction } from '../activities/beneficiary-list';
import type { CyclePhaseResult } from './cycle-phase';
import {
  decideListUpdate,
  markPhaseDoneSignal,
  regionTrainedSignal,
  reviewListChangeUpdate,
  sendListsUpdate,
  targetingStateQuery,
  type FrozenListSummary,
  type TargetingState,
} from './messages';
import { refuse } from './refuse';

const { recordListAction } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
// A million households are copied once each: minutes at worst, never hours.
const { openCommuneLists, freezeBeneficiaryList } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Well under Temporal's ~10k events a history: past this the workflow carries its state into a new run. */
const HISTORY_EVENTS_BEFORE_NEW_RUN = 4_000;

export interface TargetingPhaseInput {
  cycleId: string;
  phase: 'targeting';
  settings: CycleSettings;
  trainedRegions: string[];
  /** What a previous run of this workflow handed over when its history grew long. */
  carried?: { sent: boolean; lists: CommuneListState[]; trainedRegions: string[]; version: number };
}

function permitted(by: ActorContext | undefined, action: Action, area?: Area) {
  if (!by) return null;
  const decision = authorize(by.principal, action, area);
  return decision.allowed ? null : { rule: 'not-permitted' as const, message: decision.message };
}

const communeArea = (list: CommuneListState | undefined): Area | undefined =>
  list ? { level: 'commune', region: list.region, commune: list.commune } : undefined;

/**
 * The targeting phase: each commune's list goes to its focal point, who approves it or returns it with
 * changes another person must approve; a list nobody decides on escalates to its region, then to the
 * coordination unit. Ends when every list is approved, or when the coordinator closes it; either way
 * the approved lists are frozen into the cycle's beneficiary list.
 */
export async function targetingPhaseWorkflow(input: TargetingPhaseInput): Promise<CyclePhaseResult> {
  const { cycleId, settings } = input;
  const lists = new Map<string, CommuneListState>((input.carried?.lists ?? []).map((l) => [l.commune, l]));
  const trained = new Set(input.carried?.trainedRegions ?? input.trainedRegions);
  let sent = input.carried?.sent ?? false;
  /** True from the send request on, while the lists are being opened. */
  let sending = sent;
  let version = input.carried?.version ?? 0;
  let frozen: FrozenListSummary | null = null;
  let closing: { actor: string; comment: string | null } | null = null;
  /** Whoever approved the last list completes the phase when every list is approved. */
  let lastApprover = 'system';
  /** Bumped whenever a deadline moves, so the timer is set again. */
  let deadlinesMoved = 0;

  const state = (): TargetingState => ({ sent, lists: [...lists.values()], frozen });
  const regionOpen = (region: string) => settings.trainingGateWaived || trained.has(region);

  const record = (action: ListAction, changed: CommuneListState[], by?: ActorContext) =>
    recordListAction({ cycleId, version: ++version, lists: changed, action, ...(by ? { by } : {}) });

  setHandler(targetingStateQuery, state);

  setHandler(regionTrainedSignal, async ({ region }) => {
    trained.add(region);
    if (!sent) return;
    const now = Date.now();
    const opened = [...lists.values()].filter((l) => l.region === region && l.status === 'waiting-training');
    for (const list of opened) Object.assign(list, { status: 'awaiting-decision', deadline: deadlineAfter(now, 'commune', settings) });
    if (opened.length === 0) return;
    deadlinesMoved++;
    await record({ kind: 'region-trained', region }, opened);
  });

  setHandler(
    sendListsUpdate,
    async ({ actor, by }) => {
      sending = true;
      const opened = await openCommuneLists({ cycleId });
      const now = Date.now();
      for (const { commune, region } of opened) {
        const open = regionOpen(region);
        lists.set(commune, {
          commune,
          region,
          status: open ? 'awaiting-decision' : 'waiting-training',
          escalation: 'commune',
          deadline: open ? deadlineAfter(now, 'commune', settings) : null,
          round: 1,
          proposal: null,
        });
      }
      sent = true;
      deadlinesMoved++;
      await record({ kind: 'sent', actor }, [...lists.values()], by);
      return state();
    },
    {
      validator: ({ by }) =>
        refuse(permitted(by, 'list.send') ?? (sending || closing ? { rule: 'lists-already-sent', message: 'The lists are already sent.' } : null)),
    },
  );

  setHandler(
    decideListUpdate,
    async ({ commune, decision, meetings, changes, actor, by }) => {
      const list = lists.get(commune)!;
      if (decision === 'approve') {
        Object.assign(list, { status: 'approved', deadline: null });
        lastApprover = actor;
      } else {
        list.status = 'change-proposed';
        list.proposal = { changes: changes!, preparedBy: by?.principal.id ?? actor, preparedByName: actor, preparedAt: new Date().toISOString() };
      }
      deadlinesMoved++;
      await record({ kind: decision === 'approve' ? 'approved' : 'returned', actor, meetings, changes: changes ?? [] }, [list], by);
      return list;
    },
    {
      validator: ({ commune, decision, changes, by }) => {
        const list = lists.get(commune);
        refuse(
          permitted(by, 'list.decide', communeArea(list)) ??
            whyCannotDecide(list, commune) ??
            (decision === 'return'
              ? whyChangesInvalid(changes ?? [], commune)
              : changes?.length
                ? { rule: 'list-changes-repeated', message: 'An approved list takes no changes: return it instead.', commune }
                : null),
        );
      },
    },
  );

  setHandler(
    reviewListChangeUpdate,
    async ({ commune, approve, comment, actor, by }) => {
      const list = lists.get(commune)!;
      const proposal = list.proposal!;
      if (approve) list.round++;
      Object.assign(list, { status: 'awaiting-decision', escalation: 'commune', deadline: deadlineAfter(Date.now(), 'commune', settings), proposal: null });
      deadlinesMoved++;
      await record({ kind: approve ? 'change-approved' : 'change-rejected', actor, changes: proposal.changes, round: list.round, comment: comment ?? null }, [list], by);
      return list;
    },
    {
      validator: ({ commune, actor, by }) => {
        const list = lists.get(commune);
        const reviewer = by?.principal ?? { kind: 'user' as const, id: actor, username: actor, roles: [], area: { level: 'national' as const } };
        refuse(permitted(by, 'list.change.review', communeArea(list)) ?? whyCannotReviewChange(list, commune, reviewer));
      },
    },
  );

  setHandler(markPhaseDoneSignal, ({ actor, comment }) => {
    closing ??= { actor, comment: comment ?? null };
  });

  const allApproved = () => sent && [...lists.values()].every((l) => l.status === 'approved');
  const nextDeadline = () => {
    const times = [...lists.values()].filter((l) => l.deadline && l.status !== 'approved').map((l) => Date.parse(l.deadline!));
    return times.length ? Math.min(...times) : null;
  };

  while (!closing && !allApproved()) {
    const seen = deadlinesMoved;
    const wakeUp = () => closing !== null || allApproved() || deadlinesMoved !== seen;
    const next = nextDeadline();
    if (next === null) await condition(wakeUp);
    else await condition(wakeUp, Math.max(next - Date.now(), 1));

    const now = Date.now();
    const overdue = [...lists.values()].filter((l) => l.deadline && l.status !== 'approved' && Date.parse(l.deadline) <= now);
    for (const list of overdue) {
      list.escalation = nextEscalation(list.escalation);
      list.deadline = deadlineAfter(now, list.escalation, settings);
    }
    if (overdue.length) await record({ kind: 'escalated' }, overdue);

    if (workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_NEW_RUN && !closing && !allApproved()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof targetingPhaseWorkflow>({ ...input, carried: { sent, lists: [...lists.values()], trainedRegions: [...trained], version } });
    }
  }

  // Decisions still being written land before the list is frozen from them.
  await condition(allHandlersFinished);
  const pending = pendingCommunes(lists.values());
  const approved = [...lists.values()].filter((l) => l.status === 'approved').map((l) => l.commune);
  const totals = await freezeBeneficiaryList({ cycleId, communes: approved });
  frozen = { ...totals, pendingCommunes: pending };
  if (closing) {
    const { actor, comment } = closing;
    const note = pending.length ? `Closed with ${pending.length} commune list(s) pending, left off the frozen list: ${pending.join(', ')}.` : null;
    return { completedBy: actor, comment: [comment, note].filter(Boolean).join(' ') || null };
  }
  return { completedBy: lastApprover, comment: `Every commune list approved; ${totals.households} households frozen.` };
}
