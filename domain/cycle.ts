// The program cycle: its phases, their statuses and the rules that move them.

/** Sequential phases of a cycle; grievance handling runs beside them. */
export const SEQUENTIAL_PHASES = ['training', 'targeting', 'procurement', 'disbursement'] as const;
export const PHASES = [...SEQUENTIAL_PHASES, 'grievances'] as const;
export type Phase = (typeof PHASES)[number];
export type SequentialPhase = (typeof SEQUENTIAL_PHASES)[number];

export const PHASE_STATUSES = ['pending', 'active', 'completed', 'cancelled'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

export const CYCLE_STATUSES = ['running', 'paused', 'completed', 'cancelled'] as const;
export type CycleStatus = (typeof CYCLE_STATUSES)[number];

export const TRANSITION_KINDS = [
  'cycle-started',
  'phase-started',
  'phase-completed',
  'cycle-paused',
  'cycle-resumed',
  'cycle-cancelled',
  'cycle-completed',
] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

export interface PhaseState {
  phase: Phase;
  status: PhaseStatus;
  startedAt: string | null;
  completedAt: string | null;
  completedBy: string | null;
}

/** The live state of one cycle, as its workflow knows it (Query) and as the read model mirrors it. */
export interface CycleState {
  cycleId: string;
  status: CycleStatus;
  phases: PhaseState[];
  /** Increases with every recorded transition, so a console can drop stale updates. */
  version: number;
}

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

export function initialPhases(): PhaseState[] {
  return PHASES.map((phase) => ({ phase, status: 'pending', startedAt: null, completedAt: null, completedBy: null }));
}

/** Grievance handling opens with the first payment, so together with disbursement. */
export const GRIEVANCES_OPEN_WITH: SequentialPhase = 'disbursement';

/** Why a phase cannot be marked complete now, or null when it can. */
export function whyPhaseCannotComplete(state: CycleState, phase: Phase): string | null {
  if (state.status === 'cancelled') return 'The cycle is cancelled.';
  if (state.status === 'completed') return 'The cycle is already closed.';
  if (state.status === 'paused') return 'The cycle is paused: resume it before advancing a phase.';
  const current = state.phases.find((p) => p.phase === phase);
  if (!current) return `Unknown phase "${phase}".`;
  if (current.status === 'completed') return `The ${phase} phase is already completed.`;
  if (current.status === 'cancelled') return `The ${phase} phase is cancelled.`;
  if (current.status === 'pending' && !isStarting(state, phase)) return `The ${phase} phase has not started yet.`;
  if (phase === 'grievances') {
    const disbursement = state.phases.find((p) => p.phase === 'disbursement');
    if (disbursement?.status !== 'completed') {
      return 'Grievance handling stays open until disbursement is completed.';
    }
  }
  return null;
}

/**
 * A pending phase whose predecessors are all completed in a running cycle is being started by the
 * workflow right now: an action on it waits for the start instead of failing on a race.
 */
function isStarting(state: CycleState, phase: Phase): boolean {
  const order: readonly Phase[] = SEQUENTIAL_PHASES;
  const index = order.indexOf(phase);
  if (index < 0 || state.status !== 'running') return false;
  return order.slice(0, index).every((before) => state.phases.find((p) => p.phase === before)?.status === 'completed');
}

export function whyCannotPause(state: CycleState): string | null {
  if (state.status === 'paused') return 'The cycle is already paused.';
  if (state.status !== 'running') return `A ${state.status} cycle cannot be paused.`;
  return null;
}

export function whyCannotResume(state: CycleState): string | null {
  if (state.status !== 'paused') return 'The cycle is not paused.';
  return null;
}

export function whyCannotCancel(state: CycleState): string | null {
  if (state.status === 'cancelled') return 'The cycle is already cancelled.';
  if (state.status === 'completed') return 'A closed cycle cannot be cancelled.';
  return null;
}
