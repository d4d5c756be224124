// What a grievance resolution changes outside the case: the register, the ledger, the audit trail.
// Run inside the transaction that writes the case's timeline line, so an effect lands exactly once.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { CORRECTIVE_TRANCHE_BASE, type CorrectableField, type GrievanceAction, type GrievanceCaseState } from '../domain/grievances';
import { paymentIdempotencyKey } from '../domain/payments';
import { whyBudgetOverrun } from '../domain/payment-release';
import { disbursementGates, disbursementOpenIn } from '../domain/procurement';
import { areaContains, type ActorContext } from '../domain/roles';
import { auditRow } from '../db/audit';
import type { Database } from '../db/client';
import {
  auditLog,
  beneficiaries,
  budgetReservations,
  communes,
  cycleFundingSources,
  grievancePayments,
  households,
  paymentAgencies,
  paymentListSignatures,
  paymentLists,
  payments,
  procurementCases,
} from '../db/schema';

type Tx = Parameters<Parameters<Database['db']['transaction']>[0]>[0];

export type GrievanceEffectResult =
  | { kind: 'corrected'; fields: CorrectableField[]; paymentsUpdated: number }
  | { kind: 'referred' }
  | { kind: 'proposed' }
  | { kind: 'released'; listId: string; paymentId: number; tranche: number; agencyId: string }
  | { kind: 'refused'; problem: string };

const COLUMN: Record<CorrectableField, 'phone' | 'headName' | 'nina' | 'village'> = { phone: 'phone', headName: 'headName', nina: 'nina', village: 'village' };

export async function applyResolutionEffect(tx: Tx, state: GrievanceCaseState, action: GrievanceAction, by: ActorContext): Promise<GrievanceEffectResult | null> {
  switch (action.kind) {
    case 'correct-data':
      return correctHousehold(tx, state, action.changes, by);
    case 'refer-to-audit':
      await tx.insert(auditLog).values(auditRow(by, { action: 'audit.referral', targetType: 'grievance-case', targetId: state.reference, after: { category: state.category, comment: action.comment } }));
      return { kind: 'referred' };
    case 'propose-payment': {
      const proposal = { cycleId: state.cycleId!, rsuId: state.rsuId!, amountFcfa: action.amountFcfa, reason: action.reason.trim(), proposedBy: by.principal.username };
      await tx
        .insert(grievancePayments)
        .values({ reference: state.reference, ...proposal })
        .onConflictDoUpdate({ target: grievancePayments.reference, set: { ...proposal, proposedAt: sql`now()`, approvedBy: null, approvedAt: null, problem: null } });
      return { kind: 'proposed' };
    }
    case 'approve-payment':
      return releaseCorrectivePayment(tx, state, by);
    default:
      return null;
  }
}

async function correctHousehold(tx: Tx, state: GrievanceCaseState, changes: Partial<Record<CorrectableField, string>>, by: ActorContext): Promise<GrievanceEffectResult> {
  const rsuId = state.rsuId!;
  const [household] = await tx.select().from(households).where(eq(households.rsuId, rsuId)).for('update');
  if (!household) return { kind: 'refused', problem: `No household ${rsuId} in the register.` };
  const fields = Object.keys(changes) as CorrectableField[];
  const before = Object.fromEntries(fields.map((f) => [f, household[COLUMN[f]]]));
  const after = Object.fromEntries(fields.map((f) => [f, changes[f]!.trim()]));
  await tx
    .update(households)
    .set({ ...Object.fromEntries(fields.map((f) => [COLUMN[f], after[f]])), updatedAt: new Date() })
    .where(eq(households.rsuId, rsuId));
  let paymentsUpdated = 0;
  if (changes.phone) {
    // Payments not yet paid go to the new number: the pending ones on their first send, the failed ones on a retry.
    const moved = await tx
      .update(payments)
      .set({ phone: after.phone!, updatedAt: new Date() })
      .where(and(eq(payments.rsuId, rsuId), inArray(payments.status, ['pending', 'failed'])))
      .returning({ id: payments.id });
    paymentsUpdated = moved.length;
    // Lists not built yet read the phone from the frozen list.
    await tx.update(beneficiaries).set({ phone: after.phone! }).where(eq(beneficiaries.rsuId, rsuId));
  }
  await tx.insert(auditLog).values(auditRow(by, { action: 'register.household.correct', targetType: 'household', targetId: rsuId, before, after: { ...after, grievance: state.reference, paymentsUpdated } }));
  return { kind: 'corrected', fields, paymentsUpdated };
}

/**
 * The payment operator's approval releases a list of its own: the household's commune, its agency, a
 * corrective tranche (CORRECTIVE_TRANCHE_BASE and up), one payment, the amount reserved on the budget
 * line. That approval is the list's release: a single corrective payment is small and four-eyed already.
 */
async function releaseCorrectivePayment(tx: Tx, state: GrievanceCaseState, by: ActorContext): Promise<GrievanceEffectResult> {
  const cycleId = state.cycleId!;
  const rsuId = state.rsuId!;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`corrective:${cycleId}:${rsuId}`}))`);
  const [proposal] = await tx.select().from(grievancePayments).where(eq(grievancePayments.reference, state.reference)).for('update');
  if (!proposal) return { kind: 'refused', problem: 'No corrective payment was proposed on this case.' };
  if (proposal.paymentId && proposal.listId && proposal.tranche) {
    const [row] = await tx.select({ agencyId: payments.agencyId }).from(payments).where(eq(payments.id, proposal.paymentId));
    return { kind: 'released', listId: proposal.listId, paymentId: proposal.paymentId, tranche: proposal.tranche, agencyId: row!.agencyId };
  }
  const refuse = async (problem: string): Promise<GrievanceEffectResult> => {
    await tx.update(grievancePayments).set({ problem, approvedBy: by.principal.username, approvedAt: new Date() }).where(eq(grievancePayments.reference, state.reference));
    return { kind: 'refused', problem };
  };

  const [household] = await tx
    .select({ phone: households.phone, commune: households.communeCode, region: communes.regionCode })
    .from(households)
    .innerJoin(communes, eq(communes.code, households.communeCode))
    .where(eq(households.rsuId, rsuId));
  if (!household) return refuse(`No household ${rsuId} in the register.`);
  const place = { region: household.region, commune: household.commune };

  const cases = await tx
    .select({ caseId: procurementCases.id, kind: procurementCases.kind, status: procurementCases.status, lot: procurementCases.lot, currentStep: procurementCases.currentStep })
    .from(procurementCases)
    .where(eq(procurementCases.cycleId, cycleId));
  if (!disbursementOpenIn(disbursementGates(cases), place)) return refuse(`No payment agency is mobilised for commune ${place.commune} in this cycle.`);

  // The agency and funding source that paid the household's own tranche, else the agency whose lot covers the commune.
  const [original] = await tx
    .select({ agencyId: payments.agencyId, fundingSource: payments.fundingSource })
    .from(payments)
    .where(and(eq(payments.cycleId, cycleId), eq(payments.rsuId, rsuId)))
    .orderBy(asc(payments.tranche))
    .limit(1);
  let agencyId = original?.agencyId ?? null;
  if (!agencyId) {
    const agencies = await tx.select({ id: paymentAgencies.id, lots: paymentAgencies.lots }).from(paymentAgencies).orderBy(asc(paymentAgencies.id));
    agencyId = agencies.find((a) => a.lots.some((lot) => areaContains(lot, { level: 'commune', ...place })))?.id ?? null;
  }
  if (!agencyId) return refuse(`No payment agency's lot covers commune ${place.commune}.`);
  const lines = await tx.select().from(cycleFundingSources).where(eq(cycleFundingSources.cycleId, cycleId)).orderBy(desc(cycleFundingSources.amountFcfa)).for('update');
  const fundingSource = original?.fundingSource ?? lines[0]?.source;
  const line = lines.find((l) => l.source === fundingSource);
  const [sum] = await tx
    .select({ reserved: sql<number>`coalesce(sum(${budgetReservations.amountFcfa}), 0)::bigint`.mapWith(Number) })
    .from(budgetReservations)
    .where(and(eq(budgetReservations.cycleId, cycleId), eq(budgetReservations.fundingSource, fundingSource ?? 'pgfs')));
  const overrun = whyBudgetOverrun(line ? { fundingSource: line.source, amountFcfa: line.amountFcfa, reservedFcfa: sum?.reserved ?? 0 } : null, proposal.amountFcfa);
  if (overrun || !line) return refuse(overrun?.message ?? 'The cycle has no budget line.');

  const [last] = await tx
    .select({ tranche: sql<number | null>`max(${payments.tranche})` })
    .from(payments)
    .where(and(eq(payments.cycleId, cycleId), eq(payments.rsuId, rsuId), sql`${payments.tranche} >= ${CORRECTIVE_TRANCHE_BASE}`));
  const tranche = last?.tranche ? last.tranche + 1 : CORRECTIVE_TRANCHE_BASE;
  const [seq] = await tx
    .select({ n: sql<number>`coalesce(max(${paymentLists.sequence}), 0)::int` })
    .from(paymentLists)
    .where(and(eq(paymentLists.cycleId, cycleId), eq(paymentLists.communeCode, place.commune), eq(paymentLists.agencyId, agencyId), eq(paymentLists.tranche, tranche)));
  const amount = proposal.amountFcfa;
  const now = new Date();
  const [list] = await tx
    .insert(paymentLists)
    .values({
      cycleId,
      regionCode: place.region,
      communeCode: place.commune,
      agencyId,
      tranche,
      sequence: (seq?.n ?? 0) + 1,
      fundingSource: line.source,
      status: 'released',
      declaredCount: 1,
      declaredTotalFcfa: amount,
      builtCount: 1,
      builtTotalFcfa: amount,
      releasedAt: now,
    })
    .returning({ id: paymentLists.id });
  await tx.insert(paymentListSignatures).values({ listId: list!.id, stage: 'approval', signedBy: by.principal.id, signedByName: by.principal.username });
  await tx.insert(budgetReservations).values({ listId: list!.id, cycleId, fundingSource: line.source, amountFcfa: amount });
  const [payment] = await tx
    .insert(payments)
    .values({
      cycleId,
      rsuId,
      tranche,
      listId: list!.id,
      batchNo: 0,
      regionCode: place.region,
      communeCode: place.commune,
      agencyId,
      fundingSource: line.source,
      amountFcfa: amount,
      phone: household.phone,
      idempotencyKey: paymentIdempotencyKey({ cycleId, rsuId, tranche, generation: 0 }),
    })
    .returning({ id: payments.id });
  await tx
    .update(grievancePayments)
    .set({ approvedBy: by.principal.username, approvedAt: now, tranche, listId: list!.id, paymentId: payment!.id, problem: null })
    .where(eq(grievancePayments.reference, state.reference));
  await tx.insert(auditLog).values(
    auditRow(by, { action: 'payments.corrective.release', targetType: 'payment-list', targetId: list!.id, after: { grievance: state.reference, rsuId, tranche, amountFcfa: amount, agencyId, proposedBy: proposal.proposedBy } }),
  );
  return { kind: 'released', listId: list!.id, paymentId: payment!.id, tranche, agencyId };
}
