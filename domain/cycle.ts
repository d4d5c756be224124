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
  /** Region codes whose training workshop report is recorded; absent in states recorded before workshops existed. */
  trainedRegions?: string[];
}

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

export function initialPhases(): PhaseState[] {
  return PHASES.map((phase) => ({ phase, status: 'pending', startedAt: null, completedAt: null, completedBy: null }));
}

/** Grievance handling opens with the first payment, so together with disbursement. */
export const GRIEVANCES_OPEN_WITH: SequentialPhase = 'disbursement';

/** Every rule a cycle action can break; the console words each one in its own language. */
export const CYCLE_RULES = [
  'cycle-cancelled',
  'cycle-closed',
  'cycle-paused',
  'cycle-already-paused',
  'cycle-not-paused',
  'cycle-not-running',
  'phase-already-completed',
  'phase-cancelled',
  'phase-not-started',
  'grievances-open-until-paid',
  'not-permitted',
] as const;
export type CycleRule = (typeof CYCLE_RULES)[number];

/** A refused action: the rule it breaks, an English message for logs and API clients, the phase concerned. */
export interface Refusal {
  rule: CycleRule;
  message: string;
  phase?: Phase;
}

/** Why a phase cannot be marked complete now, or null when it can. */
export function whyPhaseCannotComplete(state: CycleState, phase: Phase): Refusal | null {
  const closed = whyCycleIsClosed(state.status);
  if (closed) return closed;
  if (state.status === 'paused') return { rule: 'cycle-paused', message: 'The cycle is paused: resume it before advancing a phase.' };
  const current = state.phases.find((p) => p.phase === phase);
  if (!current) return { rule: 'phase-not-started', message: `Unknown phase "${phase}".`, phase };
  if (current.status === 'completed') return { rule: 'phase-already-completed', message: `The ${phase} phase is already completed.`, phase };
  if (current.status === 'cancelled') return { rule: 'phase-cancelled', message: `The ${phase} phase is cancelled.`, phase };
  if (current.status === 'pending' && !isStarting(state, phase)) {
    return { rule: 'phase-not-started', message: `The ${phase} phase has not started yet.`, phase };
  }
  if (phase === 'grievances') {
    const disbursement = state.phases.find((p) => p.phase === 'disbursement');
    if (disbursement?.status !== 'completed') {
      return { rule: 'grievances-open-until-paid', message: 'Grievance handling stays open until disbursement is completed.', phase };
    }
  }
  return null;
}

/** A cancelled or closed cycle takes no action at all. */
export function whyCycleIsClosed(status: CycleStatus): Refusal | null {
  if (status === 'cancelled') return { rule: 'cycle-cancelled', message: 'The cycle is cancelled.' };
  if (status === 'completed') return { rule: 'cycle-closed', message: 'The cycle is already closed.' };
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

export function whyCannotPause(state: CycleState): Refusal | null {
  if (state.status === 'paused') return { rule: 'cycle-already-paused', message: 'The cycle is already paused.' };
  return whyCycleIsClosed(state.status);
}

export function whyCannotResume(state: CycleState): Refusal | null {
  return whyCycleIsClosed(state.status) ?? (state.status !== 'paused' ? { rule: 'cycle-not-paused', message: 'The cycle is not paused.' } : null);
}

export function whyCannotCancel(state: CycleState): Refusal | null {
  return whyCycleIsClosed(state.status);
}

/** The phase a person would name as "where the cycle is": the last sequential one active, else grievances. */
export function currentPhase(phases: readonly PhaseState[]): Phase | null {
  const active = phases.filter((p) => p.status === 'active' && p.phase !== 'grievances');
  return active.at(-1)?.phase ?? (phases.some((p) => p.phase === 'grievances' && p.status === 'active') ? 'grievances' : null);
}
