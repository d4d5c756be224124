import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MobileMoneyAgency } from '../../activities/adapters/mobile-money';
import { auditLog, beneficiaries, cycleFundingSources, cycles, paymentActions, paymentAgencies, paymentLists, payments } from '../../db/schema';
import type { CycleSettings } from '../../domain/cycle-settings';
import { phaseWorkflowId } from '../../domain/ids';
import { parsePaymentIdempotencyKey, paymentIdempotencyKey } from '../../domain/payments';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { ApiSession } from '../../scripts/api-session';
import type { DisbursementPhaseInput } from '../../workflows/disbursement';
import { disbursementStateQuery, markPhaseDoneSignal, requestPaymentActionUpdate, type DisbursementState } from '../../workflows/messages';
import { maybeRecordHistory } from '../support/histories';
import { mobilisedAgencyFor } from '../support/procurement';
import { startSimProcess, type SimProcess } from '../support/provider-sim';
import { startTestStack, type TestStack } from '../support/stack';
import { actorFor, signInAs } from '../support/users';

const CREDENTIAL_ENV = 'JIGI_TEST_DISBURSE_CREDENTIAL';
const REGION = 'SIK';
const COMMUNES = ['SIK-001', 'SIK-002'];
const PER_COMMUNE = 12;
const SETTINGS: Partial<CycleSettings> = { paymentBatchSize: 5, paymentBatchesInFlight: 2, bulkActionApprovalThreshold: 3 };

let stack: TestStack;
let sim: SimProcess;
let dir: string;
let base: string;
type Session = Awaited<ReturnType<typeof signInAs>>;
let operator: Session, operator2: Session, coordinator: Session, coordinator2: Session, auditor: Session;
let cycleId: string;
let workflowId: string;

beforeAll(async () => {
  process.env[CREDENTIAL_ENV] = 'jigi-disburse';
  dir = await mkdtemp(join(tmpdir(), 'jigi-disburse-'));
  sim = await startSimProcess({ ledgerFile: join(dir, 'agency.jsonl'), faults: { invalidAccountSuffixes: ['99'], latencyMs: 1, ratePerSecond: 500 } });
  stack = await startTestStack('disbursement');
  base = (await stack.startApi()).url;
  [operator, operator2, coordinator, coordinator2, auditor] = await Promise.all([
    signInAs(stack.database, base, ['payment-operator']),
    signInAs(stack.database, base, ['payment-operator']),
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['auditor']),
  ]);
  cycleId = await seedCycle();
  workflowId = phaseWorkflowId(cycleId, 'disbursement');
  await stack.client.workflow.start(WORKFLOW_TYPES.disbursementPhase, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [{ cycleId, phase: 'disbursement', settings: SETTINGS } satisfies DisbursementPhaseInput],
  });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A cycle whose frozen list holds PER_COMMUNE households in each commune; every 4th wallet number ends in 99 (invalid at the agency). */
async function seedCycle() {
  const { db } = stack.database;
  const id = randomUUID();
  await db.insert(cycles).values({ id, name: `Décaissement ${id.slice(0, 8)}`, transferAmountFcfa: 90_000, targetHouseholds: 100, workflowId: `cycle:${id}`, createdBy: 'test', settings: SETTINGS });
  let n = 0;
  await db.insert(beneficiaries).values(
    COMMUNES.flatMap((commune) =>
      Array.from({ length: PER_COMMUNE }, () => {
        n += 1;
        return {
          cycleId: id,
          rsuId: `RSU-D${String(n).padStart(8, '0')}`,
          regionCode: REGION,
          communeCode: commune,
          village: 'Village',
          headName: 'Chef de ménage',
          phone: `+2237${String(n * 100 + (n % 4 === 0 ? 99 : 1)).padStart(7, '0')}`,
          householdSize: 5,
          amountFcfa: 90_000,
          frozenAt: new Date(),
        };
      }),
    ),
  );
  await db.insert(cycleFundingSources).values({ cycleId: id, source: 'world-bank-af2', amountFcfa: 100 * 90_000 });
  await mobilisedAgencyFor(stack.database, id, COMMUNES.map((commune) => ({ region: REGION, commune })));
  const lots = [{ level: 'region' as const, region: REGION }];
  await db
    .insert(paymentAgencies)
    .values([
      { id: 'disburse-momo-a', name: 'Mobile money A', kind: 'mobile-money', baseUrl: sim.url, credentialRef: CREDENTIAL_ENV, lots, ratePerSecond: 200, feeFcfaPerPayment: 500 },
      // Dearer, so the lists go to A; payments may be re-routed to B.
      { id: 'disburse-momo-b', name: 'Mobile money B', kind: 'mobile-money', baseUrl: sim.url, credentialRef: CREDENTIAL_ENV, lots, ratePerSecond: 200, feeFcfaPerPayment: 900 },
      { id: 'disburse-elsewhere', name: 'Elsewhere', kind: 'mobile-money', baseUrl: sim.url, credentialRef: CREDENTIAL_ENV, lots: [{ level: 'region' as const, region: 'GAO' }], ratePerSecond: 10 },
    ])
    .onConflictDoNothing();
  return id;
}

const handle = () => stack.client.workflow.getHandle(workflowId);
const state = () => handle().query(disbursementStateQuery);
const ledger = () => stack.database.db.select().from(payments).where(eq(payments.cycleId, cycleId));
const actionsUrl = () => `/api/cycles/${cycleId}/payments/actions`;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting; last value ${JSON.stringify(value).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const settled = (rows: Array<{ status: string }>) => rows.length > 0 && rows.every((p) => p.status === 'confirmed' || p.status === 'failed' || p.status === 'cancelled');

/** What the agency says it paid for this cycle, by idempotency key. */
async function statement() {
  const lines: Array<{ idempotencyKey: string; amountFcfa: number }> = [];
  for await (const line of new MobileMoneyAgency({ baseUrl: sim.url, credential: 'auditor', ratePerSecond: 100 }).statement()) {
    if (parsePaymentIdempotencyKey(line.idempotencyKey)?.cycleId === cycleId) lines.push(line);
  }
  return lines;
}

async function expectEachPaidOnce() {
  const lines = await statement();
  const households = lines.map((l) => parsePaymentIdempotencyKey(l.idempotencyKey)!.rsuId);
  expect(new Set(households).size).toBe(households.length);
  const confirmed = (await ledger()).filter((p) => p.status === 'confirmed');
  expect(confirmed.map((p) => p.idempotencyKey).sort()).toEqual(lines.map((l) => l.idempotencyKey).sort());
  expect(confirmed.reduce((s, p) => s + p.amountFcfa, 0)).toBe(lines.reduce((s, l) => s + l.amountFcfa, 0));
}

describe('the disbursement phase', () => {
  it('builds one list per commune from the frozen beneficiary list, through the cheapest agency covering it', async () => {
    const s = await until(state, (v: DisbursementState) => v.prepared !== null);
    expect(s.prepared).toEqual({ lists: 2, households: 2 * PER_COMMUNE, amountFcfa: 2 * PER_COMMUNE * 90_000, mismatched: 0, communesWithoutAgency: [] });
    const lists = await stack.database.db.select().from(paymentLists).where(eq(paymentLists.cycleId, cycleId));
    expect(lists.map((l) => [l.communeCode, l.agencyId, l.status, l.declaredCount, l.builtCount]).sort()).toEqual(
      COMMUNES.map((c) => [c, 'disburse-momo-a', 'built', PER_COMMUNE, PER_COMMUNE]),
    );
    // Nothing moves before release.
    const rows = await ledger();
    expect(rows.every((p) => p.status === 'pending' && p.attempts === 0)).toBe(true);
    // Keys written by Postgres are the ones the domain makes; batches of the setting's size, in household order.
    for (const p of rows) expect(p.idempotencyKey).toBe(paymentIdempotencyKey({ cycleId, rsuId: p.rsuId, tranche: 1, generation: 0 }));
    const firstList = rows.filter((p) => p.communeCode === COMMUNES[0]).sort((a, b) => a.rsuId.localeCompare(b.rsuId));
    expect(firstList.map((p) => p.batchNo)).toEqual(Array.from({ length: PER_COMMUNE }, (_, i) => Math.floor(i / SETTINGS.paymentBatchSize!)));
    // The database holds each key to its parts (that is what keeps keys unique): another generation's key, or
    // another household's, on this row is refused.
    const [p] = rows;
    const { sql } = stack.database;
    await expect(sql`update payments set idempotency_key = ${paymentIdempotencyKey({ cycleId, rsuId: p!.rsuId, tranche: 1, generation: 1 })} where id = ${p!.id}`).rejects.toThrow(/payments_idempotency_key_of_its_parts/);
    await expect(sql`update payments set idempotency_key = ${rows[1]!.idempotencyKey} where id = ${p!.id}`).rejects.toThrow(/payments_idempotency_key_of_its_parts/);
  });

  it('an action before anything failed is refused, and the phase of a cycle not in disbursement has nothing to act on', async () => {
    const refused = await operator.call('POST', actionsUrl(), { action: 'retry', filter: {}, reason: 'Relance' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { details: { rule: 'nothing-to-act-on' } } });
    const other = randomUUID();
    await stack.database.db.insert(cycles).values({ id: other, name: 'Sans décaissement', transferAmountFcfa: 90_000, targetHouseholds: 1, workflowId: `cycle:${other}`, createdBy: 'test' });
    const none = await operator.call('POST', `/api/cycles/${other}/payments/actions`, { action: 'retry', filter: {}, reason: 'Relance' });
    expect(none.status).toBe(409);
    expect(none.body).toMatchObject({ error: { details: { rule: 'disbursement-not-started' } } });
  });

  it('a released list is sent at once: valid wallets paid once, invalid ones failed with their reason', async () => {
    const lists = await stack.database.db.select().from(paymentLists).where(eq(paymentLists.cycleId, cycleId));
    for (const list of lists) {
      for (const [who, segment] of [
        [operator, 'approve'],
        [coordinator, 'authorize'],
        [coordinator2, 'release-funds'],
      ] as const) {
        const answer = await who.call('POST', `/api/cycles/${cycleId}/payment-lists/${list.id}/${segment}`);
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      }
    }
    const rows = await until(ledger, settled);
    const invalid = rows.filter((p) => p.phone!.endsWith('99'));
    expect(invalid.length).toBe((2 * PER_COMMUNE) / 4);
    expect(invalid.every((p) => p.status === 'failed' && p.failureReason === 'invalid-account')).toBe(true);
    expect(rows.filter((p) => p.status === 'confirmed').length).toBe(2 * PER_COMMUNE - invalid.length);
    await expectEachPaidOnce();
    // Each release is taken at once: a list released while its agency's run goes waits for the next round.
    const runs = (await until(state, (v) => v.runs.filter((r) => r.lists > 0 && r.status === 'done').reduce((n, r) => n + r.lists, 0) === 2)).runs.filter((r) => r.lists > 0);
    expect(runs.every((r) => r.agencyId === 'disburse-momo-a')).toBe(true);
    // Each list was reconciled with the agency's statement by its run once sent: everything matched.
    const reconciled = runs.map((r) => r.reconciled!);
    expect(reconciled.reduce((n, r) => n + r.mismatches, 0)).toBe(0);
    expect(reconciled.reduce((n, r) => n + r.matched, 0)).toBe(rows.filter((p) => p.status === 'confirmed').length);
    expect(reconciled.reduce((n, r) => n + r.ledgerTotalFcfa, 0)).toBe(reconciled.reduce((n, r) => n + r.statementTotalFcfa, 0));
  });

  it('bad requests are refused and change nothing', async () => {
    const failed = (await ledger()).find((p) => p.status === 'failed')!;
    const cases: Array<[ApiSession, unknown, number]> = [
      [operator, { action: 'retry', paymentIds: [failed.id], reason: '' }, 400],
      [operator, { action: 'retry', paymentIds: [failed.id], reason: 'Numéro corrigé', phone: 'pas un numéro' }, 400],
      [operator, { action: 'retry', reason: 'Sans choix' }, 400],
      [operator, { action: 'reroute', paymentIds: [failed.id], reason: 'Autre agence' }, 409],
      [operator, { action: 'retry', paymentIds: [failed.id, 999_999_999], reason: 'Inconnu' }, 404],
      [operator, { action: 'reroute', paymentIds: [failed.id], toAgencyId: 'nope', reason: 'Inconnue' }, 404],
      [operator, { action: 'reroute', paymentIds: [failed.id], toAgencyId: 'disburse-elsewhere', reason: 'Hors contrat' }, 409],
      [auditor, { action: 'retry', paymentIds: [failed.id], reason: 'Auditeur' }, 403],
      [coordinator, { action: 'cancel', paymentIds: [failed.id], reason: 'Coordination' }, 403],
    ];
    for (const [who, body, status] of cases) {
      const answer = await who.call('POST', actionsUrl(), body);
      expect(answer.status, JSON.stringify({ body, answer: answer.body })).toBe(status);
    }
    const [after] = await stack.database.db.select().from(payments).where(eq(payments.id, failed.id));
    expect(after).toMatchObject({ status: 'failed', generation: 0, agencyId: 'disburse-momo-a', phone: failed.phone });
    expect(await stack.database.db.select().from(paymentActions).where(eq(paymentActions.cycleId, cycleId))).toEqual([]);
  });

  it("the workflow's validator refuses an Update from someone who is not a payment operator: nothing enters its history", async () => {
    const failed = (await ledger()).find((p) => p.status === 'failed')!;
    const before = (await handle().fetchHistory()).events?.length ?? 0;
    const error = await handle()
      .executeUpdate(requestPaymentActionUpdate, { args: [{ actor: 'coord', by: actorFor('coord', ['coordinator']), request: { action: 'retry', paymentIds: [failed.id], reason: 'Direct' } }] })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    const accepted = ((await handle().fetchHistory()).events ?? []).slice(before).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted).toEqual([]);
  });

  it('an operator corrects a wallet number and retries one payment: the next generation is paid once, the change audited', async () => {
    const failed = (await ledger()).find((p) => p.status === 'failed')!;
    const answer = await operator.call('POST', actionsUrl(), { action: 'retry', paymentIds: [failed.id], phone: '76 55 44 33', reason: 'Le bénéficiaire a donné son bon numéro' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ status: 'applied', count: 1, applied: 1 });
    const paid = await until(
      async () => (await stack.database.db.select().from(payments).where(eq(payments.id, failed.id)))[0]!,
      (p) => p.status === 'confirmed',
    );
    expect(paid).toMatchObject({ generation: 1, phone: '+22376554433', failureReason: null });
    expect(paid.idempotencyKey).toMatch(/-g1$/);
    await expectEachPaidOnce();
    const history = await stack.database.sql<Array<{ to: string; actor: string | null; generation: number }>>`
      select to_status as to, actor, generation from payment_status_history where payment_id = ${failed.id} order by id`;
    expect(history.map((h) => [h.to, h.generation])).toEqual([
      ['failed', 0],
      ['pending', 1],
      ['confirmed', 1],
    ]);
    expect(history[1]!.actor).toBe(operator.user.username);
    const [audit] = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.action, 'payments.retry.applied'), eq(auditLog.actorId, operator.user.id)));
    expect(audit?.after).toMatchObject({ payments: 1, reason: 'Le bénéficiaire a donné son bon numéro' });
    // Personal data stays masked in the trail.
    expect(JSON.stringify(audit)).not.toContain('76554433');
  });

  it('a bulk retry above the threshold waits for a second operator; the one who asked cannot approve it', async () => {
    const failedBefore = (await ledger()).filter((p) => p.status === 'failed');
    expect(failedBefore.length).toBeGreaterThan(SETTINGS.bulkActionApprovalThreshold!);
    const asked = await operator.call('POST', actionsUrl(), { action: 'retry', filter: { reason: 'invalid-account', region: REGION }, reason: 'Réseau rétabli' });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    const { id } = asked.body as { id: string };
    expect(asked.body).toMatchObject({ status: 'awaiting-approval', count: failedBefore.length, applied: 0 });
    // Nothing moved while it waits.
    expect((await ledger()).filter((p) => p.status === 'failed').length).toBe(failedBefore.length);

    const listed = await operator.call('GET', `${actionsUrl()}?status=awaiting-approval`);
    expect(listed.body).toMatchObject({ actions: [{ id, canDecide: false, count: failedBefore.length }] });
    const self = await operator.call('POST', `${actionsUrl()}/${id}/approve`, {});
    expect(self.status).toBe(409);
    expect(self.body).toMatchObject({ error: { details: { rule: 'four-eyes' } } });

    const approved = await operator2.call('POST', `${actionsUrl()}/${id}/approve`, { reason: 'Vu' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: 'applied', applied: failedBefore.length });
    // The wallets are still invalid: each fails again, under its next generation, after one more attempt.
    const rows = await until(ledger, (r) => settled(r) && failedBefore.every((f) => r.find((p) => p.id === f.id)!.generation === 1));
    for (const f of failedBefore) expect(rows.find((p) => p.id === f.id)).toMatchObject({ status: 'failed', failureReason: 'invalid-account', generation: 1 });
    const again = await operator2.call('POST', `${actionsUrl()}/${id}/reject`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { details: { rule: 'action-decided' } } });
    const trail = await stack.database.db.select().from(auditLog).where(eq(auditLog.targetId, id));
    expect(trail.map((a) => [a.action, a.actorId]).sort()).toEqual(
      [
        ['payments.retry.approved', operator2.user.id],
        ['payments.retry.requested', operator.user.id],
      ].sort(),
    );
  });

  it('a rejected bulk action changes nothing', async () => {
    const asked = await operator2.call('POST', actionsUrl(), { action: 'cancel', filter: { agency: 'disburse-momo-a' }, reason: 'Clôture du lot' });
    expect(asked.status).toBe(202);
    const { id } = asked.body as { id: string };
    const rejected = await operator.call('POST', `${actionsUrl()}/${id}/reject`, { reason: 'Pas encore' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', applied: 0 });
    expect((await ledger()).some((p) => p.status === 'cancelled')).toBe(false);
  });

  it('an operator re-routes a failed payment to another agency covering the commune, with a corrected number: paid there once', async () => {
    const failed = (await ledger()).find((p) => p.status === 'failed')!;
    const answer = await operator.call('POST', actionsUrl(), { action: 'reroute', paymentIds: [failed.id], toAgencyId: 'disburse-momo-b', phone: '+22365123456', reason: 'Portefeuille chez B' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const paid = await until(
      async () => (await stack.database.db.select().from(payments).where(eq(payments.id, failed.id)))[0]!,
      (p) => p.status === 'confirmed',
    );
    expect(paid).toMatchObject({ agencyId: 'disburse-momo-b', generation: 2 });
    await expectEachPaidOnce();
  });

  it('an operator cancels a failed payment; a cancelled payment takes no other action', async () => {
    const failed = (await ledger()).find((p) => p.status === 'failed')!;
    const answer = await operator.call('POST', actionsUrl(), { action: 'cancel', paymentIds: [failed.id], reason: 'Ménage décédé, dossier clos' });
    expect(answer.status).toBe(200);
    const [row] = await stack.database.db.select().from(payments).where(eq(payments.id, failed.id));
    expect(row?.status).toBe('cancelled');
    const retry = await operator.call('POST', actionsUrl(), { action: 'retry', paymentIds: [failed.id], reason: 'Erreur' });
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ error: { details: { rule: 'nothing-to-act-on' } } });
  });

  it('closing the phase ends the workflow once nothing is in flight', async () => {
    await handle().signal(markPhaseDoneSignal, { actor: 'coordination', comment: 'Lot payé' });
    expect(await handle().result()).toEqual({ completedBy: 'coordination', comment: 'Lot payé' });
    await expectEachPaidOnce();
    await maybeRecordHistory(stack.client, workflowId, 'disbursement', 'released-retried-rerouted-closed');
  });
});
