export { programCycleWorkflow } from './program-cycle';
export { cyclePhaseWorkflow } from './cycle-phase';
export { registerImportWorkflow } from './register-import';
export { targetingPhaseWorkflow } from './targeting';
export { eligibilityRunWorkflow } from './eligibility-run';
export { procurementCaseWorkflow } from './procurement';
export { paymentRunWorkflow } from './payment-run';
