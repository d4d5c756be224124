import type { Database } from '../../db/client';
import { procurementCases } from '../../db/schema';
import { MOBILISED_STEP, type LotArea } from '../../domain/procurement';

/**
 * A payment agency under contract for these communes, as a procurement case that reached "agency
 * mobilised" leaves it: for tests of what comes after procurement, without walking its whole chain.
 */
export async function mobilisedAgencyFor(database: Database, cycleId: string, communes: Array<{ region: string; commune: string }>) {
  const lot: LotArea[] = communes.map(({ region, commune }) => ({ level: 'commune', region, commune }));
  await database.db.insert(procurementCases).values({
    cycleId,
    kind: 'payment-agency',
    title: 'Agence de paiement (test)',
    lot,
    regions: [...new Set(communes.map((c) => c.region))],
    templateKey: 'rfq',
    templateVersion: 1,
    status: 'completed',
    currentStep: MOBILISED_STEP,
    stepStatus: 'done',
    createdBy: 'test',
  });
}
