import type { CycleSummary } from '../../../../api/schemas';
import type { CycleState, Phase, PhaseState } from '../../../../domain/cycle';

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

/** Same rule as the API's read model (api/services/cycles.ts): the last sequential phase still active. */
export function currentPhase(phases: readonly PhaseState[]): Phase | null {
  const active = phases.filter((p) => p.status === 'active' && p.phase !== 'grievances');
  return active.at(-1)?.phase ?? (phases.some((p) => p.phase === 'grievances' && p.status === 'active') ? 'grievances' : null);
}
