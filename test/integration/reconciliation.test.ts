// Reconciliation of the ledger with the agencies' statements, and follow-up lists of failed payments,
// against the real Temporal dev server, Postgres, API and the agency simulator as a process.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { PAYMENT_FAILURE_TYPES } from '../../activities/payment-batch';
import { auditLog, beneficiaries, budgetReservations, cycleFundingSources, cycles, paymentAgencies, paymentLists, paymentReconciliationItems, paymentReconciliations, payments } from '../../db/schema';
import type { AgencyKind } from '../../domain/payments';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { ApiSession } from '../../scripts/api-session';
import type { PaymentRunInput, PaymentRunTotals } from '../../workflows/payment-run';
import { maybeRecordHistory } from '../support/histories';
import { startSimProcess, type SimProcess } from '../support/provider-sim';
import { mobilisedAgencyFor } from '../support/procurement';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

const CREDENTIAL_ENV = 'JIGI_TEST_RECON_CREDENTIAL';
const REGION = '1';
const COMMUNE = '10101';

let stack: TestStack;
let sim: SimProcess;
let dir: string;
type Session = ApiSession & Awaited<ReturnType<typeof signInAs>>;
let signers: ApiSession[] = [];
let operator: Session;
let auditor: Session;
let coordinator: Session;
let elsewhere: Session;
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  process.env[CREDENTIAL_ENV] = 'jigi-recon-worker';
  dir = await mkdtemp(join(tmpdir(), 'jigi-recon-'));
  sim = await startSimProcess({ ledgerFile: join(dir, 'agency.jsonl'), faults: { invalidAccountSuffixes: ['99'] } });
  stack = await startTestStack('reconciliation');
  const api = await stack.startApi();
  signers = await Promise.all((['payment-operator', 'coordinator', 'coordinator'] as const).map((role) => signInAs(stack.database, api.url, [role])));
  [operator, auditor, coordinator, elsewhere] = await Promise.all([
    signInAs(stack.database, api.url, ['payment-operator']),
    signInAs(stack.database, api.url, ['auditor']),
    signInAs(stack.database, api.url, ['coordinator']),
    signInAs(stack.database, api.url, ['payment-operator'], { level: 'commune', region: '2', commune: '20101' }),
  ]);
  activities = createActivities({ database: stack.database, agencyCredentials: (ref) => process.env[ref] });
});
afterAll(async () => {
  await sim?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A released list of `count` households in one commune; households whose number is in `invalid` have a wallet the agency refuses. */
async function seedList(count: number, kind: AgencyKind, invalid: number[] = []) {
  const { db } = stack.database;
  const cycleId = randomUUID();
  const agencyId = `sim-${kind}-${cycleId.slice(0, 6)}`;
  await db.insert(cycles).values({ id: cycleId, name: `Réconciliation ${cycleId.slice(0, 8)}`, transferAmountFcfa: 90_000, targetHouseholds: count, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
  const rows = Array.from({ length: count }, (_, i) => ({
    cycleId,
    rsuId: `RSU-${String(i + 1).padStart(10, '0')}`,
    regionCode: REGION,
    communeCode: COMMUNE,
    village: 'Village',
    headName: 'Chef de ménage',
    phone: `+2237${String((i + 1) * 100 + (invalid.includes(i + 1) ? 99 : 1)).padStart(7, '0')}`,
    householdSize: 5,
    amountFcfa: 90_000,
    frozenAt: new Date(),
  }));
  await db.insert(beneficiaries).values(rows);
  await db.insert(cycleFundingSources).values({ cycleId, source: 'world-bank-af2', amountFcfa: count * 90_000 });
  await mobilisedAgencyFor(stack.database, cycleId, [{ region: REGION, commune: COMMUNE }]);
  await db.insert(paymentAgencies).values({ id: agencyId, name: `Simulated ${kind}`, kind, baseUrl: sim.url, credentialRef: CREDENTIAL_ENV, lots: [{ level: 'commune', region: REGION, commune: COMMUNE }], ratePerSecond: 200, bulkSize: kind === 'bank' ? 25 : null });
  const [list] = await db.insert(paymentLists).values({ cycleId, regionCode: REGION, communeCode: COMMUNE, agencyId, fundingSource: 'world-bank-af2', declaredCount: count, declaredTotalFcfa: count * 90_000 }).returning();
  const built = await activities.buildPaymentList({ listId: list!.id, batchSize: 10 });
  await release(cycleId, list!.id);
  return { cycleId, agencyId, listId: list!.id, batches: built.batches };
}

async function release(cycleId: string, listId: string) {
  for (const [i, segment] of (['approve', 'authorize', 'release-funds'] as const).entries()) {
    const answer = await signers[i]!.call('POST', `/api/cycles/${cycleId}/payment-lists/${listId}/${segment}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  }
}

async function pay(cycleId: string, agencyId: string, lists: PaymentRunInput['lists'], recordAs?: string) {
  const handle = await stack.client.workflow.start(WORKFLOW_TYPES.paymentRun, {
    taskQueue: stack.taskQueue,
    workflowId: `payment-run-test:${randomUUID()}`,
    args: [{ cycleId, agencyId, lists, maxInFlight: 2 } satisfies PaymentRunInput],
  });
  const totals = (await handle.result()) as PaymentRunTotals;
  if (recordAs) await maybeRecordHistory(stack.client, handle.workflowId, 'payment-run', recordAs);
  return totals;
}

const paymentOf = async (listId: string, n: number) => {
  const [row] = await stack.database.db.select().from(payments).where(eq(payments.rsuId, `RSU-${String(n).padStart(10, '0')}`)).then((rows) => rows.filter((r) => r.listId === listId));
  return row!;
};
const itemsOf = (listId: string) => stack.database.db.select().from(paymentReconciliationItems).where(eq(paymentReconciliationItems.listId, listId));
const setRow = (id: number, change: string) => stack.database.sql.unsafe(`update payments set ${change} where id = ${Number(id)}`);

describe('reconciliation with the agency statement', () => {
  it('mobile money: a clean run matches every payment; edited ledger rows show as each kind of mismatch, once however often it runs', async () => {
    const { cycleId, agencyId, listId, batches } = await seedList(12, 'mobile-money', [5]);
    const totals = await pay(cycleId, agencyId, [{ listId, batches }], 'reconciled-each-list');
    // The run reconciled the list as soon as its last batch was done.
    expect(totals).toMatchObject({ confirmed: 11, failed: 1, reconciled: { lists: 1, matched: 11, mismatches: 0, ledgerTotalFcfa: 11 * 90_000, statementTotalFcfa: 11 * 90_000 } });

    expect(await activities.reconcilePaymentList({ listId })).toEqual({ matched: 11, mismatches: 0, ledgerTotalFcfa: 11 * 90_000, statementTotalFcfa: 11 * 90_000 });

    // The ledger lost a confirmation, claims a refused payment paid, and holds a wrong amount.
    const [notConfirmed, claimed, wrongAmount] = [await paymentOf(listId, 1), await paymentOf(listId, 5), await paymentOf(listId, 2)];
    await setRow(notConfirmed.id, `status = 'submitted'`);
    await setRow(claimed.id, `status = 'confirmed', failure_reason = null`);
    await setRow(wrongAmount.id, `amount_fcfa = 85000`);

    const first = await activities.reconcilePaymentList({ listId });
    expect(first).toEqual({ matched: 9, mismatches: 3, ledgerTotalFcfa: 10 * 90_000 + 85_000, statementTotalFcfa: 11 * 90_000 });
    const second = await activities.reconcilePaymentList({ listId });
    expect(second).toEqual(first);
    const items = await itemsOf(listId);
    expect(items.map((i) => [i.kind, i.paymentId, i.ledgerAmountFcfa, i.statementAmountFcfa]).sort()).toEqual(
      [
        ['paid-not-confirmed', notConfirmed.id, 90_000, 90_000],
        ['confirmed-not-paid', claimed.id, 90_000, null],
        ['amount-differs', wrongAmount.id, 85_000, 90_000],
      ].sort(),
    );
    const [summary] = await stack.database.db.select().from(paymentReconciliations).where(eq(paymentReconciliations.listId, listId));
    expect(summary).toMatchObject({ runs: 4, matched: 9, mismatches: 3 });

    // Operators, coordination and auditors see the summary and the open items, phones masked; another commune sees none.
    const seen = await auditor.call('GET', `/api/cycles/${cycleId}/reconciliation`);
    expect(seen.status).toBe(200);
    const body = seen.body as { lists: Array<{ listId: string; mismatches: number }>; openItems: Array<{ id: number; kind: string; phone: string; paymentId: number }> };
    expect(body.lists).toEqual([expect.objectContaining({ listId, matched: 9, mismatches: 3, ledgerTotalFcfa: 985_000, statementTotalFcfa: 990_000 })]);
    expect(body.openItems).toHaveLength(3);
    for (const item of body.openItems) expect(item.phone).toMatch(/^•••• \d{4}$/);
    const other = await elsewhere.call('GET', `/api/cycles/${cycleId}/reconciliation`);
    expect(other.body).toMatchObject({ lists: [], openItems: [] });

    // Resolving: the paid-not-confirmed payment is confirmed with the statement's reference, audited.
    const pnc = body.openItems.find((i) => i.kind === 'paid-not-confirmed')!;
    const resolvePath = (id: number) => `/api/cycles/${cycleId}/reconciliation/items/${id}/resolve`;
    expect((await operator.call('POST', resolvePath(pnc.id), {})).status).toBe(400);
    expect((await coordinator.call('POST', resolvePath(pnc.id), { reason: 'not my role' })).status).toBe(403);
    expect((await operator.call('POST', resolvePath(999_999_999), { reason: 'nothing there' })).status).toBe(404);
    const resolved = await operator.call('POST', resolvePath(pnc.id), { reason: 'Statement line checked with the agency' });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({ paymentConfirmed: true, item: { resolvedByName: operator.user.username, paymentStatus: 'confirmed' } });
    const confirmed = await paymentOf(listId, 1);
    expect(confirmed).toMatchObject({ status: 'confirmed', agencyReference: notConfirmed.agencyReference });
    const [history] = await stack.database.sql`select from_status, to_status, actor from payment_status_history where payment_id = ${confirmed.id} order by id desc limit 1`;
    expect(history).toMatchObject({ from_status: 'submitted', to_status: 'confirmed', actor: operator.user.id });
    const audited = await stack.database.db.select().from(auditLog).where(eq(auditLog.targetId, String(pnc.id)));
    expect(audited.map((a) => [a.action, a.actorUsername])).toEqual([['payments.reconciliation.resolve', operator.user.username]]);
    expect((await operator.call('POST', resolvePath(pnc.id), { reason: 'again' })).body).toMatchObject({ error: { details: { rule: 'already-resolved' } } });

    // Any other kind takes the note only.
    const ad = body.openItems.find((i) => i.kind === 'amount-differs')!;
    expect((await operator.call('POST', resolvePath(ad.id), { reason: 'Agency to refund the difference' })).body).toMatchObject({ paymentConfirmed: false, item: { resolutionNote: 'Agency to refund the difference' } });
    expect((await paymentOf(listId, 2)).amountFcfa).toBe(85_000);

    // The ledger put right, the next run closes the item it no longer finds, and nothing is listed twice.
    await setRow(claimed.id, `status = 'failed', failure_reason = 'invalid-account'`);
    expect(await activities.reconcilePaymentList({ listId })).toMatchObject({ matched: 10, mismatches: 1 });
    const after = await itemsOf(listId);
    expect(after).toHaveLength(3);
    expect(after.find((i) => i.kind === 'confirmed-not-paid')).toMatchObject({ resolvedBy: 'reconciliation' });
    expect(after.every((i) => i.resolvedAt)).toBe(true);
  });

  it('two agencies reading one statement (one operator, two lots) import each transfer twice: it is still matched once', async () => {
    const { cycleId, agencyId, listId, batches } = await seedList(4, 'mobile-money');
    expect(await pay(cycleId, agencyId, [{ listId, batches }])).toMatchObject({ confirmed: 4 });
    // The same operator's other lot: its own agency row, on the same statement, now holding one of the list's payments.
    const [row] = await stack.database.db.select().from(paymentAgencies).where(eq(paymentAgencies.id, agencyId));
    const twin = `${agencyId}-twin`;
    await stack.database.db.insert(paymentAgencies).values({ ...row!, id: twin, name: `${row!.name} (lot 2)` });
    await setRow((await paymentOf(listId, 3)).id, `agency_id = '${twin}'`);
    expect(await activities.reconcilePaymentList({ listId })).toEqual({ matched: 4, mismatches: 0, ledgerTotalFcfa: 4 * 90_000, statementTotalFcfa: 4 * 90_000 });
    const imported = await stack.database.sql`select count(*)::int as n from agency_statement_lines where cycle_id = ${cycleId}`;
    expect(imported[0]!.n).toBe(8);
  });

  it('bank: paid by batch and settled later, the camt.053 statement is read and a reversal is found as reversed', async () => {
    await sim.setFaults({ settleDelayMs: 300 });
    const { cycleId, agencyId, listId, batches } = await seedList(30, 'bank', [7]);
    const totals = await pay(cycleId, agencyId, [{ listId, batches }]);
    expect(totals).toMatchObject({ confirmed: 29, failed: 1 });
    const reversedPayment = await paymentOf(listId, 3);
    await sim.setFaults({ settleDelayMs: 0, reversedKeys: [reversedPayment.idempotencyKey] });

    const result = await activities.reconcilePaymentList({ listId });
    expect(result).toEqual({ matched: 28, mismatches: 1, ledgerTotalFcfa: 29 * 90_000, statementTotalFcfa: 28 * 90_000 });
    expect((await itemsOf(listId)).map((i) => [i.kind, i.paymentId, i.statementAmountFcfa, i.agencyReference])).toEqual([['reversed', reversedPayment.id, 0, reversedPayment.agencyReference]]);
    const [lines] = await stack.database.sql`select count(*)::int as n from agency_statement_lines where agency_id = ${agencyId} and reversal`;
    expect(lines!.n).toBe(1);
    await sim.setFaults({ reversedKeys: [] });
  });
});

describe('follow-up lists', () => {
  it("gathers a released list's failed payments into a new list that must be released again before anything is sent", async () => {
    const { cycleId, agencyId, listId, batches } = await seedList(10, 'mobile-money', [2, 6, 8, 9]);
    const path = (id: string) => `/api/cycles/${cycleId}/payment-lists/${id}/follow-up`;
    const reason = { reason: 'Numéros corrigés par les agents' };

    // Not before the list is sent, not by a coordinator, not for an unknown list.
    const [declared] = await stack.database.db
      .insert(paymentLists)
      .values({ cycleId, regionCode: REGION, communeCode: COMMUNE, agencyId, tranche: 2, fundingSource: 'world-bank-af2', declaredCount: 1, declaredTotalFcfa: 90_000 })
      .returning();
    expect((await operator.call('POST', path(declared!.id), reason)).body).toMatchObject({ error: { details: { rule: 'list-not-released' } } });
    expect((await coordinator.call('POST', path(listId), reason)).status).toBe(403);
    expect((await operator.call('POST', path(randomUUID()), reason)).status).toBe(404);
    expect((await operator.call('POST', path(listId), {})).status).toBe(400);

    await pay(cycleId, agencyId, [{ listId, batches }]);
    const failedBefore = await stack.database.sql<Array<{ id: string; generation: number }>>`select id, generation from payments where list_id = ${listId} and status = 'failed' order by id`;
    expect(failedBefore).toHaveLength(4);
    // A cancelled payment stays where it is.
    await stack.database.sql`update payments set status = 'cancelled' where id = ${failedBefore[3]!.id}`;
    // So does one its agency's statement shows paid after all: sent again, it would be paid twice.
    const [paidAfterAll] = await stack.database.db.select().from(payments).where(eq(payments.id, Number(failedBefore[2]!.id)));
    await stack.database.sql`
      insert into agency_statement_lines (agency_id, cursor, idempotency_key, reference, amount_fcfa, paid_at, cycle_id, rsu_id, tranche)
      values (${agencyId}, 'late-1', ${paidAfterAll!.idempotencyKey}, 'LATE1', 90000, now(), ${cycleId}, ${paidAfterAll!.rsuId}, 1)`;

    const created = await operator.call('POST', path(listId), reason);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const followUp = (created.body as { list: { id: string; sequence: number; status: string; declaredCount: number; declaredTotalFcfa: number; waitingFor: string } }).list;
    expect(created.body).toMatchObject({ moved: 2, list: { sequence: 2, status: 'built', declaredCount: 2, declaredTotalFcfa: 180_000, builtCount: 2, waitingFor: 'approval', agencyId, fundingSource: 'world-bank-af2' } });
    const moved = await stack.database.db.select().from(payments).where(eq(payments.listId, followUp.id));
    expect(moved.map((p) => [p.status, p.generation, p.attempts, p.failureReason])).toEqual([
      ['pending', 1, 0, null],
      ['pending', 1, 0, null],
    ]);
    for (const p of moved) expect(p.idempotencyKey).toBe(`jigi-${cycleId}-${p.rsuId}-t1-g1`);
    const [history] = await stack.database.sql`select count(*)::int as n from payment_status_history where payment_id in ${stack.database.sql(moved.map((p) => p.id))} and from_status = 'failed' and to_status = 'pending' and actor = ${operator.user.id}`;
    expect(history!.n).toBe(2);
    expect((await stack.database.db.select().from(auditLog).where(eq(auditLog.targetId, followUp.id))).map((a) => a.action)).toEqual(['payments.list.follow-up']);
    // The failed money left the first list's reservation; the follow-up reserves it when released.
    expect(moved.map((p) => p.id).sort()).toEqual([Number(failedBefore[0]!.id), Number(failedBefore[1]!.id)].sort());
    const [reserved] = await stack.database.db.select().from(budgetReservations).where(eq(budgetReservations.listId, listId));
    expect(reserved!.amountFcfa).toBe(8 * 90_000);

    expect((await operator.call('POST', path(listId), reason)).body).toMatchObject({ error: { details: { rule: 'no-failed-payments' } } });

    // Nothing is sent before the release controls have signed it.
    await expect(activities.submitPaymentBatch({ listId: followUp.id, batchNo: 0 })).rejects.toMatchObject({ type: PAYMENT_FAILURE_TYPES.notReleased });
    expect((await signers[1]!.call('POST', `/api/cycles/${cycleId}/payment-lists/${followUp.id}/authorize`)).body).toMatchObject({ error: { details: { rule: 'wrong-stage' } } });
    await release(cycleId, followUp.id);

    // Wallet numbers corrected, the follow-up list pays under the new keys.
    for (const p of moved) await setRow(p.id, `phone = '+22376000001'`);
    const totals = await pay(cycleId, agencyId, [{ listId: followUp.id, batches: 1 }]);
    expect(totals).toMatchObject({ confirmed: 2, failed: 0 });
    expect(await activities.reconcilePaymentList({ listId: followUp.id })).toEqual({ matched: 2, mismatches: 0, ledgerTotalFcfa: 180_000, statementTotalFcfa: 180_000 });
  });
});
