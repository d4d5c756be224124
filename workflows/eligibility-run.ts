import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { CycleActivities } from '../activities';
import type { ActorContext } from '../domain/roles';

const { runEligibility } = proxyActivities<CycleActivities>({
  // A million households take seconds; a retry redoes the whole run, which commits at once or not at all.
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 3 },
});
const { failEligibilityRun } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface EligibilityRunWorkflowInput {
  cycleId: string;
  runId: string;
  by: ActorContext;
}

/** Eligibility and quotas of one cycle (workflow id `eligibility:<cycleId>`: one run at a time). */
export async function eligibilityRunWorkflow({ runId, by }: EligibilityRunWorkflowInput) {
  try {
    return await runEligibility({ runId, by });
  } catch (err) {
    const message = err instanceof ActivityFailure && err.cause ? err.cause.message : err instanceof Error ? err.message : String(err);
    await failEligibilityRun({ runId, message });
    throw err;
  }
}
