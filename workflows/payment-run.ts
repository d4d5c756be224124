import { condition, continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CycleActivities } from '../activities';
import type { PaymentBatchResult } from '../activities/payment-batch';

/** The batches of one payment list: numbered 0 to batches − 1 when the list was built. */
export interface PaymentRunList {
  listId: string;
  batches: number;
}

export interface PaymentBatchUnit {
  listId: string;
  batchNo: number;
}

export interface PaymentRunTotals {
  batchesDone: number;
  confirmed: number;
  failed: number;
  submitted: number;
}

export interface PaymentRunInput {
  cycleId: string;
  agencyId: string;
  lists: PaymentRunList[];
  /** Given, the run sends exactly these batches instead of every batch of `lists` (an operator's retry). */
  units?: PaymentBatchUnit[];
  /** Batches sent to this agency at once; with its request rate, what a run may ask of it. */
  maxInFlight: number;
  /** History events past which the run continues as new; tests lower it to see the hand-over. */
  historyEventsBeforeNewRun?: number;
  /** Set by continue-as-new: where the previous run stopped. */
  carried?: { next: number; totals: PaymentRunTotals };
}

// An agency that is down slows its own lots only: its batches retry with backoff, for as long as it takes.
const { submitPaymentBatch } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '10 minutes',
  // The activity beats every second while its worker lives: a killed worker's batches move on in seconds.
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['PaymentListNotReleased', 'NotFound'] },
});

// Each batch costs a handful of events: a new run long before Temporal's 50k-event limit.
const HISTORY_EVENTS_BEFORE_NEW_RUN = 4_000;

/** Which list and batch the n-th unit of work of a run is. */
function unitAt(input: PaymentRunInput, n: number): PaymentBatchUnit {
  if (input.units) return input.units[n]!;
  let rest = n;
  const lists = input.lists;
  for (const list of lists) {
    if (rest < list.batches) return { listId: list.listId, batchNo: rest };
    rest -= list.batches;
  }
  throw new RangeError(`no batch ${n} in this run`);
}

/**
 * Sends one agency's released lists batch by batch, at most `maxInFlight` at once, so a million
 * payments are a few thousand activities spread over several runs, never one history.
 */
export async function paymentRunWorkflow(input: PaymentRunInput): Promise<PaymentRunTotals> {
  const units = input.units ? input.units.length : input.lists.reduce((sum, l) => sum + l.batches, 0);
  const totals: PaymentRunTotals = { ...(input.carried?.totals ?? { batchesDone: 0, confirmed: 0, failed: 0, submitted: 0 }) };
  let next = input.carried?.next ?? 0;
  let inFlight = 0;
  let failure: unknown = null;

  const add = (result: PaymentBatchResult) => {
    totals.batchesDone += 1;
    totals.confirmed += result.confirmed;
    totals.failed += result.failed;
    totals.submitted += result.submitted;
  };

  while (next < units && failure === null) {
    await condition(() => inFlight < Math.max(1, input.maxInFlight) || failure !== null);
    if (failure !== null) break;
    if (workflowInfo().historyLength > (input.historyEventsBeforeNewRun ?? HISTORY_EVENTS_BEFORE_NEW_RUN)) {
      await condition(() => inFlight === 0);
      await continueAsNew<typeof paymentRunWorkflow>({ ...input, carried: { next, totals } });
    }
    inFlight += 1;
    submitPaymentBatch(unitAt(input, next))
      .then(add, (err: unknown) => {
        failure = err;
      })
      .finally(() => {
        inFlight -= 1;
      });
    next += 1;
  }
  await condition(() => inFlight === 0);
  if (failure !== null) throw failure;
  return totals;
}
