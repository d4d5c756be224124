import type { Database } from '../db/client';
import { createAgencyRegistry, type CredentialSource } from './adapters/agency-registry';
import { createBeneficiaryListActivities } from './beneficiary-list';
import { createDisbursementActivities } from './disbursement';
import { createGrievanceActivities } from './grievances';
import { createPaymentActionActivities } from './payment-actions';
import { createPaymentActivities } from './payment-batch';
import { createProcurementActivities } from './procurement';
import { createProgramCycleActivities } from './program-cycle';
import { createDuplicateActivities } from './register/duplicates';
import { createRegisterImportActivities } from './register/import';
import { createTargetingActivities } from './targeting';

export interface ActivityDeps {
  database: Database;
  /** Where payment agencies' credentials come from (the worker reads its environment). */
  agencyCredentials: CredentialSource;
}

/** Every activity of the product, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  const payments = createPaymentActivities({ database: deps.database, agencies: createAgencyRegistry(deps.agencyCredentials) });
  return {
    ...createProgramCycleActivities(deps),
    ...createRegisterImportActivities(deps),
    ...createBeneficiaryListActivities(deps),
    ...createDuplicateActivities(deps),
    ...createTargetingActivities(deps),
    ...createProcurementActivities(deps),
    ...createGrievanceActivities(deps),
    ...createPaymentActionActivities(deps),
    ...payments,
    ...createDisbursementActivities({ database: deps.database, buildPaymentList: payments.buildPaymentList }),
  };
}

export type CycleActivities = ReturnType<typeof createActivities>;
