import type { Database } from '../db/client';
import { createBeneficiaryListActivities } from './beneficiary-list';
import { createProcurementActivities } from './procurement';
import { createProgramCycleActivities } from './program-cycle';
import { createDuplicateActivities } from './register/duplicates';
import { createRegisterImportActivities } from './register/import';
import { createTargetingActivities } from './targeting';

export interface ActivityDeps {
  database: Database;
}

/** Every activity of the product, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createProgramCycleActivities(deps),
    ...createRegisterImportActivities(deps),
    ...createBeneficiaryListActivities(deps),
    ...createDuplicateActivities(deps),
    ...createTargetingActivities(deps),
    ...createProcurementActivities(deps),
  };
}

export type CycleActivities = ReturnType<typeof createActivities>;
