// A cycle ready to pay, as the disbursement tests need it: frozen list, agency, released payment lists.
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities';
import { beneficiaries, cycleFundingSources, cycles, paymentAgencies, paymentLists } from '../../db/schema';
import { paymentRunWorkflowId } from '../../domain/ids';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { ApiSession } from '../../scripts/api-session';
import type { PaymentRunInput } from '../../workflows/payment-run';
import { mobilisedAgencyFor } from './procurement';
import type { TestStack } from './stack';

export const AGENCY_CREDENTIAL_ENV = 'JIGI_TEST_AGENCY_CREDENTIAL';
export const WORKER_AGENCY_ENV = { [AGENCY_CREDENTIAL_ENV]: 'jigi-worker' };

export interface PayableCycleOptions {
  communes: Array<{ region: string; commune: string }>;
  perCommune: number;
  agencyId: string;
  agencyUrl: string;
  ratePerSecond: number;
  batchSize: number;
  /** Households whose wallet number ends with this are refused by the simulator's invalidAccountSuffixes. */
  invalidEvery?: number;
  invalidSuffix?: string;
  /** Approval, authorisation and finance release, three distinct people. */
  signers: readonly ApiSession[];
  name?: string;
}

/** A cycle whose lists are built and released; returns what a payment run needs. */
export async function payableCycle(stack: TestStack, o: PayableCycleOptions) {
  const { db } = stack.database;
  const cycleId = randomUUID();
  const total = o.perCommune * o.communes.length;
  await db.insert(cycles).values({ id: cycleId, name: o.name ?? `Paiement ${cycleId.slice(0, 8)}`, transferAmountFcfa: 90_000, targetHouseholds: total, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
  let n = 0;
  const rows = o.communes.flatMap(({ region, commune }) =>
    Array.from({ length: o.perCommune }, () => {
      n += 1;
      const invalid = o.invalidEvery && n % o.invalidEvery === 0;
      const phone = `+2237${String(n * 100 + (invalid ? Number(o.invalidSuffix ?? '99') : 1)).padStart(7, '0')}`;
      return { cycleId, rsuId: `RSU-${cycleId.slice(0, 4)}-${String(n).padStart(6, '0')}`, regionCode: region, communeCode: commune, village: 'Village', headName: 'Chef de ménage', phone, householdSize: 5, amountFcfa: 90_000, frozenAt: new Date() };
    }),
  );
  await db.insert(beneficiaries).values(rows);
  // The budget is twice what is paid: an execution rate of at most 50 %.
  await db.insert(cycleFundingSources).values({ cycleId, source: 'world-bank-af2', amountFcfa: total * 90_000 * 2 });
  await mobilisedAgencyFor(stack.database, cycleId, o.communes);
  await db
    .insert(paymentAgencies)
    .values({ id: o.agencyId, name: `Mobile money ${o.agencyId}`, kind: 'mobile-money', baseUrl: o.agencyUrl, credentialRef: AGENCY_CREDENTIAL_ENV, lots: o.communes.map((c) => ({ level: 'commune' as const, region: c.region, commune: c.commune })), ratePerSecond: o.ratePerSecond })
    .onConflictDoNothing();
  const activities = createActivities({ database: stack.database, agencyCredentials: () => 'unused' });
  const lists: PaymentRunInput['lists'] = [];
  for (const { region, commune } of o.communes) {
    const [list] = await db
      .insert(paymentLists)
      .values({ cycleId, regionCode: region, communeCode: commune, agencyId: o.agencyId, fundingSource: 'world-bank-af2', declaredCount: o.perCommune, declaredTotalFcfa: o.perCommune * 90_000 })
      .returning();
    const built = await activities.buildPaymentList({ listId: list!.id, batchSize: o.batchSize });
    for (const [i, segment] of (['approve', 'authorize', 'release-funds'] as const).entries()) {
      const answer = await o.signers[i]!.call('POST', `/api/cycles/${cycleId}/payment-lists/${list!.id}/${segment}`);
      if (answer.status !== 200) throw new Error(`${segment}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    lists.push({ listId: list!.id, batches: built.batches });
  }
  return { cycleId, lists, households: rows };
}

export function startPaymentRun(stack: TestStack, cycleId: string, agencyId: string, lists: PaymentRunInput['lists'], maxInFlight = 2) {
  return stack.client.workflow.start(WORKFLOW_TYPES.paymentRun, {
    taskQueue: stack.taskQueue,
    workflowId: paymentRunWorkflowId(cycleId, agencyId, 1),
    args: [{ cycleId, agencyId, lists, maxInFlight } satisfies PaymentRunInput],
  });
}
