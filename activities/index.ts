import type { Database } from '../db/client';
import { createProgramCycleActivities } from './program-cycle';
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
    ...createTargetingActivities(deps),
  };
}

export type CycleActivities = ReturnType<typeof createActivities>;
