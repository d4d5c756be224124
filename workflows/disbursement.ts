import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { CycleActivities } from '../activities';
import type { Phase } from '../domain/cycle';
import { cycleSettings, type CycleSettings } from '../domain/cycle-settings';
import { FAILURE_TYPES } from '../domain/errors';
import { paymentResendWorkflowId, paymentRunWorkflowId } from '../domain/ids';
import { whyCannotDecideAction, whyInvalidActionRequest, type PaymentActionOutcome, type PaymentActionRefusal as Refusal, type ResendUnit } from '../domain/payment-actions';
import { authorize, type Action } from '../domain/policy';
import type { ActorContext } from '../domain/roles';
import type { CyclePhaseResult } from './cycle-phase';
import {
  decidePaymentActionUpdate,
  disbursementStateQuery,
  markPhaseDoneSignal,
  paymentListsReleasedSignal,
  requestPaymentActionUpdate,
  type DisbursementRun,
  type DisbursementState,
} from './messages';
import { paymentRunWorkflow, type PaymentRunList } from './payment-run';

export interface DisbursementPhaseInput {
  cycleId: string;
  phase: Phase;
  settings?: Partial<CycleSettings>;
  /** The cycle's tranche this phase pays; 1 unless the program pays in several. */
  tranche?: number;
  /** Set by continue-as-new: what the previous run knew. */
  carried?: {
    state: DisbursementState;
    claims: number;
    rounds: Record<string, number>;
    result: CyclePhaseResult | null;
  };
}

// Building a million payments' lists takes minutes: the activity beats as it goes.
const { prepareDisbursement, reconcilePaymentLists } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

const { claimReleasedLists, requestPaymentAction, decidePaymentAction } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: [FAILURE_TYPES.ruleViolated] },
});

const RELEASE_SWEEP = '5 minutes';

/** Signals, updates and runs cost a few events each: a new run long before Temporal's limits. */
const HISTORY_EVENTS_BEFORE_NEW_RUN = 8_000;

function refuse(refusal: Refusal | null): void {
  if (!refusal) return;
  const { message, ...details } = refusal;
  throw ApplicationFailure.create({ message, type: FAILURE_TYPES.ruleViolated, nonRetryable: true, details: [details] });
}

function permitted(by: ActorContext | undefined, action: Action): Refusal | null {
  if (!by) return { rule: 'not-permitted', message: 'An action on payments names the person taking it.' };
  const decision = authorize(by.principal, action);
  return decision.allowed ? null : { rule: 'not-permitted', message: decision.message };
}

/** An activity's refusal reaches the caller as the refusal itself, not as a failed activity. */
async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}

/**
 * The disbursement phase of a cycle: builds each commune's payment list from the frozen beneficiary
 * list, sends each list once released (one payment run per agency at a time, later lists in the next
 * round), and takes operators' retries, re-routes and cancellations. Closing waits for what is in flight.
 */
export async function disbursementPhaseWorkflow(input: DisbursementPhaseInput): Promise<CyclePhaseResult> {
  const settings = cycleSettings(input.settings);
  const tranche = input.tranche ?? 1;
  const state: DisbursementState = input.carried?.state ?? { prepared: null, runs: [], awaitingApproval: [], closing: false };
  let result: CyclePhaseResult | null = input.carried?.result ?? null;
  let claims = input.carried?.claims ?? 0;
  const rounds = new Map<string, number>(Object.entries(input.carried?.rounds ?? {}));
  /** Released lists taken from the database, waiting for their agency's current run to end. */
  const waiting = new Map<string, PaymentRunList[]>();
  let releasedSignals = 0;
  let inFlight = 0;

  setHandler(disbursementStateQuery, () => state);
  setHandler(markPhaseDoneSignal, ({ actor, comment }) => {
    state.closing = true;
    result ??= { completedBy: actor, comment: comment ?? null };
  });
  setHandler(paymentListsReleasedSignal, () => {
    releasedSignals += 1;
  });

  const track = (run: DisbursementRun, done: Promise<unknown>) => {
    state.runs.push(run);
    inFlight += 1;
    done
      .then(
        () => {
          run.status = 'done';
        },
        () => {
          run.status = 'failed';
        },
      )
      .finally(() => {
        inFlight -= 1;
        startWaitingRun(run.agencyId);
      });
  };

  const startWaitingRun = (agencyId: string) => {
    const lists = waiting.get(agencyId);
    if (!lists || lists.length === 0) return;
    if (state.runs.some((r) => r.agencyId === agencyId && r.lists > 0 && r.status === 'running')) return;
    waiting.delete(agencyId);
    const round = (rounds.get(agencyId) ?? 0) + 1;
    rounds.set(agencyId, round);
    const workflowId = paymentRunWorkflowId(input.cycleId, agencyId, tranche, round);
    const run: DisbursementRun = { workflowId, agencyId, lists: lists.length, status: 'running' };
    // The run finishes its batches even if this phase moves on to a new run of its own history.
    const started = startChild(paymentRunWorkflow, {
      workflowId,
      args: [{ cycleId: input.cycleId, agencyId, lists, maxInFlight: settings.paymentBatchesInFlight }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    })
      .then((child) => child.result())
      // Each list is reconciled with the agency's statement once sent: by the run itself as it goes, or
      // (runs started before it did) here at the end of the run.
      .then((totals) => totals.reconciled ?? reconcilePaymentLists({ listIds: lists.map((l) => l.listId) }))
      .then((reconciled) => {
        run.reconciled = reconciled;
      });
    track(run, started);
  };

  const resend = (actionId: string, units: ResendUnit[]) => {
    if (units.length === 0) return;
    const workflowId = paymentResendWorkflowId(actionId);
    const run: DisbursementRun = { workflowId, agencyId: 'resend', lists: 0, status: 'running' };
    const started = startChild(paymentRunWorkflow, {
      workflowId,
      args: [{ cycleId: input.cycleId, agencyId: 'resend', lists: [], units, maxInFlight: settings.paymentBatchesInFlight }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    }).then((child) => child.result());
    track(run, started);
  };

  setHandler(
    requestPaymentActionUpdate,
    async ({ request, by }): Promise<PaymentActionOutcome> => {
      const outcome = await answering(() =>
        requestPaymentAction({ cycleId: input.cycleId, request, by: by!, approvalThreshold: settings.bulkActionApprovalThreshold }),
      );
      if (outcome.status === 'awaiting-approval') state.awaitingApproval.push({ id: outcome.id, requestedBy: outcome.requestedBy, count: outcome.count });
      resend(outcome.id, outcome.resend);
      return outcome;
    },
    {
      validator: ({ request, by }) => refuse(permitted(by, 'payments.act') ?? (state.closing ? closingRefusal() : whyInvalidActionRequest(request))),
    },
  );

  setHandler(
    decidePaymentActionUpdate,
    async ({ actionId, approve, reason, by }): Promise<PaymentActionOutcome> => {
      const outcome = await answering(() => decidePaymentAction({ cycleId: input.cycleId, actionId, approve, reason, by: by! }));
      state.awaitingApproval = state.awaitingApproval.filter((a) => a.id !== actionId);
      resend(outcome.id, outcome.resend);
      return outcome;
    },
    {
      validator: ({ actionId, by }) => {
        const pending = state.awaitingApproval.find((a) => a.id === actionId);
        refuse(
          permitted(by, 'payments.act') ??
            whyCannotDecideAction(pending ? { status: 'awaiting-approval', requestedBy: pending.requestedBy } : undefined, by!.principal.id),
        );
      },
    },
  );

  if (!state.prepared) {
    state.prepared = await prepareDisbursement({ cycleId: input.cycleId, tranche, batchSize: settings.paymentBatchSize });
  }

  const idle = () => inFlight === 0 && waiting.size === 0;
  const historyLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_NEW_RUN;

  // Released lists are taken at start (some may have been released before) and at each release signal.
  let seen = -1;
  for (;;) {
    // A release whose signal was lost (the API stopped after its commit) is found by the next sweep.
    const woken = await condition(() => releasedSignals !== seen || (state.closing && idle()) || (idle() && historyLong()), RELEASE_SWEEP);
    if (releasedSignals !== seen || !woken) {
      seen = releasedSignals;
      claims += 1;
      const claimed = await claimReleasedLists({ cycleId: input.cycleId, claim: `${workflowInfo().workflowId}#${claims}` });
      for (const list of claimed) {
        if (list.batches === 0) continue;
        waiting.set(list.agencyId, [...(waiting.get(list.agencyId) ?? []), { listId: list.listId, batches: list.batches }]);
      }
      for (const agencyId of [...waiting.keys()]) startWaitingRun(agencyId);
      continue;
    }
    if (state.closing) break;
    // Nothing in flight and a long history: carry what matters into a new run.
    await condition(allHandlersFinished);
    await continueAsNew<typeof disbursementPhaseWorkflow>({
      ...input,
      carried: { state: { ...state, runs: state.runs.slice(-100) }, claims, rounds: Object.fromEntries(rounds), result },
    });
  }

  await condition(allHandlersFinished);
  if (!result) throw ApplicationFailure.nonRetryable('The disbursement phase ended without being closed');
  return result;

  function closingRefusal(): Refusal {
    return { rule: 'phase-closing', message: 'The disbursement phase is closing: no new action on payments.' };
  }
}
