import { condition, setHandler } from '@temporalio/workflow';
import type { Phase } from '../domain/cycle';
import { markPhaseDoneSignal } from './messages';

export interface CyclePhaseInput {
  cycleId: string;
  phase: Phase;
}

export interface CyclePhaseResult {
  completedBy: string;
  comment: string | null;
}

/**
 * One phase of a cycle. For now it completes when a user marks it done;
 * later issues replace each phase with its real work behind this same contract.
 */
export async function cyclePhaseWorkflow(_input: CyclePhaseInput): Promise<CyclePhaseResult> {
  let result: CyclePhaseResult | null = null;
  setHandler(markPhaseDoneSignal, ({ actor, comment }) => {
    result ??= { completedBy: actor, comment: comment ?? null };
  });
  await condition(() => result !== null);
  return result!;
}
