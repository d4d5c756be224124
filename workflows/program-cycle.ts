import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { CycleState, Phase, Refusal, SequentialPhase, TransitionKind } from '../domain/cycle';
import {
  GRIEVANCES_OPEN_WITH,
  SEQUENTIAL_PHASES,
  initialPhases,
  whyCannotCancel,
  whyCannotPause,
  whyCannotResume,
  whyPhaseCannotComplete,
} from '../domain/cycle';
import { FAILURE_TYPES } from '../domain/errors';
import { phaseWorkflowId } from '../domain/ids';
import type { CycleActivities } from '../activities';
import { cyclePhaseWorkflow } from './cycle-phase';
import {
  cancelCycleUpdate,
  completePhaseUpdate,
  cycleStateQuery,
  markPhaseDoneSignal,
  pauseCycleUpdate,
  resumeCycleUpdate,
} from './messages';

export interface ProgramCycleInput {
  cycleId: string;
  startedBy: string;
}

const { recordCycleTransition } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** A copy of the state as it is now (the sandbox has no structuredClone). */
function snapshot(state: CycleState): CycleState {
  return { ...state, phases: state.phases.map((p) => ({ ...p })) };
}

/** Rejects an Update in its validator: nothing enters history, the caller gets the rule and its message. */
function refuse(refusal: Refusal | null): void {
  if (!refusal) return;
  const { message, ...details } = refusal;
  throw ApplicationFailure.create({ message, type: FAILURE_TYPES.ruleViolated, nonRetryable: true, details: [details] });
}

/** One program cycle, end to end: training → targeting → procurement → disbursement, grievances beside. */
export async function programCycleWorkflow(input: ProgramCycleInput): Promise<CycleState> {
  const state: CycleState = { cycleId: input.cycleId, status: 'running', phases: initialPhases(), version: 0 };
  const children = new Map<Phase, ChildWorkflowHandle<typeof cyclePhaseWorkflow>>();
  const phasesScope = new CancellationScope();
  let cancellation: { actor: string; reason: string } | null = null;
  /** True from a phase's completion until the cycle has started what comes next. */
  let settling = false;

  const phaseOf = (phase: Phase) => state.phases.find((p) => p.phase === phase)!;

  let persistedVersion = 0;
  // The version is taken synchronously so concurrent records keep their order in the read model.
  const record = async (kind: TransitionKind, actor: string, phase: Phase | null = null, reason: string | null = null) => {
    const sequence = ++state.version;
    await recordCycleTransition({
      cycleId: state.cycleId,
      sequence,
      kind,
      phase,
      actor,
      reason: reason || null,
      state: snapshot(state),
    });
    persistedVersion = Math.max(persistedVersion, sequence);
  };
  /** Updates answer once their change is in Postgres, so a caller that reads next sees it. */
  const persisted = () => {
    const target = state.version;
    return condition(() => persistedVersion >= target);
  };

  setHandler(cycleStateQuery, () => state);

  setHandler(
    completePhaseUpdate,
    async ({ phase, actor, comment }) => {
      await condition(() => children.has(phase) || state.status === 'cancelled');
      if (state.status === 'cancelled') return state;
      await children.get(phase)!.signal(markPhaseDoneSignal, { actor, comment });
      await condition(() => phaseOf(phase).status !== 'active' || state.status === 'cancelled');
      // Answer once the next phase has started, so the caller sees where the cycle now stands.
      await condition(() => !settling || state.status !== 'running');
      await persisted();
      return state;
    },
    { validator: ({ phase }) => refuse(whyPhaseCannotComplete(state, phase)) },
  );

  setHandler(
    pauseCycleUpdate,
    async ({ actor, reason }) => {
      state.status = 'paused';
      await record('cycle-paused', actor, null, reason);
      return state;
    },
    { validator: (_input) => refuse(whyCannotPause(state)) },
  );

  setHandler(
    resumeCycleUpdate,
    async ({ actor, reason }) => {
      state.status = 'running';
      await record('cycle-resumed', actor, null, reason);
      return state;
    },
    { validator: (_input) => refuse(whyCannotResume(state)) },
  );

  setHandler(
    cancelCycleUpdate,
    async ({ actor, reason }) => {
      cancellation = { actor, reason };
      phasesScope.cancel();
      await condition(() => state.status === 'cancelled');
      await persisted();
      return state;
    },
    { validator: (_input) => refuse(whyCannotCancel(state)) },
  );

  const startPhase = async (phase: Phase, actor: string) => {
    const child = await startChild(cyclePhaseWorkflow, {
      workflowId: phaseWorkflowId(state.cycleId, phase),
      args: [{ cycleId: state.cycleId, phase }],
    });
    // Active only once the child exists, so the completePhase Update always finds it.
    children.set(phase, child);
    Object.assign(phaseOf(phase), { status: 'active', startedAt: new Date().toISOString() });
    await record('phase-started', actor, phase);
  };

  const finishPhase = async (phase: Phase) => {
    const { completedBy, comment } = await children.get(phase)!.result();
    settling = true;
    Object.assign(phaseOf(phase), { status: 'completed', completedAt: new Date().toISOString(), completedBy });
    await record('phase-completed', completedBy, phase, comment);
    return completedBy;
  };

  const runPhases = async () => {
    let actor = input.startedBy;
    for (const phase of SEQUENTIAL_PHASES satisfies readonly SequentialPhase[]) {
      // A paused cycle finishes nothing and starts nothing until it is resumed.
      await condition(() => state.status !== 'paused');
      await startPhase(phase, actor);
      if (phase === GRIEVANCES_OPEN_WITH) await startPhase('grievances', actor);
      settling = false;
      actor = await finishPhase(phase);
    }
    settling = false;
    await condition(() => state.status !== 'paused');
    return finishPhase('grievances');
  };

  await record('cycle-started', input.startedBy);
  try {
    const closedBy = await phasesScope.run(runPhases);
    state.status = 'completed';
    await record('cycle-completed', closedBy);
    settling = false;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled by the cancel Update, or from outside Temporal's own tools.
    const by = cancellation ?? { actor: 'temporal', reason: 'Workflow cancelled outside the console' };
    await CancellationScope.nonCancellable(async () => {
      state.status = 'cancelled';
      for (const p of state.phases) if (p.status !== 'completed') p.status = 'cancelled';
      await record('cycle-cancelled', by.actor, null, by.reason);
    });
  }
  return state;
}
