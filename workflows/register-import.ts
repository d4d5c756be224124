import { proxyActivities } from '@temporalio/workflow';
import type { CycleActivities } from '../activities';

const { importRegisterFile } = proxyActivities<CycleActivities>({
  // A million rows take minutes; the heartbeat, not this bound, notices a dead worker.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface RegisterImportInput {
  importId: string;
}

/** One register file into the households table; the activity resumes from its committed checkpoint. */
export async function registerImportWorkflow({ importId }: RegisterImportInput) {
  return importRegisterFile({ importId });
}
