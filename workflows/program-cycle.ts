import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
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
import { ALL_WORKSHOPS_REPORTED_COMMENT } from '../domain/training';
import { authorize, type Action } from '../domain/policy';
import type { ActorContext } from '../domain/roles';
import { phaseWorkflowId } from '../domain/ids';
import type { CycleActivities } from '../activities';
import { cycleSettings, type CycleSettings } from '../domain/cycle-settings';
import { cyclePhaseWorkflow, type CyclePhaseResult } from './cycle-phase';
import { disbursementPhaseWorkflow } from './disbursement';
import { targetingPhaseWorkflow } from './targeting';
import {
  cancelCycleUpdate,
  completePhaseUpdate,
  cycleStateQuery,
  markPhaseDoneSignal,
  pauseCycleUpdate,
  resumeCycleUpdate,
  regionTrainedSignal,
  workshopReportedSignal,
} from './messages';

export interface ProgramCycleInput {
  cycleId: string;
  startedBy: string;
  by?: ActorContext;
  /** Absent from cycles started before settings existed: today's defaults apply. */
  settings?: Partial<CycleSettings>;
}

/** Every phase child answers the same way, whatever work it does. */
type PhaseChild = ChildWorkflowHandle<(...args: any[]) => Promise<CyclePhaseResult>>;

const { recordCycleTransition } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** A copy of the state as it is now (the sandbox has no structuredClone). */
function snapshot(state: CycleState): CycleState {
  return { ...state, phases: state.phases.map((p) => ({ ...p })) };
}

/** Rejects an Update in its validator: nothing enters history, the caller gets the rule and its message. */
/** The same policy the API applied, checked again where the change happens. */
function permitted(by: ActorContext | undefined, action: Action): Refusal | null {
  if (!by) return null;
  const decision = authorize(by.principal, action);
  return decision.allowed ? null : { rule: 'not-permitted', message: decision.message };
}

function refuse(refusal: Refusal | null): void {
  if (!refusal) return;
  const { message, ...details } = refusal;
  throw ApplicationFailure.create({ message, type: FAILURE_TYPES.ruleViolated, nonRetryable: true, details: [details] });
}

/** One program cycle, end to end: training → targeting → procurement → disbursement, grievances beside. */
export async function programCycleWorkflow(input: ProgramCycleInput): Promise<CycleState> {
  const state: CycleState = { cycleId: input.cycleId, status: 'running', phases: initialPhases(), version: 0, trainedRegions: [] };
  const children = new Map<Phase, PhaseChild>();
  const settings = cycleSettings(input.settings);
  /** Who asked each phase to complete, for the audit trail of the completion and what it starts. */
  const completedBy = new Map<Phase, ActorContext>();
  const phasesScope = new CancellationScope();
  let cancellation: { actor: string; reason: string; by?: ActorContext | undefined } | null = null;
  /** True from a phase's completion until the cycle has started what comes next. */
  let settling = false;

  const phaseOf = (phase: Phase) => state.phases.find((p) => p.phase === phase)!;

  let persistedVersion = 0;
  // The version is taken synchronously so concurrent records keep their order in the read model.
  const record = async (
    kind: TransitionKind,
    actor: string,
    phase: Phase | null = null,
    reason: string | null = null,
    by: ActorContext | undefined = undefined,
  ) => {
    const sequence = ++state.version;
    await recordCycleTransition({
      cycleId: state.cycleId,
      sequence,
      kind,
      phase,
      actor,
      reason: reason || null,
      state: snapshot(state),
      ...(by ? { by } : {}),
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
    async ({ phase, actor, comment, by }) => {
      await condition(() => children.has(phase) || state.status === 'cancelled');
      if (state.status === 'cancelled') return state;
      if (by) completedBy.set(phase, by);
      await children.get(phase)!.signal(markPhaseDoneSignal, { actor, comment });
      await condition(() => phaseOf(phase).status !== 'active' || state.status === 'cancelled');
      // Answer once the next phase has started, so the caller sees where the cycle now stands.
      await condition(() => !settling || state.status !== 'running');
      await persisted();
      return state;
    },
    { validator: ({ phase, by }) => refuse(permitted(by, 'cycle.advance') ?? whyPhaseCannotComplete(state, phase)) },
  );

  // A workshop report moves no phase by itself, except the last planned one while training is open.
  setHandler(workshopReportedSignal, async ({ region, reportedBy, allPlannedReported, by }) => {
    const trained = state.trainedRegions ?? [];
    if (!trained.includes(region)) state.trainedRegions = [...trained, region];
    // Targeting already running: the region's commune lists may go out now.
    const targeting = children.get('targeting');
    if (targeting && phaseOf('targeting').status === 'active' && patched('forward-region-trained')) {
      await targeting.signal(regionTrainedSignal, { region });
    }
    if (!allPlannedReported) return;
    await condition(() => children.has('training') || state.status === 'cancelled');
    // A paused cycle advances nothing: the completion waits for the resume.
    await condition(() => state.status !== 'paused');
    const training = children.get('training');
    if (!training || state.status !== 'running' || phaseOf('training').status !== 'active') return;
    if (by && !completedBy.has('training')) completedBy.set('training', by);
    await training.signal(markPhaseDoneSignal, { actor: reportedBy, comment: ALL_WORKSHOPS_REPORTED_COMMENT });
  });

  setHandler(
    pauseCycleUpdate,
    async ({ actor, reason, by }) => {
      state.status = 'paused';
      await record('cycle-paused', actor, null, reason, by);
      return state;
    },
    { validator: ({ by }) => refuse(permitted(by, 'cycle.pause') ?? whyCannotPause(state)) },
  );

  setHandler(
    resumeCycleUpdate,
    async ({ actor, reason, by }) => {
      state.status = 'running';
      await record('cycle-resumed', actor, null, reason, by);
      return state;
    },
    { validator: ({ by }) => refuse(permitted(by, 'cycle.pause') ?? whyCannotResume(state)) },
  );

  setHandler(
    cancelCycleUpdate,
    async ({ actor, reason, by }) => {
      cancellation = { actor, reason, by };
      phasesScope.cancel();
      await condition(() => state.status === 'cancelled');
      await persisted();
      return state;
    },
    { validator: ({ by }) => refuse(permitted(by, 'cycle.cancel') ?? whyCannotCancel(state)) },
  );

  const startPhase = async (phase: Phase, actor: string, by: ActorContext | undefined) => {
    const workflowId = phaseWorkflowId(state.cycleId, phase);
    // Cycles that reached targeting before community validation existed keep their plain phase child.
    const child: PhaseChild =
      phase === 'targeting' && patched('targeting-validation')
        ? await startChild(targetingPhaseWorkflow, { workflowId, args: [{ cycleId: state.cycleId, phase, settings, trainedRegions: state.trainedRegions ?? [] }] })
        : // Cycles that reached disbursement before it was built keep their plain phase child.
          phase === 'disbursement' && patched('disbursement-phase')
          ? await startChild(disbursementPhaseWorkflow, { workflowId, args: [{ cycleId: state.cycleId, phase, settings }] })
          : await startChild(cyclePhaseWorkflow, { workflowId, args: [{ cycleId: state.cycleId, phase }] });
    // Active only once the child exists, so the completePhase Update always finds it.
    children.set(phase, child);
    Object.assign(phaseOf(phase), { status: 'active', startedAt: new Date().toISOString() });
    await record('phase-started', actor, phase, null, by);
  };

  const finishPhase = async (phase: Phase) => {
    const result = await children.get(phase)!.result();
    settling = true;
    Object.assign(phaseOf(phase), { status: 'completed', completedAt: new Date().toISOString(), completedBy: result.completedBy });
    const by = completedBy.get(phase);
    await record('phase-completed', result.completedBy, phase, result.comment, by);
    return { actor: result.completedBy, by };
  };

  const runPhases = async () => {
    let last = { actor: input.startedBy, by: input.by };
    for (const phase of SEQUENTIAL_PHASES satisfies readonly SequentialPhase[]) {
      // A paused cycle finishes nothing and starts nothing until it is resumed.
      await condition(() => state.status !== 'paused');
      await startPhase(phase, last.actor, last.by);
      if (phase === GRIEVANCES_OPEN_WITH) await startPhase('grievances', last.actor, last.by);
      settling = false;
      last = await finishPhase(phase);
    }
    settling = false;
    await condition(() => state.status !== 'paused');
    return finishPhase('grievances');
  };

  await record('cycle-started', input.startedBy, null, null, input.by);
  try {
    const closed = await phasesScope.run(runPhases);
    state.status = 'completed';
    await record('cycle-completed', closed.actor, null, null, closed.by);
    settling = false;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled by the cancel Update, or from outside Temporal's own tools.
    const request = cancellation ?? { actor: 'temporal', reason: 'Workflow cancelled outside the console', by: undefined };
    await CancellationScope.nonCancellable(async () => {
      state.status = 'cancelled';
      for (const p of state.phases) if (p.status !== 'completed') p.status = 'cancelled';
      await record('cycle-cancelled', request.actor, null, request.reason, request.by);
    });
  }
  return state;
}
