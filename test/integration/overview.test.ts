// The overview's figures against figures computed by hand on a known data set: the seed's AWPB 2020
// (2.659 of 15.545 billion FCFA by 30 September = 17.11 %), a ledger of confirmed payments, complaints,
// a late workshop and a late procurement step; a regional focal point sees their region only.
import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/realtime/contract';
import { refreshPaymentFigures } from '../../db/payment-figures';
import { cycleFundingSources, cycles, grievanceCases, paymentAgencies, paymentLists, payments, procurementCases, workshops } from '../../db/schema';
import { formatRate, type Overview, type PartnerFigures } from '../../domain/overview';
import type { PaymentStatus } from '../../domain/payments';
import { callApi, type ApiSession } from '../../scripts/api-session';
import { AWPB_2020_ACHIEVED_30_SEPT_FCFA, AWPB_2020_FORECAST_FCFA, AWPB_2021_FORECAST_FCFA, demoAwpb, seedDemoAwpb } from '../../scripts/demo-awpb';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let base: string;
let coordinator: ApiSession;
let mopti: ApiSession;
let cycleId: string;

const overviewOf = async (session: ApiSession, query = '') => {
  const answer = await session.call('GET', `/api/overview${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.overview as Overview;
};

/**
 * The ledger by hand: Kayes (KAY-001, world bank AF2) 6 payments of 90,000 — 4 confirmed on 15 March
 * 2021, 1 failed, 1 pending; Mopti (MOP-001, PGFS) 4 payments — 2 confirmed on 16 March 2021, 2 failed.
 */
const LEDGER: Array<{ commune: string; source: 'world-bank-af2' | 'pgfs'; day: string; statuses: PaymentStatus[] }> = [
  { commune: 'KAY-001', source: 'world-bank-af2', day: '2021-03-15', statuses: ['confirmed', 'confirmed', 'confirmed', 'confirmed', 'failed', 'pending'] },
  { commune: 'MOP-001', source: 'pgfs', day: '2021-03-16', statuses: ['confirmed', 'confirmed', 'failed', 'failed'] },
];

beforeAll(async () => {
  stack = await startTestStack('overview', { worker: false });
  base = (await stack.startApi()).url;
  [coordinator, mopti] = await Promise.all([signInAs(stack.database, base, ['coordinator']), signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'MOP' })]);
  await seedDemoAwpb(stack.database, 'test');

  const { db } = stack.database;
  cycleId = randomUUID();
  await db.insert(cycles).values({ id: cycleId, name: 'Aperçu', transferAmountFcfa: 90_000, targetHouseholds: 10, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
  await db.insert(cycleFundingSources).values({ cycleId, source: 'world-bank-af2', amountFcfa: 10_000_000 });
  await db.insert(paymentAgencies).values({ id: 'ovw-a', name: 'Agence', kind: 'mobile-money', baseUrl: 'http://127.0.0.1:1', credentialRef: 'UNUSED', lots: [], ratePerSecond: 10 });
  let n = 0;
  for (const { commune, source, day, statuses } of LEDGER) {
    const [list] = await db
      .insert(paymentLists)
      .values({ cycleId, regionCode: commune.slice(0, 3), communeCode: commune, agencyId: 'ovw-a', fundingSource: source, declaredCount: statuses.length, declaredTotalFcfa: statuses.length * 90_000, status: 'released' })
      .returning();
    await db.insert(payments).values(
      statuses.map((status) => {
        n += 1;
        const rsuId = `RSU-OVW-${n}`;
        const confirmedAt = status === 'confirmed' ? new Date(`${day}T10:00:00Z`) : null;
        return { cycleId, rsuId, listId: list!.id, batchNo: 0, regionCode: commune.slice(0, 3), communeCode: commune, agencyId: 'ovw-a', fundingSource: source, amountFcfa: 90_000, status, confirmedAt, idempotencyKey: `jigi-${cycleId}-${rsuId}-t1-g0` };
      }),
    );
    await refreshPaymentFigures(stack.database.sql, list!.id, [0]);
  }
  // Stuck things: the Gao workshop never reported, a procurement step past its deadline, complaints past theirs.
  await db.insert(workshops).values({ cycleId, regionCode: 'GAO', chair: 'Gouverneur', place: 'Gao', plannedStart: '2020-07-21', plannedEnd: '2020-07-24', plannedParticipants: 40, plannedBy: 'test' });
  await db.insert(procurementCases).values({
    cycleId,
    kind: 'payment-agency',
    title: 'Agence de paiement — Nord',
    lot: [{ level: 'region', region: 'GAO' }],
    regions: ['GAO', 'TOM', 'KID'],
    templateKey: 'wb-rfp',
    templateVersion: 1,
    currentStep: 'terms-no-objection',
    stepStatus: 'submitted',
    stepDeadlineAt: new Date(Date.now() - 3 * 86_400_000),
    late: true,
    createdBy: 'test',
  });
  const complaint = (reference: string, region: string, category: 'non-payment' | 'fraud', late: boolean) => ({
    reference,
    category,
    complainantName: 'X',
    region,
    commune: `${region}-001`,
    channel: 'console' as const,
    deadlineAt: new Date(Date.now() + (late ? -86_400_000 : 86_400_000)),
    filedBy: 'test',
  });
  await db.insert(grievanceCases).values([complaint('PL-OVW-1', 'MOP', 'non-payment', true), complaint('PL-OVW-2', 'MOP', 'non-payment', false), complaint('PL-OVW-3', 'KAY', 'fraud', true)]);
});
afterAll(async () => {
  await stack?.stop();
});

describe('AWPB execution', () => {
  it('2020 at 30 September: 2.659 of 15.545 billion FCFA, 17.11 %, by component and funding source as recorded', async () => {
    const o = await overviewOf(coordinator, '?year=2020&asOf=2020-09-30');
    expect(o.budget.total).toMatchObject({ forecastFcfa: AWPB_2020_FORECAST_FCFA, achievedFcfa: AWPB_2020_ACHIEVED_30_SEPT_FCFA, expensesFcfa: 2_659_000_000, ledgerFcfa: 0 });
    expect(o.budget.total.executionRate).toBeCloseTo(2_659 / 15_545, 12);
    expect(formatRate(o.budget.total.executionRate, 'fr')).toBe('17,11\u00a0%');
    expect(formatRate(o.budget.total.executionRate, 'en')).toBe('17.11%');
    const component = Object.fromEntries(o.budget.byComponent.map((l) => [l.key, [l.forecastFcfa, l.achievedFcfa]]));
    expect(component).toEqual({
      'cash-transfers': [9_800_000_000, 1_900_000_000],
      'accompanying-measures': [2_300_000_000, 180_000_000],
      'public-works': [1_600_000_000, 260_000_000],
      register: [1_200_000_000, 214_000_000],
      monitoring: [645_000_000, 105_000_000],
    });
    // Cash transfers: world bank 55 % of 9.8 bn; register 60 %; accompanying 50 %; public works 70 %; monitoring all.
    const wb = o.budget.byFundingSource.find((l) => l.key === 'world-bank-af2')!;
    expect(wb.forecastFcfa).toBe(5_390_000_000 + 1_150_000_000 + 1_120_000_000 + 720_000_000 + 645_000_000);
    expect(wb.achievedFcfa).toBe(310_000_000 + 420_000_000 + 760_000_000 + 260_000_000 + 214_000_000 + 105_000_000);
    expect(o.budget.byFundingSource.reduce((s, l) => s + l.forecastFcfa, 0)).toBe(AWPB_2020_FORECAST_FCFA);
  });

  it('a date before an expense leaves it out; 2021 counts the confirmed payments of the ledger by their day', async () => {
    const june = await overviewOf(coordinator, '?year=2020&asOf=2020-06-30');
    expect(june.budget.total.achievedFcfa).toBe(310_000_000 + 420_000_000 + 760_000_000 + 410_000_000 + 260_000_000);
    const march15 = await overviewOf(coordinator, '?year=2021&asOf=2021-03-15');
    expect(march15.budget.total).toMatchObject({ forecastFcfa: AWPB_2021_FORECAST_FCFA, ledgerFcfa: 4 * 90_000, expensesFcfa: 0 });
    const o = await overviewOf(coordinator, '?year=2021&asOf=2021-12-31');
    expect(o.budget.total.ledgerFcfa).toBe(6 * 90_000);
    expect(o.budget.total.executionRate).toBeCloseTo(540_000 / AWPB_2021_FORECAST_FCFA, 15);
    expect(o.budget.byComponent.find((l) => l.key === 'cash-transfers')!.ledgerFcfa).toBe(540_000);
    expect(o.budget.byFundingSource.find((l) => l.key === 'pgfs')!.ledgerFcfa).toBe(180_000);
    expect(o.disbursedByDay).toEqual([
      { day: '2021-03-15', payments: 4, amountFcfa: 360_000, cumulativeFcfa: 360_000 },
      { day: '2021-03-16', payments: 2, amountFcfa: 180_000, cumulativeFcfa: 540_000 },
    ]);
  });
});

describe('households, alerts and area', () => {
  it('headline and region figures of the open cycles are the ledger’s, with every stuck thing alerted and linked', async () => {
    const o = await overviewOf(coordinator, '?year=2021&asOf=2021-12-31');
    expect(o.cycles.map((c) => c.id)).toContain(cycleId);
    expect(o.households).toMatchObject({ paid: 6, failed: 3, inFlight: 1, disbursedFcfa: 540_000 });
    const kay = o.regions.find((r) => r.code === 'KAY')!;
    expect(kay).toMatchObject({ name: 'Kayes', paid: 4, failed: 1, inFlight: 1, disbursedFcfa: 360_000 });
    const kinds = o.alerts.map((a) => `${a.kind} ${a.subject} ${a.count} ${a.href}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        `workshop-late Gao 1 /cycles/${cycleId}/ateliers`,
        expect.stringMatching(new RegExp(`^procurement-late Agence de paiement — Nord 1 /achats/[0-9a-f-]{36}$`)),
        // Kayes: 1 failed of 5 settled (20 %), Mopti 2 of 4 (50 %): both above 5 %.
        `payments-failed Kayes 1 /cycles/${cycleId}/paiements/echecs`,
        `payments-failed Mopti 2 /cycles/${cycleId}/paiements/echecs`,
        'grievances-late Mopti 1 /plaintes?retard=1&region=MOP',
      ]),
    );
    // The coordinator does not read fraud complaints: the late Kayes fraud case is not counted for them.
    expect(kinds.some((k) => k.startsWith('grievances-late Kayes'))).toBe(false);
    expect(o.grievances).toMatchObject({ total: 2, open: 2, late: 1 });
    expect(o.procurementDelays[0]).toMatchObject({ step: 'terms-no-objection', stepLabel: { fr: 'Non-objection du bailleur sur les TdR' }, daysLate: 3 });
  });

  it('a regional focal point sees their region’s figures only, forecast and achievements included', async () => {
    const o = await overviewOf(mopti, '?year=2020&asOf=2020-09-30');
    expect(o.area).toEqual({ level: 'region', region: 'MOP' });
    const moptiForecast = demoAwpb()
      .forecasts.filter((f) => f.year === 2020 && f.regionCode === 'MOP')
      .reduce((s, f) => s + f.amountFcfa, 0);
    expect(o.budget.total).toMatchObject({ forecastFcfa: moptiForecast, achievedFcfa: 180_000_000 });
    expect(o.budget.byRegion.map((l) => l.key)).toEqual(['MOP']);
    expect(o.regions.map((r) => r.code)).toEqual(['MOP']);
    const o2021 = await overviewOf(mopti, '?year=2021&asOf=2021-12-31');
    expect(o2021.households).toMatchObject({ paid: 2, failed: 2, disbursedFcfa: 180_000 });
    expect(o2021.disbursedByDay.map((d) => d.day)).toEqual(['2021-03-16']);
    expect(o2021.alerts.map((a) => a.kind).sort()).toEqual(['grievances-late', 'payments-failed']);
    expect(o2021.grievances.total).toBe(2);
  });

  it('bad dates and years are a 400; a role without the overview is refused', async () => {
    for (const q of ['?asOf=2020-02-30', '?asOf=yesterday', '?year=1999', '?year=20x0', '?other=1']) expect((await coordinator.call('GET', `/api/overview${q}`)).status, q).toBe(400);
    const admin = await signInAs(stack.database, base, ['admin']);
    expect((await admin.call('GET', '/api/overview')).status).toBe(403);
  });
});

describe('the steering committee’s report', () => {
  it('PDF and CSV carry the page’s figures for the chosen date', async () => {
    const pdf = await fetch(`${base}/api/overview/report.pdf?year=2020&asOf=2020-09-30`, { headers: { cookie: coordinator.cookie } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(5_000);
    const csv = await coordinator.call('GET', '/api/overview/report/tables/components?year=2020&asOf=2020-09-30');
    expect(csv.status).toBe(200);
    const lines = String(csv.body).trim().split('\n');
    expect(lines[0]).toBe('cle,libelle,prevision_fcfa,paiements_confirmes_fcfa,depenses_fcfa,realise_fcfa,taux_execution');
    expect(lines.at(-1)).toBe('total,total,15545000000,0,2659000000,2659000000,0.1711');
    const regions = await mopti.call('GET', '/api/overview/report/tables/regions?year=2021&asOf=2021-12-31');
    expect(String(regions.body).trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^MOP,Mopti,0,0,2,2,0,180000,$/)]);
    expect((await coordinator.call('GET', '/api/overview/report/tables/people')).status).toBe(400);
  });
});

describe('AWPB expenses', () => {
  it('a recorded expense counts from its day and wakes the live overview; bad input changes nothing', async () => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: coordinator.cookie } });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    expect(await socket.timeout(5_000).emitWithAck('overview:watch')).toEqual({ ok: true });
    const pushed = new Promise<Overview>((resolve) => socket.once('overview:changed', resolve));
    const before = (await overviewOf(coordinator, '?year=2021&asOf=2021-12-31')).budget.total.achievedFcfa;
    for (const bad of [
      { component: 'register', fundingSource: 'afd', amountFcfa: 1.5, spentOn: '2021-05-01', description: 'Collecte' },
      { component: 'register', fundingSource: 'afd', amountFcfa: 1_000, spentOn: '2021-02-30', description: 'Collecte' },
      { component: 'register', fundingSource: 'afd', regionCode: 'XXX', amountFcfa: 1_000, spentOn: '2021-05-01', description: 'Collecte' },
      { component: 'salaries', fundingSource: 'afd', amountFcfa: 1_000, spentOn: '2021-05-01', description: 'Collecte' },
    ]) {
      expect((await coordinator.call('POST', '/api/overview/expenses', bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await mopti.call('POST', '/api/overview/expenses', { component: 'register', fundingSource: 'afd', amountFcfa: 1_000, spentOn: '2021-05-01', description: 'Collecte' })).status).toBe(403);
    const ok = await coordinator.call('POST', '/api/overview/expenses', { component: 'register', fundingSource: 'afd', regionCode: 'SIK', amountFcfa: 25_000_000, spentOn: '2021-05-01', description: 'Collecte RSU Sikasso' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const after = await overviewOf(coordinator, '?year=2021&asOf=2021-12-31');
    expect(after.budget.total.achievedFcfa).toBe(before + 25_000_000);
    expect((await overviewOf(coordinator, '?year=2021&asOf=2021-04-30')).budget.total.expensesFcfa).toBe(0);
    expect((await pushed).area).toEqual({ level: 'national' });
    socket.disconnect();
  });

  it('the AWPB editor replaces a year’s lines whole: the execution rate follows, the change is audited, and a stale or bad plan changes nothing', async () => {
    const YEAR = 2019;
    const editor = (await coordinator.call('GET', '/api/auth/me')).body.user.username as string;
    const empty = await coordinator.call('GET', `/api/overview/forecasts/${YEAR}`);
    expect(empty.status, JSON.stringify(empty.body)).toBe(200);
    expect(empty.body.plan).toMatchObject({ year: YEAR, lines: [], updatedAt: null, updatedBy: null });
    expect(empty.body.plan.years).toEqual(expect.arrayContaining([2020, 2021]));
    expect(empty.body.plan.regions.map((r: { code: string }) => r.code)).toContain('MOP');

    const lines = [
      { component: 'cash-transfers', fundingSource: 'world-bank-af2', regionCode: null, amountFcfa: 4_000_000_000 },
      { component: 'cash-transfers', fundingSource: 'world-bank-af2', regionCode: 'MOP', amountFcfa: 1_000_000_000 },
      { component: 'register', fundingSource: 'afd', regionCode: null, amountFcfa: 0 },
    ];
    const line = lines[0]!;
    for (const [why, body] of [
      ['a fraction of a franc', { lines: [{ ...line, amountFcfa: 1.5 }], basedOn: null }],
      ['a negative amount', { lines: [{ ...line, amountFcfa: -1 }], basedOn: null }],
      ['a line twice', { lines: [line, { ...line, amountFcfa: 5 }], basedOn: null }],
      ['an unknown region', { lines: [{ ...line, regionCode: 'XXX' }], basedOn: null }],
      ['an unknown component', { lines: [{ ...line, component: 'salaries' }], basedOn: null }],
      ['no line', { lines: [], basedOn: null }],
      ['no basedOn', { lines }],
    ] as const) {
      const refused = await coordinator.call('PUT', `/api/overview/forecasts/${YEAR}`, body);
      expect(refused.status, why).toBe(400);
    }
    expect((await coordinator.call('PUT', '/api/overview/forecasts/1999', { lines, basedOn: null })).status).toBe(400);
    // A regional focal point has no editor at all; the plan is the national coordination's.
    expect((await mopti.call('GET', `/api/overview/forecasts/${YEAR}`)).status).toBe(403);
    expect((await coordinator.call('GET', `/api/overview/forecasts/${YEAR}`)).body.plan.lines).toEqual([]);

    const saved = await coordinator.call('PUT', `/api/overview/forecasts/${YEAR}`, { lines, basedOn: null });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.plan.lines).toHaveLength(3);
    expect(saved.body.plan.updatedBy).toBe(editor);
    expect(saved.body.plan.years).toContain(YEAR);
    const o = await overviewOf(coordinator, `?year=${YEAR}&asOf=${YEAR}-12-31`);
    expect(o.budget.total.forecastFcfa).toBe(5_000_000_000);
    expect((await overviewOf(mopti, `?year=${YEAR}&asOf=${YEAR}-12-31`)).budget.total.forecastFcfa).toBe(1_000_000_000);

    // Someone saving from the empty plan they read earlier would erase this one: refused, nothing changed.
    const stale = await coordinator.call('PUT', `/api/overview/forecasts/${YEAR}`, { lines: [line], basedOn: null });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ updatedBy: editor });
    expect((await overviewOf(coordinator, `?year=${YEAR}&asOf=${YEAR}-12-31`)).budget.total.forecastFcfa).toBe(5_000_000_000);

    // From the plan just read, a revision replaces every line: the one left out is gone.
    const revised = await coordinator.call('PUT', `/api/overview/forecasts/${YEAR}`, { lines: [{ ...line, amountFcfa: 3_000_000_000 }], basedOn: saved.body.plan.updatedAt });
    expect(revised.status, JSON.stringify(revised.body)).toBe(200);
    expect(revised.body.plan.lines).toEqual([{ ...line, amountFcfa: 3_000_000_000 }]);
    expect((await overviewOf(coordinator, `?year=${YEAR}&asOf=${YEAR}-12-31`)).budget.total.forecastFcfa).toBe(3_000_000_000);
    const audit = await stack.database.sql<Array<{ before: unknown[]; after: unknown[]; actor: string }>>`
      select before, after, actor_username as actor from audit_log where action = 'awpb.forecast.replace' and target_id = ${String(YEAR)} order by id`;
    expect(audit.map((a) => [a.actor, a.before.length, a.after.length])).toEqual([
      [editor, 0, 3],
      [editor, 3, 1],
    ]);
  });
});

describe('partner API', () => {
  it('a partner token reads aggregates only, described in its own OpenAPI document; other tokens are refused', async () => {
    const admin = await signInAs(stack.database, base, ['admin']);
    const created = await admin.call('POST', '/api/admin/service-tokens', { name: `banque-mondiale-${Date.now()}`, roles: ['partner'], area: { level: 'national' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const auth = { authorization: `Bearer ${created.body.secret}` };
    const answer = await callApi(base, 'GET', '/api/partner/figures?year=2020&asOf=2020-09-30', undefined, auth);
    expect(answer.status).toBe(200);
    const figures = answer.body.figures as PartnerFigures;
    expect(figures.budget.total).toMatchObject({ forecastFcfa: AWPB_2020_FORECAST_FCFA, achievedFcfa: AWPB_2020_ACHIEVED_30_SEPT_FCFA });
    expect(Object.keys(figures).sort()).toEqual(['asOf', 'at', 'budget', 'cycles', 'disbursedByDay', 'households', 'regions', 'year']);
    expect(JSON.stringify(figures)).not.toMatch(/RSU-OVW|PL-OVW|\+223/);
    for (const path of ['/api/overview', '/api/cycles', `/api/cycles/${cycleId}/payments?queue=failed`, '/api/grievances/cases']) {
      expect((await callApi(base, 'GET', path, undefined, auth)).status, path).toBe(403);
    }
    const doc = await callApi(base, 'GET', '/api/partner/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(['/api/partner/figures', '/api/partner/openapi.json']);
    expect(doc.body.components.schemas.PartnerFigures).toBeDefined();
    const hotline = await admin.call('POST', '/api/admin/service-tokens', { name: `hotline-${Date.now()}`, roles: ['grievance-officer'], area: { level: 'national' } });
    expect((await callApi(base, 'GET', '/api/partner/figures', undefined, { authorization: `Bearer ${hotline.body.secret}` })).status).toBe(403);
  });
});
