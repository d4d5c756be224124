import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycles, paymentAgencies, paymentLists, payments } from '../../db/schema';
import type { PaymentStatus } from '../../domain/payments';
import type { ApiSession } from '../../scripts/api-session';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let operator: ApiSession;
let moptiFocal: ApiSession;
let procurement: ApiSession;
const cycleId = randomUUID();

/** Six payments: two failed (Kayes invalid account, Mopti daily limit), two being retried, two settled. */
const PAYMENTS: Array<{ rsu: number; commune: string; status: PaymentStatus; attempts: number; reason?: 'invalid-account' | 'daily-limit'; lastError?: string }> = [
  { rsu: 1, commune: 'KAY-001', status: 'failed', attempts: 1, reason: 'invalid-account', lastError: 'unknown wallet' },
  { rsu: 2, commune: 'MOP-001', status: 'failed', attempts: 2, reason: 'daily-limit', lastError: 'daily limit reached' },
  { rsu: 3, commune: 'KAY-001', status: 'ambiguous', attempts: 1, lastError: 'timeout after 10 s' },
  { rsu: 4, commune: 'MOP-001', status: 'submitted', attempts: 3, lastError: 'HTTP 503' },
  { rsu: 5, commune: 'KAY-001', status: 'confirmed', attempts: 1 },
  { rsu: 6, commune: 'KAY-001', status: 'pending', attempts: 0 },
];
const rsu = (n: number) => `RSU-${String(n).padStart(10, '0')}`;

beforeAll(async () => {
  stack = await startTestStack('payments_queue', { worker: false });
  const base = (await stack.startApi()).url;
  const { db } = stack.database;
  await db.insert(cycles).values({ id: cycleId, name: `Paiements ${cycleId.slice(0, 8)}`, transferAmountFcfa: 90_000, targetHouseholds: 6, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
  await db.insert(paymentAgencies).values({ id: 'om-test', name: 'Orange Money (test)', kind: 'mobile-money', baseUrl: 'http://127.0.0.1:1', credentialRef: 'UNUSED', lots: [], ratePerSecond: 10 });
  for (const commune of ['KAY-001', 'MOP-001']) {
    const rows = PAYMENTS.filter((p) => p.commune === commune);
    const [list] = await db
      .insert(paymentLists)
      .values({ cycleId, regionCode: commune.slice(0, 3), communeCode: commune, agencyId: 'om-test', fundingSource: 'world-bank-af2', declaredCount: rows.length, declaredTotalFcfa: rows.length * 90_000 })
      .returning();
    await db.insert(payments).values(
      rows.map((p) => ({
        cycleId,
        rsuId: rsu(p.rsu),
        listId: list!.id,
        batchNo: 1,
        regionCode: commune.slice(0, 3),
        communeCode: commune,
        agencyId: 'om-test',
        fundingSource: 'world-bank-af2' as const,
        amountFcfa: 90_000,
        phone: `+2237600000${p.rsu}`,
        status: p.status,
        idempotencyKey: `jigi-${cycleId}-${rsu(p.rsu)}-t1-g0`,
        attempts: p.attempts,
        failureReason: p.reason ?? null,
        lastError: p.lastError ?? null,
      })),
    );
  }
  [operator, moptiFocal, procurement] = await Promise.all([
    signInAs(stack.database, base, ['payment-operator']),
    signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'MOP' }),
    signInAs(stack.database, base, ['procurement-officer']),
  ]);
});
afterAll(() => stack?.stop());

const queue = (session: ApiSession, query = '') => session.call('GET', `/api/cycles/${cycleId}/payments${query ? `?${query}` : ''}`);
const ids = (body: { payments: Array<{ rsuId: string }> }) => body.payments.map((p) => p.rsuId);

describe('the operators’ payments queue', () => {
  it('lists failed payments with their reason, masked phones, and filters by area, agency and reason', async () => {
    const failed = await queue(operator);
    expect(failed.status).toBe(200);
    expect(ids(failed.body)).toEqual([rsu(1), rsu(2)]);
    expect(failed.body.payments[0]).toMatchObject({ failureReason: 'invalid-account', lastError: 'unknown wallet', agencyName: 'Orange Money (test)', amountFcfa: 90_000, phone: '•••• 0001' });
    expect(ids((await queue(operator, 'reason=daily-limit')).body)).toEqual([rsu(2)]);
    expect(ids((await queue(operator, 'region=KAY')).body)).toEqual([rsu(1)]);
    expect(ids((await queue(operator, 'commune=MOP-001')).body)).toEqual([rsu(2)]);
    expect(ids((await queue(operator, 'agency=other')).body)).toEqual([]);
  });

  it('shows the payments still being retried, with their attempts and last error', async () => {
    const retrying = await queue(operator, 'queue=retrying');
    expect(retrying.body.payments.map((p: { rsuId: string; attempts: number; lastError: string }) => [p.rsuId, p.attempts, p.lastError])).toEqual([
      [rsu(3), 1, 'timeout after 10 s'],
      [rsu(4), 3, 'HTTP 503'],
    ]);
  });

  it('pages by the last id seen', async () => {
    const first = await queue(operator, 'limit=1');
    expect(ids(first.body)).toEqual([rsu(1)]);
    const second = await queue(operator, `limit=1&after=${first.body.nextAfter}`);
    expect(ids(second.body)).toEqual([rsu(2)]);
    expect(second.body.nextAfter).toBeNull();
  });

  it('keeps a regional focal point to their region, refuses roles without payments, and refuses a bad query', async () => {
    expect(ids((await queue(moptiFocal)).body)).toEqual([rsu(2)]);
    expect(ids((await queue(moptiFocal, 'queue=retrying')).body)).toEqual([rsu(4)]);
    expect((await queue(procurement)).status).toBe(403);
    for (const bad of ['reason=lost', 'region=kayes', 'limit=0', 'queue=all', 'extra=1']) expect((await queue(operator, bad)).status, bad).toBe(400);
    expect((await operator.call('GET', `/api/cycles/${randomUUID()}/payments`)).status).toBe(404);
  });
});
