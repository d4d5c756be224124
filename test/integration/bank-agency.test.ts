import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BankAgency } from '../../activities/adapters/bank';
import { BANK_PATHS } from '../../activities/adapters/bank-api';
import { parseCamt053 } from '../../activities/adapters/camt053';
import type { AgencyStatementLine, PaymentOrder } from '../../activities/ports/payment-agency';
import { NO_FAULTS } from '../../scripts/provider-sim/server';
import { startSimProcess, type SimProcess } from '../support/provider-sim';

let dir: string;
let sim: SimProcess;
let run = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jigi-bank-'));
  sim = await startSimProcess({ ledgerFile: join(dir, 'agency.jsonl') });
});
afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  run += 1;
  await sim.setFaults(NO_FAULTS);
});

const bank = (timeoutMs = 2_000) => new BankAgency({ baseUrl: sim.url, credential: `program-account-${run}`, ratePerSecond: 200, timeoutMs });
const order = (n: number, account = `2237${String(n).padStart(7, '0')}1`): PaymentOrder => ({ idempotencyKey: `bank-test-${run}-${n}`, amountFcfa: 90_000 + n, phone: `+${account}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function statement(after?: string): Promise<AgencyStatementLine[]> {
  const lines: AgencyStatementLine[] = [];
  for await (const line of bank().statement(after)) lines.push(line);
  return lines;
}

describe('bank agency through the simulator', () => {
  it('a batch is accepted at once and booked later: submitted, then confirmed by its key, then on the camt.053 statement once', async () => {
    await sim.setFaults({ settleDelayMs: 300, invalidAccountSuffixes: ['99'] });
    const orders = [order(1), order(2, '22370000299'), order(3)];
    const answers = await bank().submitBulk(orders);
    expect(orders.map((o) => answers.get(o.idempotencyKey)!.kind)).toEqual(['submitted', 'failed', 'submitted']);
    expect(answers.get(orders[1]!.idempotencyKey)).toMatchObject({ reason: 'invalid-account' });
    expect(await bank().status(orders[0]!.idempotencyKey)).toMatchObject({ kind: 'submitted' });
    expect((await statement()).filter((l) => l.idempotencyKey.startsWith(`bank-test-${run}-`))).toEqual([]);

    await sleep(350);
    const settled = await bank().status(orders[0]!.idempotencyKey);
    expect(settled).toMatchObject({ kind: 'confirmed', reference: expect.stringMatching(/^BNK\d{10}$/) });
    // Sent again (a retried activity): the bank keeps each payment once by its key.
    const again = await bank().submitBulk(orders);
    expect(orders.map((o) => again.get(o.idempotencyKey)!.kind)).toEqual(['confirmed', 'failed', 'confirmed']);

    const mine = (await statement()).filter((l) => l.idempotencyKey.startsWith(`bank-test-${run}-`));
    expect(mine.map((l) => [l.idempotencyKey, l.amountFcfa, l.reversal])).toEqual([
      [orders[0]!.idempotencyKey, 90_001, false],
      [orders[2]!.idempotencyKey, 90_003, false],
    ]);
    expect(mine[0]!.reference).toBe((settled as { reference: string }).reference);
    expect(mine[0]!.paidAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('the statement is a camt.053 file: debits with the key as remittance and its EndToEndId, booking date, and a reversal on demand as a credit', async () => {
    const paid = order(10);
    expect(await bank().submit(paid)).toMatchObject({ kind: 'confirmed' });
    await sim.setFaults({ reversedKeys: [paid.idempotencyKey] });
    // Booked then reversed is still paid for the ledger: reconciliation lists the reversal.
    expect(await bank().status(paid.idempotencyKey)).toMatchObject({ kind: 'confirmed' });

    const response = await fetch(`${sim.url}${BANK_PATHS.statement}?after=0`, { headers: { authorization: 'Bearer auditor' } });
    expect(response.headers.get('content-type')).toBe('application/xml');
    const xml = await response.text();
    expect(xml).toContain('urn:iso:std:iso:20022:tech:xsd:camt.053.001.08');
    const entries = parseCamt053(xml).flatMap((s) => s.entries).filter((e) => e.remittance === paid.idempotencyKey);
    expect(entries.map((e) => [e.creditDebit, e.reversal, e.amount, e.status])).toEqual([
      ['DBIT', false, 90_010, 'BOOK'],
      ['CRDT', true, 90_010, 'BOOK'],
    ]);
    expect(entries[0]!.endToEndId).toHaveLength(35);

    const lines = (await statement()).filter((l) => l.idempotencyKey === paid.idempotencyKey);
    expect(lines.map((l) => l.reversal)).toEqual([false, true]);
    // Read from a cursor, only what came after it.
    expect((await statement(lines[0]!.cursor)).map((l) => l.cursor)).not.toContain(lines[0]!.cursor);
  });

  it('a batch committed but never answered is ambiguous; its key then says what the bank did, and sending it again books nothing more', async () => {
    await sim.setFaults({ timeoutAfterCommitRate: 1, hangMs: 50 });
    const lost = [order(20), order(21)];
    const answers = await bank().submitBulk(lost);
    expect([...answers.values()].map((a) => a.kind)).toEqual(['ambiguous', 'ambiguous']);
    await sim.setFaults({ timeoutAfterCommitRate: 0 });
    expect(await bank().status(lost[0]!.idempotencyKey)).toMatchObject({ kind: 'confirmed' });
    await bank().submitBulk(lost);
    expect((await statement()).filter((l) => l.idempotencyKey === lost[0]!.idempotencyKey)).toHaveLength(1);
    expect(await bank().status(order(22).idempotencyKey)).toEqual({ kind: 'not-found' });
  });

  it('killed and restarted on its books, the bank remembers every payment and its statement is unchanged', async () => {
    expect(await bank().submit(order(30))).toMatchObject({ kind: 'confirmed' });
    const before = await statement();
    await sim.kill();
    await sim.restart();
    expect(await statement()).toEqual(before);
    expect(await bank().submit(order(30))).toMatchObject({ kind: 'confirmed' });
    expect(await statement()).toHaveLength(before.length);
  });
});
