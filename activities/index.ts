import type { Database } from '../db/client';
import { createAgencyRegistry, type CredentialSource } from './adapters/agency-registry';
import { createBeneficiaryListActivities } from './beneficiary-list';
import { createDisbursementActivities } from './disbursement';
import { createGrievanceActivities } from './grievances';
import { createPaymentActionActivities } from './payment-actions';
import { createPaymentActivities } from './payment-batch';
import { createProcurementActivities } from './procurement';
import { createProgramCycleActivities } from './program-cycle';
import { createReconciliationActivities } from './reconciliation';
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
  // One registry: an agency's request rate is shared by everything this worker sends it.
  const agencies = createAgencyRegistry(deps.agencyCredentials);
  const payments = createPaymentActivities({ database: deps.database, agencies });
  const reconciliation = createReconciliationActivities({ database: deps.database, agencies });
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
    ...reconciliation,
    ...createDisbursementActivities({ database: deps.database, buildPaymentLists: payments.buildPaymentLists, reconcilePaymentList: reconciliation.reconcilePaymentList }),
  };
}

export type CycleActivities = ReturnType<typeof createActivities>;
