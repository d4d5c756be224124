// Grievance figures against a known set of cases, computed by hand: cases by category and region, median
// time to decide, share decided within the deadline (never escalated), per cycle, and a regional reader
// seeing only their region; sensitive cases only for who may read them; linked duplicates never counted.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycles, grievanceCases } from '../../db/schema';
import type { ApiSession } from '../../scripts/api-session';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let national: ApiSession, kayes: ApiSession, focal: ApiSession;
const cycleA = randomUUID();
const cycleB = randomUUID();
const HOUR = 3_600_000;
const t0 = new Date('2021-06-01T08:00:00Z').getTime();

type Row = typeof grievanceCases.$inferInsert;
function row(n: number, over: Partial<Row>): Row {
  return {
    reference: `PL-FIG-${String(n).padStart(4, '0')}`,
    category: 'non-payment',
    region: 'KAY',
    commune: 'KAY-001',
    channel: 'console',
    filedBy: 'test',
    createdAt: new Date(t0),
    ...over,
  };
}

beforeAll(async () => {
  stack = await startTestStack('grievance-figures', { worker: false });
  const base = (await stack.startApi()).url;
  const { db } = stack.database;
  for (const [id, name] of [
    [cycleA, 'Cycle A'],
    [cycleB, 'Cycle B'],
  ] as const) {
    await db.insert(cycles).values({ id, name, transferAmountFcfa: 90_000, targetHouseholds: 10, workflowId: `cycle:${id}`, createdBy: 'test' });
  }
  await db.insert(grievanceCases).values([
    // Cycle A, Kayes: decided in 2 h and 6 h at commune level (within), 10 h after escalating to the region (not within).
    row(1, { cycleId: cycleA, status: 'resolved', decidedAt: new Date(t0 + 2 * HOUR) }),
    row(2, { cycleId: cycleA, status: 'rejected', category: 'exclusion', decidedAt: new Date(t0 + 6 * HOUR) }),
    row(3, { cycleId: cycleA, status: 'resolved', level: 'region', decidedAt: new Date(t0 + 10 * HOUR) }),
    // Cycle A, Mopti: one open, escalated (late), one open on time.
    row(4, { cycleId: cycleA, region: 'MOP', commune: 'MOP-001', status: 'under-investigation', level: 'region' }),
    row(5, { cycleId: cycleA, region: 'MOP', commune: 'MOP-001', status: 'received' }),
    // Cycle B, Kayes: a fraud case decided in 4 h (sensitive), and a duplicate linked to case 1 (never counted).
    row(6, { cycleId: cycleB, category: 'fraud', status: 'resolved', decidedAt: new Date(t0 + 4 * HOUR) }),
    row(7, { cycleId: cycleA, status: 'closed', linkedTo: 'PL-FIG-0001' }),
  ]);
  [national, kayes, focal] = await Promise.all([
    signInAs(stack.database, base, ['grievance-officer']),
    signInAs(stack.database, base, ['grievance-officer'], { level: 'region', region: 'KAY' }),
    signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'KAY' }),
  ]);
});
afterAll(() => stack?.stop());

const figures = async (who: ApiSession, cycleId?: string) => {
  const answer = await who.call('GET', `/api/grievances/figures${cycleId ? `?cycleId=${cycleId}` : ''}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};

describe('grievance figures', () => {
  it('the whole program: by category and region, median hours to decide, share within the deadline, per cycle', async () => {
    const f = await figures(national);
    expect(f.total).toBe(6);
    const byCategory = [
      { category: 'non-payment', cases: 4, open: 2 },
      { category: 'exclusion', cases: 1, open: 0 },
      { category: 'fraud', cases: 1, open: 0 },
    ];
    expect(f.byCategory).toHaveLength(byCategory.length);
    expect(f.byCategory).toEqual(expect.arrayContaining(byCategory));
    expect(f.byRegion).toEqual([
      { region: 'KAY', cases: 4, open: 0, late: 0 },
      { region: 'MOP', cases: 2, open: 2, late: 1 },
    ]);
    // Decided: 2 h, 6 h, 10 h, 4 h → median 5 h; within the deadline 3 of 4.
    expect(f).toMatchObject({ decided: 4, medianHoursToDecide: 5, withinDeadlineShare: 0.75 });
    const byCycle = Object.fromEntries(f.byCycle.map((c: { cycleId: string }) => [c.cycleId, c]));
    expect(byCycle[cycleA]).toEqual({ cycleId: cycleA, cases: 5, decided: 3, medianHoursToDecide: 6, withinDeadlineShare: 0.67 });
    expect(byCycle[cycleB]).toEqual({ cycleId: cycleB, cases: 1, decided: 1, medianHoursToDecide: 4, withinDeadlineShare: 1 });
  });

  it('one cycle only', async () => {
    const f = await figures(national, cycleB);
    expect(f).toMatchObject({ total: 1, decided: 1, medianHoursToDecide: 4, byCategory: [{ category: 'fraud', cases: 1, open: 0 }] });
  });

  it("a regional reader sees their region's cases only, and a focal point no fraud", async () => {
    expect(await figures(kayes)).toMatchObject({ total: 4, decided: 4, byRegion: [{ region: 'KAY', cases: 4 }] });
    const f = await figures(focal);
    expect(f.total).toBe(3);
    expect(f.byCategory.map((c: { category: string }) => c.category)).not.toContain('fraud');
    // 2 h, 6 h, 10 h → median 6 h; within 2 of 3.
    expect(f).toMatchObject({ decided: 3, medianHoursToDecide: 6, withinDeadlineShare: 0.67 });
  });
});
