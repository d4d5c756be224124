import type { CycleSummary } from '../../../../api/schemas';
import { currentPhase, type CycleState } from '../../../../domain/cycle';

/** Pushed states can arrive late or twice: only a higher version replaces what the console holds. */
export function isNewer(incoming: { version: number }, held: { version: number }): boolean {
  return incoming.version > held.version;
}

/** A cycle (summary or detail) with a newer state applied; `at` is the time of the change. */
export function withState<C extends CycleSummary>(cycle: C, state: CycleState, at?: string): C {
  return {
    ...cycle,
    status: state.status,
    phases: state.phases,
    version: state.version,
    currentPhase: currentPhase(state.phases),
    updatedAt: at ?? cycle.updatedAt,
  };
}
