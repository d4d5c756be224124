export { programCycleWorkflow } from './program-cycle';
export { cyclePhaseWorkflow } from './cycle-phase';
