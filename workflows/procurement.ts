import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  applyAction,
  applyTimer,
  CASE_ACTION_KINDS,
  nextTimer,
  whyCannotAct,
  type CaseAction,
  type ProcurementCaseState,
  type ProcurementRefusal,
  type ProcurementTemplate,
} from '../domain/procurement';
import type { ActorContext } from '../domain/roles';
import type { CycleActivities } from '../activities';
import type { ProcurementEntry } from '../activities/procurement';
import { PROCUREMENT_UPDATES, procurementCaseQuery, type ProcurementActionInput } from './messages';
import { refuse } from './refuse';

const { recordProcurementChange } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Well under Temporal's ~10k events a history: past this the workflow carries its state into a new run. */
const HISTORY_EVENTS_BEFORE_NEW_RUN = 4_000;

export interface ProcurementCaseInput {
  /** The case as it opens (first step open), computed by the API from the template. */
  state: ProcurementCaseState;
  /** The template version the case started with: later edits of the chain do not reach it. */
  template: ProcurementTemplate;
  openedBy: string;
  by?: ActorContext;
  /** What a previous run of this workflow handed over when its history grew long. */
  carried?: { state: ProcurementCaseState; version: number };
}

/** An Update sent with no person (a script) is refused: every action on a case has an author. */
const ANONYMOUS_REFUSAL: ProcurementRefusal = { rule: 'not-permitted', message: 'An action on a case names who takes it.' };

/**
 * One procurement case, from its first step to "agency mobilised" (or its cancellation). Officers act
 * through Updates whose validators apply the domain's rules (role, area, four eyes), so a refused
 * action never enters the history. The case's own clock (bid deadline, late, escalation) is one timer.
 */
export async function procurementCaseWorkflow(input: ProcurementCaseInput): Promise<{ status: ProcurementCaseState['status'] }> {
  const { template } = input;
  const state: ProcurementCaseState = input.carried?.state ?? input.state;
  let version = input.carried?.version ?? 0;
  /** Bumped by each action, so the clock is set again. */
  let moved = 0;

  const record = (step: string, entry: ProcurementEntry, by?: ActorContext) =>
    recordProcurementChange({ version: ++version, step, state, entry, ...(by ? { by } : {}) });

  setHandler(procurementCaseQuery, () => state);

  for (const kind of CASE_ACTION_KINDS) {
    setHandler(
      PROCUREMENT_UPDATES[kind] as typeof PROCUREMENT_UPDATES.submit,
      async ({ action, actor, by }: ProcurementActionInput) => {
        // The state moves before the first await, so the next Update's validator already sees it.
        const step = applyAction(state, template, action, { id: by!.principal.id, name: actor }, Date.now());
        moved++;
        await record(step, { kind: 'action', action, actor }, by);
        return state;
      },
      {
        validator: ({ action, by }: ProcurementActionInput<CaseAction>) => {
          if (action?.kind !== kind) refuse({ rule: 'step-kind', message: `This Update takes a ${kind} action.` });
          refuse(by ? whyCannotAct(state, action, by.principal, Date.now()) : ANONYMOUS_REFUSAL);
        },
      },
    );
  }

  if (!input.carried) await record(state.steps[0]!.key, { kind: 'opened', actor: input.openedBy }, input.by);

  while (state.status === 'running') {
    const seen = moved;
    const wake = () => moved !== seen || state.status !== 'running';
    const timer = nextTimer(state);
    if (timer) await condition(wake, Math.max(timer.atMs - Date.now(), 1));
    else await condition(wake);

    for (;;) {
      const step = state.steps[state.current]!.key;
      const fired = applyTimer(state, template, Date.now());
      if (!fired) break;
      await record(step, { kind: 'timer', timer: fired });
    }

    if (workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_NEW_RUN && state.status === 'running') {
      await condition(allHandlersFinished);
      await continueAsNew<typeof procurementCaseWorkflow>({ ...input, carried: { state, version } });
    }
  }
  // Actions still being written land before the workflow closes.
  await condition(allHandlersFinished);
  return { status: state.status };
}
