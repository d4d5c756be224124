import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import {
  applyAction,
  applyTimer,
  GRIEVANCE_ACTION_KINDS,
  nextTimer,
  whyCannotAct,
  type GrievanceAction,
  type GrievanceCaseState,
  type GrievanceRefusal,
  type GrievanceSettings,
} from '../domain/grievances';
import type { ActorContext } from '../domain/roles';
import type { CycleActivities } from '../activities';
import type { GrievanceEffectResult, GrievanceEntry } from '../activities/grievances';
import { GRIEVANCE_UPDATES, grievanceCaseQuery, type GrievanceActionInput } from './messages';
import { refuse } from './refuse';

const { recordGrievanceChange } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

// The corrective payment goes through the disbursement path's own batch activity: it asks the agency by
// the payment's key before any resend, and beats while its worker lives, so a killed worker pays once.
const { submitPaymentBatch } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['PaymentListNotReleased', 'NotFound'] },
});

/** How long to wait before asking again about a payment the agency accepted but has not paid yet. */
const SETTLE_POLL = '30 seconds';

/** Well under Temporal's ~10k events a history: past this the workflow carries its state into a new run. */
const HISTORY_EVENTS_BEFORE_NEW_RUN = 4_000;

export interface GrievanceCaseInput {
  /** The case as it is filed (received, deadline running), computed by the API. */
  state: GrievanceCaseState;
  /** Deadlines and the reopening period as they stood at filing: later edits do not reach a running case. */
  settings: GrievanceSettings;
  filedBy: string;
  by?: ActorContext;
  /** What a previous run of this workflow handed over when its history grew long. */
  carried?: { state: GrievanceCaseState; version: number };
}

/** An Update sent with no person (a script) is refused: every action on a case has an author. */
const ANONYMOUS_REFUSAL: GrievanceRefusal = { rule: 'not-permitted', message: 'An action on a case names who takes it.' };

/**
 * One grievance, from its filing until its decision can no longer be contested. Officers act through
 * Updates whose validators apply the domain's rules (role, area, sensitivity, status), so a refused
 * action never enters the history. The case's own clock (escalation, lateness, end of the reopening
 * period) is one durable timer that fires whether or not anyone looks at the case.
 */
export async function grievanceCaseWorkflow(input: GrievanceCaseInput): Promise<{ status: GrievanceCaseState['status'] }> {
  const { settings } = input;
  const state: GrievanceCaseState = input.carried?.state ?? input.state;
  let version = input.carried?.version ?? 0;
  /** Bumped by each action, so the clock is set again. */
  let moved = 0;

  const record = (entry: GrievanceEntry, by?: ActorContext) => recordGrievanceChange({ version: ++version, state, entry, ...(by ? { by } : {}) });
  let sending: Promise<void> | null = null;

  /** Sends the released corrective payment until the agency has paid or refused it, then says so on the case. */
  async function sendCorrectivePayment(listId: string): Promise<void> {
    let paid = false;
    let detail: string | null = null;
    try {
      for (;;) {
        const result = await submitPaymentBatch({ listId, batchNo: 0 });
        if (result.confirmed > 0 || result.failed > 0) {
          paid = result.confirmed > 0;
          if (!paid) detail = 'The payment agency refused the payment: see the failed payments queue.';
          break;
        }
        await sleep(SETTLE_POLL);
      }
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err);
    }
    Object.assign(state.correctivePayment!, { status: paid ? 'paid' : 'failed', problem: detail });
    moved++;
    await record({ kind: 'payment', outcome: paid ? 'paid' : 'failed', detail });
  }
  const send = (listId: string) => {
    sending ??= sendCorrectivePayment(listId).finally(() => {
      sending = null;
    });
  };
  /** The approval's activity answered: the payment is released (and goes out) or could not be. */
  const released = (effect: GrievanceEffectResult | null) => {
    const payment = state.correctivePayment;
    if (!payment) return;
    if (effect?.kind === 'released') {
      Object.assign(payment, { listId: effect.listId, paymentId: effect.paymentId, tranche: effect.tranche });
      send(effect.listId);
    } else {
      Object.assign(payment, { status: 'failed', problem: effect?.kind === 'refused' ? effect.problem : 'The payment could not be released.' });
    }
    moved++;
  };

  setHandler(grievanceCaseQuery, () => state);

  for (const kind of GRIEVANCE_ACTION_KINDS) {
    setHandler(
      GRIEVANCE_UPDATES[kind] as typeof GRIEVANCE_UPDATES.acknowledge,
      async ({ action, actor, by }: GrievanceActionInput) => {
        // The state moves before the first await, so the next Update's validator already sees it.
        applyAction(state, action, settings, Date.now(), actor);
        moved++;
        const effect = await record({ kind: 'action', action, actor }, by);
        if (action.kind === 'approve-payment') released(effect);
        return state;
      },
      {
        validator: ({ action, by }: GrievanceActionInput<GrievanceAction>) => {
          if (action?.kind !== kind) refuse({ rule: 'wrong-status', message: `This Update takes a ${kind} action.` });
          refuse(by ? whyCannotAct(state, action, by.principal, settings, Date.now()) : ANONYMOUS_REFUSAL);
        },
      },
    );
  }

  if (!input.carried) await record({ kind: 'filed', actor: input.filedBy }, input.by);
  // A run that took over mid-send sends on (the batch activity asks the agency before any resend).
  const carriedPayment = state.correctivePayment;
  if (carriedPayment?.status === 'released' && carriedPayment.listId) send(carriedPayment.listId);

  while (!state.final) {
    const seen = moved;
    const wake = () => moved !== seen;
    const timer = nextTimer(state, settings);
    if (timer) await condition(wake, Math.max(timer.atMs - Date.now(), 1));
    else await condition(wake);

    for (;;) {
      const fired = applyTimer(state, settings, Date.now());
      if (!fired) break;
      await record({ kind: 'timer', timer: fired });
    }

    if (workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_NEW_RUN && !state.final) {
      await condition(() => allHandlersFinished() && sending === null);
      await continueAsNew<typeof grievanceCaseWorkflow>({ ...input, carried: { state, version } });
    }
  }
  // Actions still being written land before the workflow closes.
  await condition(() => allHandlersFinished() && sending === null);
  return { status: state.status };
}
