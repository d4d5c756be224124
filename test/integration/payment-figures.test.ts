import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/realtime/contract';
import { refreshPaymentFigures } from '../../db/payment-figures';
import { budgetReservations, cycleFundingSources, cycles, paymentAgencies, paymentLists, payments } from '../../db/schema';
import type { PaymentFigures } from '../../domain/payment-figures';
import { PAYMENTS_CHANNEL, type PaymentStatus } from '../../domain/payments';
import type { ApiSession } from '../../scripts/api-session';
import { payableCycle, startPaymentRun, WORKER_AGENCY_ENV } from '../support/payment-run';
import { startSimProcess, type SimProcess } from '../support/provider-sim';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';
import { killProcess, startWorkerProcess } from '../support/worker-process';

type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let stack: TestStack;
let base: string;
let sim: SimProcess;
let worker: ChildProcess | null = null;
let coordinator: ApiSession;
let moptiFocal: ApiSession;
let signers: ApiSession[] = [];
const sockets: ConsoleSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack('payment_figures', { worker: false });
  base = (await stack.startApi()).url;
  sim = await startSimProcess({ faults: { invalidAccountSuffixes: ['99'], latencyMs: 2, latencyJitterMs: 3 } });
  worker = await startWorkerProcess(stack, WORKER_AGENCY_ENV);
  [coordinator, moptiFocal, ...signers] = await Promise.all([
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'MOP' }),
    signInAs(stack.database, base, ['payment-operator']),
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['coordinator']),
  ]);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  if (worker) await killProcess(worker);
  await sim?.stop();
  await stack?.stop();
});

const figuresOf = async (session: ApiSession, cycleId: string) => {
  const answer = await session.call('GET', `/api/cycles/${cycleId}/payments/figures`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.figures as PaymentFigures;
};

async function openSocket(session: ApiSession, cycleId: string): Promise<ConsoleSocket> {
  const socket: ConsoleSocket = connect(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: session.cookie } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const joined = await socket.timeout(5_000).emitWithAck('payments:watch', cycleId);
  expect(joined).toEqual({ ok: true });
  return socket;
}

describe('payment figures', () => {
  /**
   * By hand: Kayes (KAY-001, agency A, world bank), 3 batches: 4 confirmed, 1 credited, 2 failed,
   * 1 pending, 1 submitted, 1 ambiguous, 1 cancelled; Mopti (MOP-001, agency B, AFD): 3 confirmed,
   * 1 failed, 2 pending. Amounts: Kayes 50,000 each, Mopti 90,000 each.
   */
  const KAYES: PaymentStatus[] = ['confirmed', 'confirmed', 'failed', 'pending', 'confirmed', 'credited', 'submitted', 'ambiguous', 'confirmed', 'failed', 'cancelled'];
  const MOPTI: PaymentStatus[] = ['confirmed', 'confirmed', 'failed', 'pending', 'pending', 'confirmed'];
  let cycleId: string;
  let kayesList: string;

  beforeAll(async () => {
    const { db } = stack.database;
    cycleId = randomUUID();
    await db.insert(cycles).values({ id: cycleId, name: 'Chiffres', transferAmountFcfa: 90_000, targetHouseholds: 17, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
    await db.insert(paymentAgencies).values([
      { id: 'fig-a', name: 'Agence A', kind: 'mobile-money', baseUrl: 'http://127.0.0.1:1', credentialRef: 'UNUSED', lots: [], ratePerSecond: 10 },
      { id: 'fig-b', name: 'Agence B', kind: 'mobile-money', baseUrl: 'http://127.0.0.1:1', credentialRef: 'UNUSED', lots: [], ratePerSecond: 10 },
    ]);
    await db.insert(cycleFundingSources).values([
      { cycleId, source: 'world-bank-af2', amountFcfa: 1_000_000 },
      { cycleId, source: 'afd', amountFcfa: 900_000 },
    ]);
    let n = 0;
    for (const [commune, agencyId, source, amount, statuses] of [
      ['KAY-001', 'fig-a', 'world-bank-af2', 50_000, KAYES],
      ['MOP-001', 'fig-b', 'afd', 90_000, MOPTI],
    ] as const) {
      const [list] = await db
        .insert(paymentLists)
        .values({ cycleId, regionCode: commune.slice(0, 3), communeCode: commune, agencyId, fundingSource: source, declaredCount: statuses.length, declaredTotalFcfa: statuses.length * amount, status: 'released' })
        .returning();
      if (commune === 'KAY-001') kayesList = list!.id;
      await db.insert(budgetReservations).values({ listId: list!.id, cycleId, fundingSource: source, amountFcfa: statuses.length * amount });
      await db.insert(payments).values(
        statuses.map((status, i) => {
          n += 1;
          const rsuId = `RSU-FIG-${String(n).padStart(4, '0')}`;
          return { cycleId, rsuId, listId: list!.id, batchNo: Math.floor(i / 4), regionCode: commune.slice(0, 3), communeCode: commune, agencyId, fundingSource: source, amountFcfa: amount, phone: '+22370000001', status, idempotencyKey: `jigi-${cycleId}-${rsuId}-t1-g0` };
        }),
      );
      await refreshPaymentFigures(stack.database.sql, list!.id, [0, 1, 2]);
    }
  });

  it('are exact against figures counted by hand, per region, agency and funding source, with the execution rate', async () => {
    const f = await figuresOf(coordinator, cycleId);
    expect(f.totals).toEqual({
      payments: 17,
      amountFcfa: 11 * 50_000 + 6 * 90_000,
      paid: 5 + 3,
      paidFcfa: 5 * 50_000 + 3 * 90_000,
      failed: 2 + 1,
      failedFcfa: 2 * 50_000 + 90_000,
      inFlight: 3 + 2,
      inFlightFcfa: 3 * 50_000 + 2 * 90_000,
      cancelled: 1,
      cancelledFcfa: 50_000,
    });
    expect(f.budgetFcfa).toBe(1_900_000);
    expect(f.executionRate).toBeCloseTo(520_000 / 1_900_000, 10);
    expect(f.byRegion.map((r) => [r.key, r.paid, r.failed, r.inFlight, r.cancelled, r.paidFcfa])).toEqual([
      ['KAY', 5, 2, 3, 1, 250_000],
      ['MOP', 3, 1, 2, 0, 270_000],
    ]);
    expect(f.byAgency.map((r) => [r.key, r.name, r.payments])).toEqual([
      ['fig-a', 'Agence A', 11],
      ['fig-b', 'Agence B', 6],
    ]);
    const bySource = Object.fromEntries(f.byFundingSource.map((s) => [s.key, [s.paidFcfa, s.budgetFcfa, s.reservedFcfa, s.executionRate]]));
    expect(bySource).toEqual({ 'world-bank-af2': [250_000, 1_000_000, 550_000, 0.25], afd: [270_000, 900_000, 540_000, 0.3] });
  });

  it('a regional focal point sees their region only, measured against what its lists reserved', async () => {
    const f = await figuresOf(moptiFocal, cycleId);
    expect(f.area).toEqual({ level: 'region', region: 'MOP' });
    expect(f.totals).toMatchObject({ payments: 6, paid: 3, failed: 1, inFlight: 2, paidFcfa: 270_000 });
    expect(f.byRegion.map((r) => r.key)).toEqual(['MOP']);
    expect(f.byAgency.map((r) => r.key)).toEqual(['fig-b']);
    expect(f.budgetFcfa).toBeNull();
    expect(f.executionRate).toBeCloseTo(270_000 / 540_000, 10);
    expect(f.byFundingSource.map((s) => s.key)).toEqual(['afd']);
  });

  it('stay exact when payments change and their batch is refreshed, also inside the writer’s transaction', async () => {
    const { sql } = stack.database;
    await sql.begin(async (tx) => {
      await tx`update payments set status = 'confirmed' where list_id = ${kayesList} and status in ('pending', 'submitted', 'ambiguous')`;
      await tx`update payments set status = 'pending', generation = 1, idempotency_key = regexp_replace(idempotency_key, '-g0$', '-g1') where list_id = ${kayesList} and batch_no = 2 and status = 'failed'`;
      await refreshPaymentFigures(tx, kayesList, [0, 1, 2]);
    });
    const f = await figuresOf(coordinator, cycleId);
    expect(f.byRegion[0]).toMatchObject({ key: 'KAY', paid: 8, failed: 1, inFlight: 1, cancelled: 1, payments: 11 });
    expect(f.totals).toMatchObject({ paid: 11, failed: 2, inFlight: 3, payments: 17 });
  });

  it('an unknown or malformed cycle is a 404, and people without the payments permission are refused', async () => {
    expect((await coordinator.call('GET', `/api/cycles/${randomUUID()}/payments/figures`)).status).toBe(404);
    expect((await coordinator.call('GET', '/api/cycles/nope/payments/figures')).status).toBe(404);
    const procurement = await signInAs(stack.database, base, ['procurement-officer']);
    expect((await procurement.call('GET', `/api/cycles/${cycleId}/payments/figures`)).status).toBe(403);
  });
});

describe('streamed figures during a run', () => {
  it('a run of many batches sends far fewer events than batches, at least one a second while it moves, each area its own', { timeout: 120_000 }, async () => {
    const communes = [
      { region: 'KAY', commune: 'KAY-002' },
      { region: 'MOP', commune: 'MOP-002' },
    ];
    const { cycleId, lists, households } = await payableCycle(stack, { communes, perCommune: 150, agencyId: 'fig-run', agencyUrl: sim.url, ratePerSecond: 100, batchSize: 2, invalidEvery: 10, signers });
    const batches = lists.reduce((s, l) => s + l.batches, 0);
    const national = await openSocket(coordinator, cycleId);
    const mopti = await openSocket(moptiFocal, cycleId);
    const events: Array<{ at: number; figures: PaymentFigures }> = [];
    const moptiEvents: PaymentFigures[] = [];
    national.on('payments:figures', (figures) => events.push({ at: Date.now(), figures }));
    mopti.on('payments:figures', (figures) => moptiEvents.push(figures));
    let notices = 0;
    const listener = await stack.database.sql.listen(PAYMENTS_CHANNEL, (payload) => {
      if ((JSON.parse(payload) as { cycleId: string }).cycleId === cycleId) notices += 1;
    });
    const handle = await startPaymentRun(stack, cycleId, 'fig-run', lists, 4);
    await handle.result();
    // The last batch's figures arrive within half a second.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await listener.unlisten();

    expect(notices).toBeGreaterThanOrEqual(batches);
    const moving = events.filter((e) => e.figures.totals.inFlight > 0);
    const seconds = (events.at(-1)!.at - events[0]!.at) / 1000;
    console.log(`payment figures: ${batches} batches, ${notices} notices, ${events.length} events over ${seconds.toFixed(1)} s`);
    expect(seconds).toBeGreaterThan(2);
    expect(events.length).toBeLessThan(batches / 3);
    expect(events.length).toBeLessThanOrEqual(Math.ceil(seconds * 2) + 2);
    // Never more than two a second (received times jitter by the query and the network).
    for (let i = 2; i < events.length; i++) expect(events[i]!.at - events[i - 2]!.at).toBeGreaterThanOrEqual(700);
    // At least one a second while payments are in flight.
    for (let i = 1; i < moving.length; i++) expect(moving[i]!.at - moving[i - 1]!.at).toBeLessThan(1_400);
    // Figures only move forward, and the rate is measured.
    for (let i = 1; i < events.length; i++) expect(events[i]!.figures.totals.paid).toBeGreaterThanOrEqual(events[i - 1]!.figures.totals.paid);
    expect(moving.some((e) => (e.figures.ratePerSecond ?? 0) > 0 && e.figures.secondsLeft !== null)).toBe(true);

    const last = events.at(-1)!.figures;
    const invalid = households.filter((h) => h.phone.endsWith('99')).length;
    expect(last.totals).toMatchObject({ payments: 300, paid: 300 - invalid, failed: invalid, inFlight: 0, paidFcfa: (300 - invalid) * 90_000 });
    expect(last.executionRate).toBeCloseTo(0.5 * ((300 - invalid) / 300), 10);
    expect(last.totals).toEqual((await figuresOf(coordinator, cycleId)).totals);
    // Mopti's room received Mopti's figures only.
    expect(moptiEvents.length).toBeGreaterThan(0);
    for (const f of moptiEvents) expect(f.byRegion.map((r) => r.key)).toEqual(['MOP']);
    expect(moptiEvents.at(-1)!.totals).toMatchObject({ payments: 150, inFlight: 0 });
  });
});
