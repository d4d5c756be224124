export { programCycleWorkflow } from './program-cycle';
export { cyclePhaseWorkflow } from './cycle-phase';
export { registerImportWorkflow } from './register-import';
export { targetingPhaseWorkflow } from './targeting';
export { eligibilityRunWorkflow } from './eligibility-run';
export { procurementCaseWorkflow } from './procurement';
export { grievanceCaseWorkflow } from './grievance';
export { paymentRunWorkflow } from './payment-run';
