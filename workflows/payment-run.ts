import { condition, continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CycleActivities } from '../activities';
import type { ReconciledLists } from '../activities/disbursement';
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
  /** Its lists reconciled with the agency's statement, each as soon as its last batch was done (absent in runs recorded before). */
  reconciled?: ReconciledLists;
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
  /** Set by continue-as-new: where the previous run stopped, and the batches done of lists not yet finished. */
  carried?: { next: number; totals: PaymentRunTotals; listBatchesDone?: Record<string, number> };
}

// An agency that is down slows its own lots only: its batches retry with backoff, for as long as it takes.
const { submitPaymentBatch } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '10 minutes',
  // The activity beats every second while its worker lives: a killed worker's batches move on in seconds.
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['PaymentListNotReleased', 'NotFound'] },
});

// Reading a statement page by page and comparing a list: minutes at most, retried as long as it takes.
const { reconcilePaymentLists } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '30 minutes',
  // It beats every second while its worker lives: a killed worker's reconciliation moves on in seconds.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
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
  // A list is reconciled as soon as its last batch is done, while the run sends the next lists (an
  // operator's resend of chosen batches reconciles nothing: its lists were reconciled with their run).
  const reconcileEachList = !input.units && patched('reconcile-each-list');
  const batchesOf = new Map(input.lists.map((l) => [l.listId, l.batches]));
  const listBatchesDone = new Map<string, number>(Object.entries(input.carried?.listBatchesDone ?? {}));
  let reconciling = 0;
  if (reconcileEachList) totals.reconciled ??= { lists: 0, matched: 0, mismatches: 0, ledgerTotalFcfa: 0, statementTotalFcfa: 0 };

  const add = (unit: PaymentBatchUnit, result: PaymentBatchResult) => {
    totals.batchesDone += 1;
    totals.confirmed += result.confirmed;
    totals.failed += result.failed;
    totals.submitted += result.submitted;
    if (!reconcileEachList) return;
    const done = (listBatchesDone.get(unit.listId) ?? 0) + 1;
    listBatchesDone.set(unit.listId, done);
    if (done < batchesOf.get(unit.listId)!) return;
    listBatchesDone.delete(unit.listId);
    reconciling += 1;
    reconcilePaymentLists({ listIds: [unit.listId] })
      .then((r) => {
        const t = totals.reconciled!;
        t.lists += r.lists;
        t.matched += r.matched;
        t.mismatches += r.mismatches;
        t.ledgerTotalFcfa += r.ledgerTotalFcfa;
        t.statementTotalFcfa += r.statementTotalFcfa;
      }, (err: unknown) => {
        failure = err;
      })
      .finally(() => {
        reconciling -= 1;
      });
  };

  while (next < units && failure === null) {
    await condition(() => inFlight < Math.max(1, input.maxInFlight) || failure !== null);
    if (failure !== null) break;
    if (workflowInfo().historyLength > (input.historyEventsBeforeNewRun ?? HISTORY_EVENTS_BEFORE_NEW_RUN)) {
      await condition(() => inFlight === 0 && reconciling === 0);
      await continueAsNew<typeof paymentRunWorkflow>({ ...input, carried: { next, totals, listBatchesDone: Object.fromEntries(listBatchesDone) } });
    }
    inFlight += 1;
    const unit = unitAt(input, next);
    submitPaymentBatch(unit)
      .then(
        (result) => add(unit, result),
        (err: unknown) => {
          failure = err;
        },
      )
      .finally(() => {
        inFlight -= 1;
      });
    next += 1;
  }
  await condition(() => inFlight === 0 && reconciling === 0);
  if (failure !== null) throw failure;
  return totals;
}
