import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { MobileMoneyAgency } from '../../activities/adapters/mobile-money';
import { PAYMENT_FAILURE_TYPES } from '../../activities/payment-batch';
import { beneficiaries, cycleFundingSources, cycles, paymentAgencies, paymentLists } from '../../db/schema';
import { paymentRunWorkflowId } from '../../domain/ids';
import { parsePaymentIdempotencyKey } from '../../domain/payments';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { ApiSession } from '../../scripts/api-session';
import type { PaymentRunInput, PaymentRunTotals } from '../../workflows/payment-run';
import { maybeRecordHistory } from '../support/histories';
import { startSimProcess, type SimProcess } from '../support/provider-sim';
import { mobilisedAgencyFor } from '../support/procurement';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';
import { killProcess, startWorkerProcess } from '../support/worker-process';

const CREDENTIAL_ENV = 'JIGI_TEST_AGENCY_CREDENTIAL';
const COMMUNES = [
  { region: '1', commune: '10101' },
  { region: '1', commune: '10102' },
];
const BATCH_SIZE = 40;
const WORKER_ENV = { [CREDENTIAL_ENV]: 'jigi-worker' };

let stack: TestStack;
let sim: SimProcess;
let dir: string;
let worker: ChildProcess | null = null;
/** The three people who release each list: approval, authorisation, finance release. */
let signers: ApiSession[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jigi-payments-'));
  stack = await startTestStack('payments', { worker: false });
  sim = await startSimProcess({
    ledgerFile: join(dir, 'agency.jsonl'),
    faults: { errorRate: 0.04, timeoutAfterCommitRate: 0.05, invalidAccountSuffixes: ['99'], latencyMs: 1, latencyJitterMs: 4, ratePerSecond: 400 },
  });
  worker = await startWorkerProcess(stack, WORKER_ENV);
  const api = await stack.startApi();
  signers = await Promise.all((['payment-operator', 'coordinator', 'coordinator'] as const).map((role) => signInAs(stack.database, api.url, [role])));
});
afterAll(async () => {
  if (worker) await killProcess(worker);
  await sim?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A cycle whose frozen list holds `perCommune` households in each commune; every 20th wallet number is invalid. */
async function seedCycle(perCommune: number, agencyId: string, { ratePerSecond = 300, batchSize = BATCH_SIZE, bulkSize = null as number | null, release = true } = {}) {
  const { db } = stack.database;
  const cycleId = randomUUID();
  await db.insert(cycles).values({ id: cycleId, name: `Paiement ${cycleId.slice(0, 8)}`, transferAmountFcfa: 90_000, targetHouseholds: perCommune * 2, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
  let n = 0;
  const rows = COMMUNES.flatMap(({ region, commune }) =>
    Array.from({ length: perCommune }, () => {
      n += 1;
      const phone = n === 7 ? null : `+2237${String(n % 20 === 0 ? n * 100 + 99 : n * 100 + 1).padStart(7, '0')}`;
      return { cycleId, rsuId: `RSU-${String(n).padStart(10, '0')}`, regionCode: region, communeCode: commune, village: 'Village', headName: 'Chef de ménage', phone, householdSize: 5, amountFcfa: 90_000, frozenAt: new Date() };
    }),
  );
  await db.insert(beneficiaries).values(rows);
  await db.insert(cycleFundingSources).values({ cycleId, source: 'world-bank-af2', amountFcfa: rows.length * 90_000 });
  await mobilisedAgencyFor(stack.database, cycleId, COMMUNES);
  await db
    .insert(paymentAgencies)
    .values({ id: agencyId, name: 'Simulated mobile money', kind: 'mobile-money', baseUrl: sim.url, credentialRef: CREDENTIAL_ENV, lots: COMMUNES.map((c) => ({ level: 'commune' as const, region: c.region, commune: c.commune })), ratePerSecond, bulkSize })
    .onConflictDoNothing();
  const activities = createActivities({ database: stack.database, agencyCredentials: () => 'unused' });
  const lists: PaymentRunInput['lists'] = [];
  for (const { region, commune } of COMMUNES) {
    const [list] = await db
      .insert(paymentLists)
      .values({ cycleId, regionCode: region, communeCode: commune, agencyId, fundingSource: 'world-bank-af2', declaredCount: perCommune, declaredTotalFcfa: perCommune * 90_000 })
      .returning();
    const built = await activities.buildPaymentList({ listId: list!.id, batchSize });
    expect(built).toMatchObject({ count: perCommune, totalFcfa: perCommune * 90_000, matchesDeclaration: true, batches: Math.ceil(perCommune / batchSize) });
    // Built twice, nothing is added twice.
    expect(await activities.buildPaymentList({ listId: list!.id, batchSize })).toEqual(built);
    if (release) await releaseList(cycleId, list!.id);
    lists.push({ listId: list!.id, batches: built.batches });
  }
  return { cycleId, lists, households: rows };
}

/** Released as the release controls want: approved, authorised and its funds released by three people. */
async function releaseList(cycleId: string, listId: string) {
  for (const [i, segment] of (['approve', 'authorize', 'release-funds'] as const).entries()) {
    const answer = await signers[i]!.call('POST', `/api/cycles/${cycleId}/payment-lists/${listId}/${segment}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  }
  expect((await stack.database.db.select({ status: paymentLists.status }).from(paymentLists).where(eq(paymentLists.id, listId)))[0]?.status).toBe('released');
}

/** Checks the ledger against what the agency says it paid. */
async function reconcile(cycleId: string, households: Array<{ rsuId: string; phone: string | null }>) {
  const statement: Array<{ idempotencyKey: string; amountFcfa: number }> = [];
  for await (const line of new MobileMoneyAgency({ baseUrl: sim.url, credential: 'auditor', ratePerSecond: 100 }).statement()) {
    if (parsePaymentIdempotencyKey(line.idempotencyKey)?.cycleId === cycleId) statement.push(line);
  }
  const paidTimes = new Map<string, number>();
  for (const line of statement) {
    const rsuId = parsePaymentIdempotencyKey(line.idempotencyKey)!.rsuId;
    paidTimes.set(rsuId, (paidTimes.get(rsuId) ?? 0) + 1);
  }
  const ledger = await stack.database.sql<Array<{ rsuId: string; status: string; failureReason: string | null; idempotencyKey: string; amountFcfa: number }>>`
    select rsu_id as "rsuId", status, failure_reason as "failureReason", idempotency_key as "idempotencyKey", amount_fcfa as "amountFcfa" from payments where cycle_id = ${cycleId}`;
  const confirmed = ledger.filter((p) => p.status === 'confirmed');
  const statementKeys = new Set(statement.map((l) => l.idempotencyKey));
  return {
    paidTwice: [...paidTimes.values()].filter((n) => n > 1).length,
    confirmedNotPaid: confirmed.filter((p) => !statementKeys.has(p.idempotencyKey)).length,
    paidNotConfirmed: statement.filter((l) => !confirmed.some((p) => p.idempotencyKey === l.idempotencyKey)).length,
    lost: households.length - ledger.filter((p) => p.status === 'confirmed' || (p.status === 'failed' && p.failureReason)).length,
    failedWithoutReason: ledger.filter((p) => p.status === 'failed' && !p.failureReason).length,
    invalidFailed: ledger.filter((p) => p.failureReason === 'invalid-account').map((p) => p.rsuId).sort(),
    expectedInvalid: households.filter((h) => !h.phone || h.phone.endsWith('99')).map((h) => h.rsuId).sort(),
    ledgerTotal: confirmed.reduce((s, p) => s + p.amountFcfa, 0),
    statementTotal: statement.reduce((s, l) => s + l.amountFcfa, 0),
  };
}

async function runPayments(cycleId: string, agencyId: string, lists: PaymentRunInput['lists'], options: Partial<PaymentRunInput> = {}) {
  return stack.client.workflow.start(WORKFLOW_TYPES.paymentRun, {
    taskQueue: stack.taskQueue,
    workflowId: paymentRunWorkflowId(cycleId, agencyId, 1),
    args: [{ cycleId, agencyId, lists, maxInFlight: 3, ...options } satisfies PaymentRunInput],
  });
}

/** How many times the cycle's payments entered a status, from their history. */
async function entered(cycleId: string, status: string): Promise<number> {
  const [row] = await stack.database.sql<Array<{ n: number }>>`
    select count(*)::int as n from payment_status_history h join payments p on p.id = h.payment_id where p.cycle_id = ${cycleId} and h.to_status = ${status}`;
  return row!.n;
}

function expectReconciled(r: Awaited<ReturnType<typeof reconcile>>) {
  expect(r.paidTwice).toBe(0);
  expect(r.confirmedNotPaid).toBe(0);
  expect(r.paidNotConfirmed).toBe(0);
  expect(r.lost).toBe(0);
  expect(r.failedWithoutReason).toBe(0);
  expect(r.invalidFailed).toEqual(r.expectedInvalid);
  expect(r.ledgerTotal).toBe(r.statementTotal);
}

describe('payment run against the agency simulator', () => {
  it('a list not released through the release controls is refused by the run: nothing is sent', async () => {
    const { cycleId, lists } = await seedCycle(5, 'sim-momo-unreleased', { release: false });
    const error = await (await runPayments(cycleId, 'sim-momo-unreleased', lists)).result().then(() => null, (e: unknown) => e as { cause?: { cause?: { type?: string } } });
    expect(error?.cause?.cause?.type).toBe(PAYMENT_FAILURE_TYPES.notReleased);
    const [sent] = await stack.database.sql<Array<{ n: number }>>`select count(*)::int as n from payments where cycle_id = ${cycleId} and (attempts > 0 or status <> 'pending')`;
    expect(sent!.n).toBe(0);
  });

  it('with 5xx, ambiguous timeouts and invalid accounts injected, every household is paid once or listed failed with its reason', async () => {
    const { cycleId, lists, households } = await seedCycle(150, 'sim-momo-1');
    const handle = await runPayments(cycleId, 'sim-momo-1', lists);
    const totals = (await handle.result()) as PaymentRunTotals;
    const r = await reconcile(cycleId, households);
    expectReconciled(r);
    expect(totals.confirmed + totals.failed).toBe(households.length);
    expect(totals.confirmed).toBe(households.length - r.expectedInvalid.length);
    // The injected faults did happen, and were settled.
    expect(await entered(cycleId, 'ambiguous')).toBeGreaterThan(0);
    await maybeRecordHistory(stack.client, handle.workflowId, 'payment-run', 'faults-settled');
  });

  it('a batch handed over whose answers were never recorded is asked payment by payment, never resent blind, and cannot be cancelled meanwhile', async () => {
    await sim.setFaults({ errorRate: 0, timeoutAfterCommitRate: 0 });
    const { cycleId, lists, households } = await seedCycle(10, 'sim-momo-handed-over');
    const { sql } = stack.database;
    const [handed, untouched] = lists;
    const batch = await sql<Array<{ id: number; key: string; phone: string | null }>>`
      select id::float8 as id, idempotency_key as key, phone from payments where list_id = ${handed!.listId} and batch_no = 0 and phone is not null order by id`;
    // A worker marked the batch handed over and was killed mid-call: the agency got half of it. It got them
    // with another payee number, so that a blind resend under the same key would be refused as a conflict.
    const agency = new MobileMoneyAgency({ baseUrl: sim.url, credential: 'jigi-worker', ratePerSecond: 50, timeoutMs: 2_000 });
    const reached = batch.slice(0, 5);
    for (const p of reached) expect((await agency.submit({ idempotencyKey: p.key, amountFcfa: 90_000, phone: '+22370999990' })).kind).toBe('confirmed');
    await sql`insert into payment_batch_sends (list_id, batch_no) values (${handed!.listId}, 0)`;
    const handedOver = async (listId: string) =>
      (await sql<Array<{ h: boolean }>>`select payment_handed_over(attempts, list_id, batch_no, updated_at) as h from payments where list_id = ${listId}`).map((r) => r.h);
    expect(new Set(await handedOver(handed!.listId))).toEqual(new Set([true]));
    expect(new Set(await handedOver(untouched!.listId))).toEqual(new Set([false]));
    const cancel = await signers[0]!.call('POST', `/api/cycles/${cycleId}/payments/actions`, { action: 'cancel', paymentIds: [batch[7]!.id], reason: 'Doublon supposé' });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(409);
    expect(cancel.body.error.details).toMatchObject({ rule: 'nothing-to-act-on' });

    await (await runPayments(cycleId, 'sim-momo-handed-over', lists)).result();
    expectReconciled(await reconcile(cycleId, households));
    const after = await sql<Array<{ key: string; status: string; attempts: number; reference: string | null }>>`
      select idempotency_key as key, status, attempts, agency_reference as reference from payments where list_id = ${handed!.listId} and phone is not null`;
    // Each one confirmed under the reference of the transfer the agency already held, the call counted once.
    expect(after).toHaveLength(batch.length);
    for (const p of after) expect(p, p.key).toMatchObject({ status: 'confirmed', attempts: 1 });
    for (const p of reached) {
      const held = await agency.status(p.key);
      expect(held.kind).toBe('confirmed');
      expect(after.find((a) => a.key === p.key)?.reference).toBe((held as { reference: string }).reference);
    }
    const [sends] = await sql<Array<{ n: number }>>`select sends as n from payment_batch_sends where list_id = ${handed!.listId} and batch_no = 0`;
    expect(sends!.n).toBe(2);
  });

  it('through a bulk endpoint, a request lost whole is settled payment by payment: nobody paid twice', async () => {
    await sim.setFaults({ errorRate: 0.1, timeoutAfterCommitRate: 0.1 });
    const { cycleId, lists, households } = await seedCycle(100, 'sim-momo-bulk', { bulkSize: 10 });
    // Besides the random faults, two bulk requests are sure to be lost whole after the agency committed them.
    const keys = await stack.database.sql<{ key: string }[]>`select idempotency_key as key from payments where cycle_id = ${cycleId} order by idempotency_key limit 2 offset 37`;
    await sim.setFaults({ hangAfterCommitKeys: keys.map((k) => k.key) });
    const totals = (await (await runPayments(cycleId, 'sim-momo-bulk', lists)).result()) as PaymentRunTotals;
    const r = await reconcile(cycleId, households);
    expectReconciled(r);
    expect(totals.confirmed).toBe(households.length - r.expectedInvalid.length);
    expect(await entered(cycleId, 'ambiguous')).toBeGreaterThan(0);
    await sim.setFaults({ errorRate: 0.04, timeoutAfterCommitRate: 0.05 });
  });

  it('an agency that accepts first and pays a moment later: the batch waits and every payment turns confirmed', async () => {
    await sim.setFaults({ errorRate: 0, timeoutAfterCommitRate: 0, settleDelayMs: 400 });
    const { cycleId, lists, households } = await seedCycle(60, 'sim-momo-3');
    const totals = (await (await runPayments(cycleId, 'sim-momo-3', lists)).result()) as PaymentRunTotals;
    const r = await reconcile(cycleId, households);
    expectReconciled(r);
    const payable = households.length - r.expectedInvalid.length;
    expect(totals).toMatchObject({ submitted: 0, confirmed: payable });
    expect(await entered(cycleId, 'submitted')).toBe(payable);
    await sim.setFaults({ settleDelayMs: 0 });
  });

  it('a run too long for one history continues as new and carries its totals: each batch sent once', async () => {
    const { cycleId, lists, households } = await seedCycle(30, 'sim-momo-4', { batchSize: 3 });
    const handle = await runPayments(cycleId, 'sim-momo-4', lists, { historyEventsBeforeNewRun: 40 });
    const totals = (await handle.result()) as PaymentRunTotals;
    const first = await stack.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    const r = await reconcile(cycleId, households);
    expectReconciled(r);
    expect(totals).toMatchObject({ batchesDone: 20, confirmed: households.length - r.expectedInvalid.length });
  });

  it('a worker killed twice and the agency restarted in the middle of a run pays nobody twice and loses nobody', { timeout: 120_000 }, async () => {
    await sim.setFaults({ latencyMs: 5, latencyJitterMs: 10 });
    const { cycleId, lists, households } = await seedCycle(200, 'sim-momo-2', { ratePerSecond: 80 });
    const handle = await runPayments(cycleId, 'sim-momo-2', lists);
    for (let kill = 0; kill < 2; kill += 1) {
      // Kill once some payments went out, while others are in flight.
      await expect.poll(async () => (await stack.database.sql`select 1 from payments where cycle_id = ${cycleId} and status = 'confirmed' limit 1 offset ${60 * (kill + 1)}`).length, { timeout: 30_000, interval: 50 }).toBe(1);
      const [open] = await stack.database.sql`select count(*)::int as n from payments where cycle_id = ${cycleId} and status in ('pending', 'submitted', 'ambiguous')`;
      expect(open!.n).toBeGreaterThan(0);
      await killProcess(worker!);
      // The agency goes down too, once: it comes back on its own ledger file.
      if (kill === 0) await sim.kill();
      worker = await startWorkerProcess(stack, WORKER_ENV);
      if (kill === 0) await sim.restart();
    }
    await handle.result();
    expectReconciled(await reconcile(cycleId, households));
    await maybeRecordHistory(stack.client, handle.workflowId, 'payment-run', 'worker-killed-agency-restarted');
  });
});
