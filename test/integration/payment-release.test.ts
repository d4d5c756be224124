import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { auditLog, beneficiaries, budgetReservations, cycleFundingSources, cycles, paymentAgencies, paymentListSignatures, paymentLists } from '../../db/schema';
import type { ApiSession } from '../../scripts/api-session';
import { mobilisedAgencyFor } from '../support/procurement';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

const AGENCY = 'release-mm';
const PER_COMMUNE = 3;
const LIST_TOTAL = PER_COMMUNE * 90_000;

let stack: TestStack;
let base: string;
let operator: ApiSession, operator2: ApiSession, coordinator: ApiSession, coordinator2: ApiSession, auditor: ApiSession;

beforeAll(async () => {
  stack = await startTestStack('payment-release', { worker: false });
  base = (await stack.startApi()).url;
  [operator, operator2, coordinator, coordinator2, auditor] = await Promise.all([
    signInAs(stack.database, base, ['payment-operator']),
    signInAs(stack.database, base, ['payment-operator']),
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['auditor']),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * A cycle with PER_COMMUNE frozen households in each commune, a budget line of `budgetFcfa` on the
 * World Bank, and one list per commune built from them (a declared count of `declaredCount`).
 */
async function seedCycle(communes: Array<{ commune: string; declaredCount: number }>, budgetFcfa: number, { mobilised = true } = {}) {
  const { db } = stack.database;
  const cycleId = randomUUID();
  await db.insert(cycles).values({ id: cycleId, name: `Libération ${cycleId.slice(0, 8)}`, transferAmountFcfa: 90_000, targetHouseholds: 10, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
  await db.insert(cycleFundingSources).values({ cycleId, source: 'world-bank-af2', amountFcfa: budgetFcfa });
  if (mobilised) await mobilisedAgencyFor(stack.database, cycleId, communes.map(({ commune }) => ({ region: '1', commune })));
  await db
    .insert(paymentAgencies)
    .values({ id: AGENCY, name: 'Mobile money', kind: 'mobile-money', baseUrl: 'http://127.0.0.1:9', credentialRef: 'UNUSED', lots: [{ level: 'region' as const, region: '1' }], ratePerSecond: 10 })
    .onConflictDoNothing();
  const activities = createActivities({ database: stack.database, agencyCredentials: () => 'unused' });
  const listIds: string[] = [];
  for (const { commune, declaredCount } of communes) {
    await db.insert(beneficiaries).values(
      Array.from({ length: PER_COMMUNE }, (_, i) => ({
        cycleId,
        rsuId: `RSU-${commune}${String(i).padStart(5, '0')}`,
        regionCode: '1',
        communeCode: commune,
        village: 'Village',
        headName: 'Chef de ménage',
        phone: `+223700${commune.slice(-2)}${String(i).padStart(3, '0')}`,
        householdSize: 5,
        amountFcfa: 90_000,
        frozenAt: new Date(),
      })),
    );
    const [list] = await db
      .insert(paymentLists)
      .values({ cycleId, regionCode: '1', communeCode: commune, agencyId: AGENCY, fundingSource: 'world-bank-af2', declaredCount, declaredTotalFcfa: declaredCount * 90_000 })
      .returning();
    await activities.buildPaymentList({ listId: list!.id, batchSize: 10 });
    listIds.push(list!.id);
  }
  return { cycleId, listIds };
}

const sign = (who: ApiSession, cycleId: string, listId: string, segment: 'approve' | 'authorize' | 'release-funds') => who.call('POST', `/api/cycles/${cycleId}/payment-lists/${listId}/${segment}`);
const listRow = async (listId: string) => (await stack.database.db.select().from(paymentLists).where(eq(paymentLists.id, listId)))[0]!;
const reservations = (cycleId: string) => stack.database.db.select().from(budgetReservations).where(eq(budgetReservations.cycleId, cycleId));

describe('releasing a payment list', () => {
  it('three stages signed by distinct people release a list and reserve its total; the same person cannot sign twice', async () => {
    const { cycleId, listIds } = await seedCycle([{ commune: '10101', declaredCount: PER_COMMUNE }], 10 * LIST_TOTAL);
    const [listId] = listIds as [string];
    const before = await operator.call('GET', `/api/cycles/${cycleId}/payment-lists`);
    expect(before.status).toBe(200);
    expect(before.body.lists).toEqual([
      expect.objectContaining({ id: listId, status: 'built', builtCount: PER_COMMUNE, signaturesRequired: { approval: 1, authorisation: 1, 'finance-release': 1 }, waitingFor: 'approval', reservedFcfa: null }),
    ]);

    // Stages go in order.
    const early = await sign(coordinator, cycleId, listId, 'authorize');
    expect(early.status).toBe(409);
    expect(early.body.error.details.rule).toBe('wrong-stage');

    expect((await sign(operator, cycleId, listId, 'approve')).status).toBe(200);
    const authorised = await sign(coordinator, cycleId, listId, 'authorize');
    expect(authorised.status).toBe(200);
    expect(authorised.body.list.waitingFor).toBe('finance-release');

    // The coordinator who authorised may not also release the funds.
    const twice = await sign(coordinator, cycleId, listId, 'release-funds');
    expect(twice.status).toBe(409);
    expect(twice.body.error.details.rule).toBe('distinct-signers');
    expect(await reservations(cycleId)).toEqual([]);

    const released = await sign(coordinator2, cycleId, listId, 'release-funds');
    expect(released.status).toBe(200);
    expect(released.body.list).toMatchObject({ status: 'released', waitingFor: null, reservedFcfa: LIST_TOTAL });
    expect(released.body.list.signatures.map((s: { stage: string; signedByName: string }) => [s.stage, s.signedByName])).toEqual([
      ['approval', (operator as ApiSession & { user: { username: string } }).user.username],
      ['authorisation', (coordinator as ApiSession & { user: { username: string } }).user.username],
      ['finance-release', (coordinator2 as ApiSession & { user: { username: string } }).user.username],
    ]);
    expect((await listRow(listId)).releasedAt).not.toBeNull();
    expect(await reservations(cycleId)).toEqual([expect.objectContaining({ listId, fundingSource: 'world-bank-af2', amountFcfa: LIST_TOTAL })]);

    // A released list takes no more signatures.
    const again = await sign(operator2, cycleId, listId, 'approve');
    expect(again.status).toBe(409);
    expect(again.body.error.details.rule).toBe('already-released');

    const audit = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.targetType, 'payment-list'), eq(auditLog.targetId, listId)));
    expect(audit.map((a) => a.action).sort()).toEqual(['payments.list.approve', 'payments.list.authorize', 'payments.list.release-funds']);
    expect(audit.find((a) => a.action === 'payments.list.release-funds')?.after).toMatchObject({ released: true, reservedFcfa: LIST_TOTAL });
  });

  it('nothing is signed where no payment agency is mobilised for the commune', async () => {
    const { cycleId, listIds } = await seedCycle([{ commune: '10301', declaredCount: PER_COMMUNE }], 10 * LIST_TOTAL, { mobilised: false });
    const [listId] = listIds as [string];
    const refused = await sign(operator, cycleId, listId, 'approve');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'rule_violated', details: { rule: 'lot-not-mobilised' } });
    expect(await stack.database.db.select().from(paymentListSignatures).where(eq(paymentListSignatures.listId, listId))).toEqual([]);
    // Once its lot's agency is mobilised, the same list is signed.
    await mobilisedAgencyFor(stack.database, cycleId, [{ region: '1', commune: '10301' }]);
    expect((await sign(operator, cycleId, listId, 'approve')).status).toBe(200);
  });

  it('a list built unlike its declaration is refused with its rule, and nothing is signed', async () => {
    const { cycleId, listIds } = await seedCycle([{ commune: '10201', declaredCount: PER_COMMUNE + 1 }], 10 * LIST_TOTAL);
    const [listId] = listIds as [string];
    const refused = await sign(operator, cycleId, listId, 'approve');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'rule_violated', details: { rule: 'envelope-mismatch' } });
    expect(await stack.database.db.select().from(paymentListSignatures).where(eq(paymentListSignatures.listId, listId))).toEqual([]);
    expect((await listRow(listId)).status).toBe('declared');
  });

  it('a release that would overrun the budget line is refused, nothing is reserved and the list stays unreleased', async () => {
    // The line holds one list and a third of another.
    const { cycleId, listIds } = await seedCycle(
      [
        { commune: '10301', declaredCount: PER_COMMUNE },
        { commune: '10302', declaredCount: PER_COMMUNE },
      ],
      LIST_TOTAL + 90_000,
    );
    const [first, second] = listIds as [string, string];
    for (const listId of [first, second]) {
      expect((await sign(operator, cycleId, listId, 'approve')).status).toBe(200);
      expect((await sign(coordinator, cycleId, listId, 'authorize')).status).toBe(200);
    }
    expect((await sign(coordinator2, cycleId, first, 'release-funds')).status).toBe(200);
    const overrun = await sign(coordinator2, cycleId, second, 'release-funds');
    expect(overrun.status).toBe(409);
    expect(overrun.body.error.details.rule).toBe('budget-overrun');
    expect((await reservations(cycleId)).map((r) => r.listId)).toEqual([first]);
    expect((await listRow(second)).status).toBe('built');
    // The refused finance signature was not kept.
    const signed = await stack.database.db.select().from(paymentListSignatures).where(eq(paymentListSignatures.listId, second));
    expect(signed.map((s) => s.stage).sort()).toEqual(['approval', 'authorisation']);
  });

  it('a signer signs many lists in one request: each checked as if alone, all signed or none', async () => {
    // The line holds two lists of three.
    const { cycleId, listIds } = await seedCycle(
      ['10401', '10402', '10403'].map((commune) => ({ commune, declaredCount: PER_COMMUNE })),
      2 * LIST_TOTAL,
    );
    const signMany = (who: ApiSession, segment: 'approve' | 'authorize' | 'release-funds', ids: string[]) => who.call('POST', `/api/cycles/${cycleId}/payment-lists/${segment}`, { listIds: ids });
    const approved = await signMany(operator, 'approve', listIds);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.lists.map((l: { id: string; waitingFor: string }) => [l.id, l.waitingFor])).toEqual(listIds.map((id) => [id, 'authorisation']));
    expect((await signMany(coordinator, 'authorize', listIds)).status).toBe(200);

    // Bad requests change nothing.
    expect((await signMany(coordinator2, 'release-funds', [listIds[0]!, listIds[0]!])).status).toBe(400);
    expect((await signMany(coordinator2, 'release-funds', [])).status).toBe(400);
    expect((await signMany(operator2, 'release-funds', listIds)).status).toBe(403);
    // The third release would overrun the line: refused with its list named, and none of the three released.
    const overrun = await signMany(coordinator2, 'release-funds', listIds);
    expect(overrun.status).toBe(409);
    expect(overrun.body.error.details).toMatchObject({ rule: 'budget-overrun', listId: [...listIds].sort()[2] });
    expect(await reservations(cycleId)).toEqual([]);
    expect(await stack.database.db.select().from(paymentListSignatures).where(and(inArray(paymentListSignatures.listId, listIds), eq(paymentListSignatures.stage, 'finance-release')))).toEqual([]);

    const two = [...listIds].sort().slice(0, 2);
    const released = await signMany(coordinator2, 'release-funds', two);
    expect(released.status).toBe(200);
    expect(released.body.lists.map((l: { status: string; reservedFcfa: number }) => [l.status, l.reservedFcfa])).toEqual([
      ['released', LIST_TOTAL],
      ['released', LIST_TOTAL],
    ]);
    const audit = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.action, 'payments.list.release-funds'), inArray(auditLog.targetId, listIds)));
    expect(audit.map((a) => a.targetId).sort()).toEqual(two);
  });

  it('two finance releases at once on a line that holds one: exactly one list is reserved', async () => {
    const { cycleId, listIds } = await seedCycle(
      [
        { commune: '10501', declaredCount: PER_COMMUNE },
        { commune: '10502', declaredCount: PER_COMMUNE },
      ],
      LIST_TOTAL,
    );
    for (const listId of listIds) {
      expect((await sign(operator, cycleId, listId, 'approve')).status).toBe(200);
      expect((await sign(coordinator, cycleId, listId, 'authorize')).status).toBe(200);
    }
    const answers = await Promise.all(listIds.map((listId) => sign(coordinator2, cycleId, listId, 'release-funds')));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error.details.rule).toBe('budget-overrun');
    const reserved = await reservations(cycleId);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]!.amountFcfa).toBe(LIST_TOTAL);
  });

  it("the signatures each stage takes follow the cycle's amount bands: above the first band, two distinct approvals", async () => {
    const { cycleId, listIds } = await seedCycle([{ commune: '10601', declaredCount: PER_COMMUNE }], 10 * LIST_TOTAL);
    const [listId] = listIds as [string];
    const releaseSignatureBands = [
      { upToFcfa: 100_000, signatures: { approval: 1, authorisation: 1, 'finance-release': 1 } },
      { upToFcfa: null, signatures: { approval: 2, authorisation: 1, 'finance-release': 1 } },
    ];
    await stack.database.db.update(cycles).set({ settings: { releaseSignatureBands } }).where(eq(cycles.id, cycleId));
    const first = await sign(operator, cycleId, listId, 'approve');
    expect(first.body.list).toMatchObject({ signaturesRequired: { approval: 2, authorisation: 1, 'finance-release': 1 }, waitingFor: 'approval' });
    expect((await sign(coordinator, cycleId, listId, 'authorize')).body.error.details.rule).toBe('wrong-stage');
    expect((await sign(operator, cycleId, listId, 'approve')).body.error.details.rule).toBe('distinct-signers');
    expect((await sign(operator2, cycleId, listId, 'approve')).body.list.waitingFor).toBe('authorisation');
  });

  it('a coordinator sets the bands when creating a cycle; bands that do not rise or end bounded are refused with 400', async () => {
    const one = { approval: 1, authorisation: 1, 'finance-release': 1 };
    const bad = await coordinator.call('POST', '/api/cycles', { ...demoCycleInput(), settings: { releaseSignatureBands: [{ upToFcfa: 1_000_000, signatures: one }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const bands = [
      { upToFcfa: 1_000_000, signatures: one },
      { upToFcfa: null, signatures: { ...one, authorisation: 3 } },
    ];
    const created = await coordinator.call('POST', '/api/cycles', { ...demoCycleInput(), settings: { releaseSignatureBands: bands } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const [row] = await stack.database.db.select({ settings: cycles.settings }).from(cycles).where(eq(cycles.id, created.body.cycle.id));
    expect(row?.settings.releaseSignatureBands).toEqual(bands);
  });

  it('a cancelled cycle releases nothing', async () => {
    const { cycleId, listIds } = await seedCycle([{ commune: '10701', declaredCount: PER_COMMUNE }], 10 * LIST_TOTAL);
    await stack.database.db.update(cycles).set({ status: 'cancelled' }).where(eq(cycles.id, cycleId));
    const refused = await sign(operator, cycleId, listIds[0]!, 'approve');
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.rule).toBe('cycle-cancelled');
  });

  it('each stage takes its own role', async () => {
    const { cycleId, listIds } = await seedCycle([{ commune: '10401', declaredCount: PER_COMMUNE }], 10 * LIST_TOTAL);
    const [listId] = listIds as [string];
    expect((await sign(auditor, cycleId, listId, 'approve')).status).toBe(403);
    expect((await sign(coordinator, cycleId, listId, 'approve')).status).toBe(403);
    expect((await sign(operator, cycleId, listId, 'authorize')).status).toBe(403);
    expect((await sign(operator, cycleId, listId, 'release-funds')).status).toBe(403);
    expect((await auditor.call('GET', `/api/cycles/${cycleId}/payment-lists`)).status).toBe(200);
    expect(await stack.database.db.select().from(paymentListSignatures).where(eq(paymentListSignatures.listId, listId))).toEqual([]);
  });
});
