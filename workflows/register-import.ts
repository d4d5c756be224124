import { patched, proxyActivities } from '@temporalio/workflow';
import type { CycleActivities } from '../activities';

const { importRegisterFile } = proxyActivities<CycleActivities>({
  // A million rows take minutes; the heartbeat, not this bound, notices a dead worker.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const { detectDuplicates } = proxyActivities<CycleActivities>({
  // One statement over the whole register; the activity heartbeats while it runs.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface RegisterImportInput {
  importId: string;
}

/**
 * One register file into the households table (the activity resumes from its committed checkpoint),
 * then the households it touched checked for possible duplicates against the whole register.
 */
export async function registerImportWorkflow({ importId }: RegisterImportInput) {
  const imported = await importRegisterFile({ importId });
  if (!patched('detect-duplicates')) return imported;
  const duplicates = await detectDuplicates({ importId });
  return { ...imported, duplicatePairs: duplicates.pairsFromImport };
}
