import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MobileMoneyAgency } from '../../activities/adapters/mobile-money';
import { auditLog, cycleFundingSources, cycles, households, paymentAgencies, paymentLists, payments, targetingRuns } from '../../db/schema';
import { CORRECTIVE_TRANCHE_BASE, DEFAULT_GRIEVANCE_SETTINGS, type GrievanceSettings } from '../../domain/grievances';
import { grievanceWorkflowId } from '../../domain/ids';
import { DEFAULT_TARGETING_RULES } from '../../domain/targeting';
import { paymentIdempotencyKey } from '../../domain/payments';
import type { ApiSession } from '../../scripts/api-session';
import { maybeRecordHistory } from '../support/histories';
import { mobilisedAgencyFor } from '../support/procurement';
import { startSimProcess, type SimProcess } from '../support/provider-sim';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';
import { killProcess, startWorkerProcess } from '../support/worker-process';

// Each resolution that acts, with its effect read back from the database (and the agency's own ledger).
const CREDENTIAL_ENV = 'JIGI_TEST_AGENCY_CREDENTIAL';
const WORKER_ENV = { [CREDENTIAL_ENV]: 'jigi-worker' };
const KAY1 = { level: 'commune' as const, region: 'KAY', commune: 'KAY-001' };
const settings: GrievanceSettings = {
  deadlineSeconds: Object.fromEntries(Object.keys(DEFAULT_GRIEVANCE_SETTINGS.deadlineSeconds).map((k) => [k, 3600])) as GrievanceSettings['deadlineSeconds'],
  reopenSeconds: 3600,
};

let stack: TestStack;
let sim: SimProcess;
let dir: string;
let worker: ChildProcess | null = null;
let officer: ApiSession;
let focal: ApiSession;
let auditor: ApiSession;
let operator: ApiSession;
let both: ApiSession;
const cycleId = randomUUID();
const agencyId = `sim-grv-${cycleId.slice(0, 6)}`;
const rsu = (n: number) => `RSU-RES-${cycleId.slice(0, 4)}-${n}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jigi-grievance-pay-'));
  stack = await startTestStack('grievance_resolutions', { worker: false });
  sim = await startSimProcess({ ledgerFile: join(dir, 'agency.jsonl') });
  worker = await startWorkerProcess(stack, WORKER_ENV);
  const base = (await stack.startApi({ grievanceSettings: settings })).url;
  const { db } = stack.database;
  await db.insert(households).values(
    [1, 2, 3, 4, 5].map((n) => ({
      rsuId: rsu(n),
      headName: `Chef ${n}`,
      sex: 'F' as const,
      birthYear: 1970 + n,
      nina: `NINA${cycleId.slice(0, 4)}${n}`,
      phone: `+2237600200${n}`,
      communeCode: 'KAY-001',
      village: 'Kalaban',
      householdSize: 6,
      // Household 4 meets no criterion: its exclusion is confirmed by the re-examination.
      foodInsecure: n !== 4,
      covidCase: false,
      covidHit: false,
      welfareScore: 30,
    })),
  );
  await db.insert(cycles).values({ id: cycleId, name: `Plaintes ${cycleId.slice(0, 8)}`, transferAmountFcfa: 90_000, targetHouseholds: 10, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
  await db.insert(cycleFundingSources).values({ cycleId, source: 'world-bank-af2', amountFcfa: 10_000_000 });
  await db.insert(targetingRuns).values({ cycleId, status: 'completed', rules: DEFAULT_TARGETING_RULES, quotaOverrides: [], target: 10, createdBy: 'test', finishedAt: new Date() });
  await mobilisedAgencyFor(stack.database, cycleId, [KAY1]);
  await db.insert(paymentAgencies).values({ id: agencyId, name: 'Simulated mobile money', kind: 'mobile-money', baseUrl: sim.url, credentialRef: CREDENTIAL_ENV, lots: [KAY1], ratePerSecond: 50 });
  // The cycle's own first tranche: household 1 paid (it complains of a wrong amount), household 2 pending, failed and paid.
  const [list] = await db.insert(paymentLists).values({ cycleId, regionCode: 'KAY', communeCode: 'KAY-001', agencyId, fundingSource: 'world-bank-af2', declaredCount: 2, declaredTotalFcfa: 180_000, status: 'closed' }).returning();
  const row = (n: number, tranche: number, status: 'pending' | 'failed' | 'confirmed') => ({
    cycleId,
    rsuId: rsu(n),
    tranche,
    listId: list!.id,
    batchNo: 0,
    regionCode: 'KAY',
    communeCode: 'KAY-001',
    agencyId,
    fundingSource: 'world-bank-af2' as const,
    amountFcfa: 90_000,
    phone: `+2237600200${n}`,
    status,
    idempotencyKey: paymentIdempotencyKey({ cycleId, rsuId: rsu(n), tranche, generation: 0 }),
  });
  await db.insert(payments).values([row(1, 1, 'confirmed'), row(2, 1, 'confirmed'), row(2, 2, 'pending'), row(2, 3, 'failed')]);
  [officer, focal, auditor, operator, both] = await Promise.all([
    signInAs(stack.database, base, ['grievance-officer'], KAY1),
    signInAs(stack.database, base, ['focal-point'], KAY1),
    signInAs(stack.database, base, ['auditor']),
    signInAs(stack.database, base, ['payment-operator'], { level: 'region', region: 'KAY' }),
    signInAs(stack.database, base, ['grievance-officer', 'payment-operator']),
  ]);
}, 90_000);
afterAll(async () => {
  if (worker) await killProcess(worker);
  await sim?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const detail = async (reference: string, who: ApiSession = officer) => (await who.call('GET', `/api/grievances/cases/${reference}`)).body;
const act = (reference: string, action: object, who: ApiSession = officer) => who.call('POST', `/api/grievances/cases/${reference}/actions`, action);

/** Filed, acknowledged and under investigation: ready for a resolution. */
async function investigated(category: string, complainant: object, who: ApiSession = officer) {
  const filed = await who.call('POST', '/api/grievances/cases', { category, complainant, cycleId });
  expect(filed.status, JSON.stringify(filed.body)).toBe(201);
  const reference = filed.body.case.reference as string;
  for (const kind of ['acknowledge', 'investigate']) {
    const done = await act(reference, { kind }, who);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
  }
  return reference;
}

describe('household lookup at intake', () => {
  it('finds a household by RSU id, NINA or phone in any spelling, masks its identifiers, and files by phone', async () => {
    for (const query of [`rsuId=${rsu(1)}`, `nina=NINA${cycleId.slice(0, 4)}1`, 'phone=76%2000%2020%2001', 'phone=0022376002001']) {
      const found = await officer.call('GET', `/api/grievances/households?${query}`);
      expect(found.status, query).toBe(200);
      expect(found.body.households, query).toEqual([expect.objectContaining({ rsuId: rsu(1), phone: '•••• 2001', commune: 'KAY-001' })]);
    }
    expect((await officer.call('GET', '/api/grievances/households?phone=12')).status).toBe(400);
    expect((await officer.call('GET', `/api/grievances/households?rsuId=${rsu(1)}&phone=76002001`)).status).toBe(400);
    expect((await officer.call('GET', '/api/grievances/households?rsuId=RSU-NOBODY')).body.households).toEqual([]);
    const byPhone = await officer.call('POST', '/api/grievances/cases', { category: 'other', complainant: { kind: 'household', phone: '76 00 20 05' } });
    expect(byPhone.status, JSON.stringify(byPhone.body)).toBe(201);
    expect(byPhone.body.case.complainant.rsuId).toBe(rsu(5));
  });
});

describe('resolutions that act', () => {
  it('a data correction changes the register with before/after audited, and the household’s unpaid payments take the new phone', async () => {
    const reference = await investigated('data-correction', { kind: 'household', rsuId: rsu(2) });
    expect((await act(reference, { kind: 'correct-data', changes: { phone: '12' } })).status).toBe(400);
    expect((await act(reference, { kind: 'correct-data', changes: {} })).body.error.details.rule).toBe('changes-required');
    const done = await act(reference, { kind: 'correct-data', changes: { phone: '76 99 88 77', headName: 'Aminata Diarra' }, comment: 'Nouveau numéro présenté au guichet' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const { db } = stack.database;
    await expect.poll(async () => (await db.select().from(households).where(eq(households.rsuId, rsu(2))))[0]).toMatchObject({ phone: '+22376998877', headName: 'Aminata Diarra' });
    const ledger = await db.select().from(payments).where(eq(payments.rsuId, rsu(2)));
    expect(Object.fromEntries(ledger.map((p) => [p.status, p.phone]))).toEqual({ confirmed: '+22376002002', pending: '+22376998877', failed: '+22376998877' });
    const [audited] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'register.household.correct'), eq(auditLog.targetId, rsu(2))));
    expect(audited).toMatchObject({ before: { phone: '+22376002002', headName: 'Chef 2' }, after: expect.objectContaining({ phone: '+22376998877', headName: 'Aminata Diarra', grievance: reference, paymentsUpdated: 2 }) });
    // The timeline carries the effect; a correction is refused on a category it does not answer.
    expect((await detail(reference)).timeline.at(-1)).toMatchObject({ kind: 'correct-data', effect: { kind: 'corrected', paymentsUpdated: 2 } });
    const other = await investigated('non-payment', { kind: 'household', rsuId: rsu(3) });
    expect((await act(other, { kind: 'correct-data', changes: { headName: 'X Y' } })).body.error.details.rule).toBe('category-mismatch');
  });

  it('an exclusion is re-examined against the cycle’s rules with the targeting page’s explanation, kept on the case', async () => {
    const excluded = await investigated('exclusion', { kind: 'household', rsuId: rsu(4) });
    const answer = await act(excluded, { kind: 're-examine' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const line = answer.body.timeline.at(-1);
    expect(line.kind).toBe('re-examine');
    expect(line.comment).toContain('ne remplit pas les critères');
    const live = await stack.client.workflow.getHandle(grievanceWorkflowId(excluded)).query('grievanceCase');
    expect(live).toMatchObject({ reExamination: { cycleId, eligible: false, meetsCriteria: false, outcome: null, onFrozenList: false } });

    const eligible = await investigated('exclusion', { kind: 'household', nina: `NINA${cycleId.slice(0, 4)}5` });
    const second = await act(eligible, { kind: 're-examine' });
    expect(second.body.timeline.at(-1).comment).toContain('est éligible');
    // A person not in the register cannot be re-examined until registered.
    const person = await officer.call('POST', '/api/grievances/cases', { category: 'exclusion', complainant: { kind: 'person', name: 'Oumou Sangaré', phone: '76000999', communeCode: 'KAY-001' }, cycleId });
    for (const kind of ['acknowledge', 'investigate']) await act(person.body.case.reference, { kind });
    expect((await act(person.body.case.reference, { kind: 're-examine' })).body.error.details.rule).toBe('household-required');
  });

  it('misconduct is referred to the audit role: auditors find it, focal points never see it, the referral is audited', async () => {
    const reference = await investigated('misconduct', { kind: 'household', rsuId: rsu(3) });
    expect((await focal.call('GET', `/api/grievances/cases/${reference}`)).status).toBe(404);
    const referred = await act(reference, { kind: 'refer-to-audit', comment: 'L’agent aurait demandé 5 000 FCFA' });
    expect(referred.status, JSON.stringify(referred.body)).toBe(200);
    expect((await act(reference, { kind: 'refer-to-audit', comment: 'encore' })).body.error.details.rule).toBe('already-referred');
    const auditorView = await auditor.call('GET', '/api/grievances/cases?referred=true');
    expect(auditorView.body.cases.map((c: { reference: string }) => c.reference)).toContain(reference);
    expect((await focal.call('GET', '/api/grievances/cases?referred=true')).body.cases.map((c: { reference: string }) => c.reference)).not.toContain(reference);
    const [row] = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.action, 'audit.referral'), eq(auditLog.targetId, reference)));
    expect(row).toBeDefined();
    expect((await detail(reference, auditor)).case.referredAt).not.toBeNull();
  });

  it('a corrective payment is proposed, approved by another person who operates payments, and paid once as a tranche of its own, though the worker is killed while sending', async () => {
    const reference = await investigated('wrong-amount', { kind: 'household', rsuId: rsu(1) });
    expect((await act(reference, { kind: 'propose-payment', amountFcfa: 12.5, reason: 'x' })).status).toBe(400);
    const proposed = await act(reference, { kind: 'propose-payment', amountFcfa: 45_000, reason: 'Payé 45 000 au lieu de 90 000' });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(200);
    expect(proposed.body.correctivePayment).toMatchObject({ amountFcfa: 45_000, approvedBy: null, paymentStatus: null });
    // Resolving waits for the payment; the officer cannot approve (role), nor can one person propose and approve.
    expect((await act(reference, { kind: 'resolve', answer: 'Payé' })).body.error.details.rule).toBe('payment-pending');
    expect((await officer.call('POST', `/api/grievances/cases/${reference}/corrective-payment/approve`, {})).status).toBe(403);
    expect((await operator.call('GET', '/api/grievances/corrective-payments')).body.proposals.map((p: { reference: string }) => p.reference)).toContain(reference);

    const own = await investigated('non-payment', { kind: 'household', rsuId: rsu(5) }, both);
    expect((await act(own, { kind: 'propose-payment', amountFcfa: 90_000, reason: 'Jamais payé' }, both)).status).toBe(200);
    const selfApproved = await both.call('POST', `/api/grievances/cases/${own}/corrective-payment/approve`, {});
    expect(selfApproved.status).toBe(409);
    expect(selfApproved.body.error.details.rule).toBe('four-eyes');

    // The agency answers slowly: the worker dies while the payment is on its way.
    await sim.setFaults({ latencyMs: 4_000 });
    const approved = await operator.call('POST', `/api/grievances/cases/${reference}/corrective-payment/approve`, { comment: 'Relevé vérifié' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.correctivePayment).toMatchObject({ tranche: CORRECTIVE_TRANCHE_BASE, approvedBy: expect.any(String) });
    const { db } = stack.database;
    const corrective = async () => (await db.select().from(payments).where(and(eq(payments.rsuId, rsu(1)), eq(payments.tranche, CORRECTIVE_TRANCHE_BASE))))[0];
    // On its way: its batch handed over to the agency (the answer takes 4 s to come back).
    const handedOver = async () =>
      (await stack.database.sql<Array<{ h: boolean }>>`
        select payment_handed_over(attempts, list_id, batch_no, updated_at) as h from payments where rsu_id = ${rsu(1)} and tranche = ${CORRECTIVE_TRANCHE_BASE}`)[0]?.h ?? false;
    await expect.poll(handedOver, { timeout: 15_000 }).toBe(true);
    expect((await corrective())?.attempts).toBe(0);
    await killProcess(worker!);
    await sim.setFaults({ latencyMs: 0 });
    worker = await startWorkerProcess(stack, WORKER_ENV);
    await expect.poll(async () => (await corrective())?.status, { timeout: 60_000, interval: 500 }).toBe('confirmed');
    await expect.poll(async () => (await detail(reference)).timeline.map((t: { kind: string }) => t.kind), { timeout: 15_000 }).toContain('payment-paid');

    // Once in the agency's ledger, under the corrective tranche's own key, the call counted once; the original tranche untouched.
    const paid = await corrective();
    expect(paid!.attempts).toBe(1);
    const statement: string[] = [];
    for await (const line of new MobileMoneyAgency({ baseUrl: sim.url, credential: 'auditor', ratePerSecond: 100 }).statement()) statement.push(line.idempotencyKey);
    expect(statement.filter((key) => key === paid!.idempotencyKey)).toHaveLength(1);
    expect(statement.filter((key) => key.includes(rsu(1)))).toHaveLength(1);
    expect(paid).toMatchObject({ amountFcfa: 45_000, agencyId, communeCode: 'KAY-001', phone: '+22376002001' });
    expect(paid!.idempotencyKey).toContain(`-t${CORRECTIVE_TRANCHE_BASE}-g0`);
    const [list] = await db.select().from(paymentLists).where(eq(paymentLists.id, paid!.listId));
    expect(list).toMatchObject({ status: 'released', tranche: CORRECTIVE_TRANCHE_BASE, declaredCount: 1, declaredTotalFcfa: 45_000, agencyId });
    expect((await db.select().from(payments).where(and(eq(payments.rsuId, rsu(1)), eq(payments.tranche, 1))))[0]).toMatchObject({ status: 'confirmed', amountFcfa: 90_000 });
    expect(await db.select().from(auditLog).where(and(eq(auditLog.action, 'payments.corrective.release'), eq(auditLog.targetId, list!.id)))).toHaveLength(1);

    expect((await detail(reference)).correctivePayment).toMatchObject({ paymentStatus: 'confirmed' });
    expect((await act(reference, { kind: 'resolve', answer: 'Le complément de 45 000 FCFA a été payé.' })).status).toBe(200);
    await maybeRecordHistory(stack.client, grievanceWorkflowId(reference), 'grievance', 'corrective-payment-paid');
  }, 120_000);
});
