// Names that cross the wire to Temporal, written once.
export const TASK_QUEUES = {
  programCycle: 'program-cycle',
} as const;

export const WORKFLOW_TYPES = {
  programCycle: 'programCycleWorkflow',
  cyclePhase: 'cyclePhaseWorkflow',
  registerImport: 'registerImportWorkflow',
  eligibilityRun: 'eligibilityRunWorkflow',
  procurementCase: 'procurementCaseWorkflow',
  paymentRun: 'paymentRunWorkflow',
  disbursementPhase: 'disbursementPhaseWorkflow',
  grievanceCase: 'grievanceCaseWorkflow',
} as const;
