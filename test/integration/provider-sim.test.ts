import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MobileMoneyAgency } from '../../activities/adapters/mobile-money';
import type { AgencyStatementLine, PaymentOrder } from '../../activities/ports/payment-agency';
import { NO_FAULTS } from '../../scripts/provider-sim/server';
import { startSimProcess, type SimProcess } from '../support/provider-sim';

let dir: string;
let sim: SimProcess;
let run = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jigi-sim-'));
  sim = await startSimProcess({ ledgerFile: join(dir, 'ledger.jsonl') });
});
afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  run += 1;
  await sim.setFaults(NO_FAULTS);
});

const agency = (ratePerSecond = 200, timeoutMs = 2_000) => new MobileMoneyAgency({ baseUrl: sim.url, credential: `jigi-${run}`, ratePerSecond, timeoutMs });
const order = (n: number, phone = `+2237000${String(n).padStart(4, '0')}`): PaymentOrder => ({ idempotencyKey: `test-${run}-${n}`, amountFcfa: 90_000, phone });

async function statement(): Promise<AgencyStatementLine[]> {
  const lines: AgencyStatementLine[] = [];
  for await (const line of agency().statement()) lines.push(line);
  return lines;
}
const paidUnder = async (key: string) => (await statement()).filter((l) => l.idempotencyKey === key);

describe('payment-agency simulator', () => {
  it('the same idempotency key sent twenty times at once pays the household once, under one reference', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => agency().submit(order(1))));
    const references = new Set(answers.map((a) => (a.kind === 'confirmed' ? a.reference : a.kind)));
    expect(references.size).toBe(1);
    expect(answers[0]!.kind).toBe('confirmed');
    expect(await paidUnder(order(1).idempotencyKey)).toHaveLength(1);
  });

  it('an invalid account is refused with its reason and paid nothing; the same key asked again says the same', async () => {
    await sim.setFaults({ invalidAccountSuffixes: ['99'] });
    const refused = order(2, '+22370001299');
    expect(await agency().submit(refused)).toMatchObject({ kind: 'failed', reason: 'invalid-account' });
    expect(await agency().status(refused.idempotencyKey)).toMatchObject({ kind: 'failed', reason: 'invalid-account' });
    expect(await agency().submit(order(3))).toMatchObject({ kind: 'confirmed' });
    expect(await paidUnder(refused.idempotencyKey)).toHaveLength(0);
  });

  it('a transfer committed but never answered is ambiguous; its status by the same key says it is paid, and a resubmission pays nothing more', async () => {
    await sim.setFaults({ timeoutAfterCommitRate: 1, hangMs: 50 });
    const lost = order(4);
    expect((await agency().submit(lost)).kind).toBe('ambiguous');
    await sim.setFaults({ timeoutAfterCommitRate: 0 });
    expect(await agency().status(lost.idempotencyKey)).toMatchObject({ kind: 'confirmed' });
    expect((await agency().submit(lost)).kind).toBe('confirmed');
    expect(await paidUnder(lost.idempotencyKey)).toHaveLength(1);
  });

  it('a 5xx before committing is ambiguous too, and the status then says the agency never got it', async () => {
    await sim.setFaults({ errorRate: 1 });
    const failed = order(5);
    expect((await agency().submit(failed)).kind).toBe('ambiguous');
    expect((await agency().status(failed.idempotencyKey)).kind).toBe('unreachable');
    await sim.setFaults({ errorRate: 0 });
    expect((await agency().status(failed.idempotencyKey)).kind).toBe('not-found');
  });

  it('a downtime window answers 503 to everything until it ends', async () => {
    const now = Date.now();
    await sim.setFaults({ downtime: [{ from: new Date(now - 1_000).toISOString(), to: new Date(now + 60_000).toISOString() }] });
    expect((await agency().submit(order(6))).kind).toBe('ambiguous');
    await sim.setFaults({ downtime: [] });
    expect((await agency().submit(order(6))).kind).toBe('confirmed');
  });

  it('past the daily limit a transfer is refused with the reason daily-limit', async () => {
    await sim.setFaults({ dailyLimitFcfa: 180_000 });
    const client = agency();
    expect((await client.submit(order(7))).kind).toBe('confirmed');
    expect((await client.submit(order(8))).kind).toBe('confirmed');
    expect(await client.submit(order(9))).toMatchObject({ kind: 'failed', reason: 'daily-limit' });
  });

  it('a caller over the credential rate gets 429; the adapter at the agency rate never does and still uses it', async () => {
    await sim.setFaults({ ratePerSecond: 20 });
    const greedy = agency(1_000);
    const greedyAnswers = await Promise.all(Array.from({ length: 40 }, (_, i) => greedy.submit(order(100 + i))));
    expect(greedyAnswers.some((a) => a.kind === 'transient')).toBe(true);

    run += 1; // a fresh credential, so a fresh bucket at the agency
    const polite = agency(19);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => polite.submit(order(200 + i))));
    const seconds = (performance.now() - started) / 1000;
    expect(answers.filter((a) => a.kind !== 'confirmed')).toEqual([]);
    // 60 requests, the first 19 in the burst: at least 90% of the allowed 20 a second afterwards.
    expect(41 / seconds).toBeGreaterThanOrEqual(18);
  });

  it('the bulk endpoint answers each transfer on its own: one invalid account does not refuse the rest', async () => {
    await sim.setFaults({ invalidAccountSuffixes: ['77'] });
    const orders = [order(300), order(301, '+22370000377'), order(302)];
    const answers = await agency().submitBulk(orders);
    expect([...orders.map((o) => answers.get(o.idempotencyKey)!.kind)]).toEqual(['confirmed', 'failed', 'confirmed']);
    const again = await agency().submitBulk(orders);
    expect(again.get(orders[0]!.idempotencyKey)).toEqual(answers.get(orders[0]!.idempotencyKey));
    expect(await paidUnder(orders[0]!.idempotencyKey)).toHaveLength(1);
  });

  it('a bulk request carrying a key set to hang is committed whole and left unanswered, once: the next request under it is answered', async () => {
    const orders = [order(310), order(311), order(312)];
    await sim.setFaults({ hangAfterCommitKeys: [orders[1]!.idempotencyKey, 'not-sent'] });
    const lost = await agency().submitBulk(orders);
    expect(orders.map((o) => lost.get(o.idempotencyKey)!.kind)).toEqual(['ambiguous', 'ambiguous', 'ambiguous']);
    expect(await sim.setFaults({})).toMatchObject({ hangAfterCommitKeys: ['not-sent'] });
    for (const o of orders) expect(await paidUnder(o.idempotencyKey)).toHaveLength(1);
    const again = await agency().submitBulk(orders);
    expect(orders.map((o) => again.get(o.idempotencyKey)!.kind)).toEqual(['confirmed', 'confirmed', 'confirmed']);
    const single = order(313);
    await sim.setFaults({ hangAfterCommitKeys: [single.idempotencyKey] });
    expect((await agency().submit(single)).kind).toBe('ambiguous');
    expect((await agency().submit(single)).kind).toBe('confirmed');
    expect(await paidUnder(single.idempotencyKey)).toHaveLength(1);
  });

  it('killed and restarted on its ledger file, it remembers every transfer: a resubmission pays nothing more', async () => {
    const before = await agency().submit(order(400));
    expect(before.kind).toBe('confirmed');
    const paidBefore = (await statement()).length;
    await sim.kill();
    await sim.restart();
    expect(await agency().submit(order(400))).toEqual(before);
    expect(await statement()).toHaveLength(paidBefore);
  });
});
