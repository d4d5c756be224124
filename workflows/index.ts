export { programCycleWorkflow } from './program-cycle';
export { cyclePhaseWorkflow } from './cycle-phase';
export { registerImportWorkflow } from './register-import';
export { targetingPhaseWorkflow } from './targeting';
export { procurementCaseWorkflow } from './procurement';
