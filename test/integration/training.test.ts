// The training phase through the real API, worker and Temporal: workshops planned and reported per
// region, refusals that change nothing, the focal point's area, the audit trail, the late flag, live
// events, and the training phase completing itself when the last planned report is recorded.
import { and, count, eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/realtime/contract';
import { auditLog, regions, workshops } from '../../db/schema';
import { ALL_WORKSHOPS_REPORTED_COMMENT } from '../../domain/training';
import type { WorkshopEvent } from '../../domain/events';
import type { ApiSession } from '../../scripts/api-session';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let base: string;
let coordinator: ApiSession & { user: { username: string } };
let officer: ApiSession & { user: { username: string } };
let moptiFocalPoint: ApiSession & { user: { username: string } };
let auditor: ApiSession;

beforeAll(async () => {
  stack = await startTestStack('training');
  base = (await stack.startApi()).url;
  [coordinator, officer, moptiFocalPoint, auditor] = await Promise.all([
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['me-officer']),
    signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'MOP' }),
    signInAs(stack.database, base, ['auditor']),
  ]);
});
afterAll(() => stack?.stop());

const daysFromToday = (days: number) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

const plan = (region: string, overrides: Record<string, unknown> = {}) => ({
  chair: `Gouverneur de la région ${region}`,
  place: region,
  plannedStart: daysFromToday(-1),
  plannedEnd: daysFromToday(2),
  plannedParticipants: 50,
  ...overrides,
});

/** A new cycle whose training phase is active. */
async function trainingCycle(): Promise<string> {
  const created = await coordinator.call('POST', '/api/cycles', demoCycleInput());
  expect(created.status).toBe(201);
  const id = created.body.cycle.id as string;
  await expect.poll(async () => (await coordinator.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase).toBe('training');
  return id;
}

const workshopsPath = (cycleId: string, region?: string) => `/api/cycles/${cycleId}/workshops${region ? `/${region}` : ''}`;

async function overview(cycleId: string) {
  const answer = await coordinator.call('GET', workshopsPath(cycleId));
  expect(answer.status).toBe(200);
  return answer.body;
}

const regionRow = (body: any, code: string) => body.regions.find((r: { regionCode: string }) => r.regionCode === code);

async function counts(cycleId: string) {
  const { db } = stack.database;
  const [w] = await db.select({ n: count() }).from(workshops).where(eq(workshops.cycleId, cycleId));
  const [a] = await db.select({ n: count() }).from(auditLog).where(eq(auditLog.targetType, 'workshop'));
  const rows = await db.select().from(workshops).where(eq(workshops.cycleId, cycleId));
  return { workshops: w!.n, audit: a!.n, rows: JSON.stringify(rows) };
}

describe('training workshops', () => {
  it('lists every region, plans a workshop, then answers planned, late and reported with the counts', async () => {
    const id = await trainingCycle();
    let body = await overview(id);
    expect(body.regions.map((r: { regionCode: string }) => r.regionCode)).toEqual(expect.arrayContaining(['KAY', 'KOU', 'SIK', 'SEG', 'MOP', 'TOM', 'GAO', 'KID']));
    expect(body.regions.every((r: { status: string }) => r.status === 'not-planned')).toBe(true);
    expect(body.trainingPhase).toBe('active');

    const created = await coordinator.call('PUT', workshopsPath(id, 'KAY'), plan('Kayes'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.workshop).toMatchObject({ regionCode: 'KAY', chair: 'Gouverneur de la région Kayes', plannedParticipants: 50, reportedAt: null, plannedBy: coordinator.user.username });
    // Ended yesterday without a report: late.
    expect((await coordinator.call('PUT', workshopsPath(id, 'GAO'), plan('Gao', { plannedStart: daysFromToday(-4), plannedEnd: daysFromToday(-1) }))).status).toBe(201);
    // Ends today: not late yet.
    expect((await coordinator.call('PUT', workshopsPath(id, 'SIK'), plan('Sikasso', { plannedStart: daysFromToday(0), plannedEnd: daysFromToday(0) }))).status).toBe(201);

    body = await overview(id);
    expect([regionRow(body, 'KAY').status, regionRow(body, 'GAO').status, regionRow(body, 'SIK').status, regionRow(body, 'MOP').status]).toEqual(['planned', 'late', 'planned', 'not-planned']);
    expect(body.counts).toEqual({ planned: 3, reported: 0, late: 1, lateRegions: ['GAO'] });

    const reported = await officer.call('POST', `${workshopsPath(id, 'GAO')}/report`, { actualParticipants: 47, trainersTrained: 21, notes: 'Atelier tenu au gouvernorat' });
    expect(reported.status, JSON.stringify(reported.body)).toBe(200);
    expect(reported.body).toMatchObject({ allPlannedReported: false, workshop: { actualParticipants: 47, trainersTrained: 21, reportedBy: officer.user.username } });
    body = await overview(id);
    expect(regionRow(body, 'GAO').status).toBe('reported');
    expect(body.counts).toEqual({ planned: 3, reported: 1, late: 0, lateRegions: [] });
    expect(body.trainedRegions).toEqual(['GAO']);
    const live = await coordinator.call('GET', `/api/cycles/${id}/live`);
    expect(live.body.state.trainedRegions).toEqual(['GAO']);
    expect(live.body.state.phases[0].status).toBe('active');
  });

  it('refuses bad plans and reports with a 4xx and changes nothing', async () => {
    const id = await trainingCycle();
    expect((await coordinator.call('PUT', workshopsPath(id, 'KAY'), plan('Kayes'))).status).toBe(201);
    const unknownCycle = '00000000-0000-4000-8000-000000000000';
    const cases: Array<[string, string, string, unknown, number, RegExp]> = [
      ['end before start', 'PUT', workshopsPath(id, 'KOU'), plan('Koulikoro', { plannedStart: '2020-07-24', plannedEnd: '2020-07-21' }), 400, /plannedEnd/],
      ['not a calendar date', 'PUT', workshopsPath(id, 'KOU'), plan('Koulikoro', { plannedStart: '2020-02-30' }), 400, /calendar date/],
      ['negative participants', 'PUT', workshopsPath(id, 'KOU'), plan('Koulikoro', { plannedParticipants: -3 }), 400, /plannedParticipants/],
      ['fractional participants', 'PUT', workshopsPath(id, 'KOU'), plan('Koulikoro', { plannedParticipants: 12.5 }), 400, /whole number/],
      ['missing chair', 'PUT', workshopsPath(id, 'KOU'), { ...plan('Koulikoro'), chair: undefined }, 400, /chair/],
      ['unknown field', 'PUT', workshopsPath(id, 'KOU'), { ...plan('Koulikoro'), reportedBy: 'someone' }, 400, /reportedBy/],
      ['unknown region', 'PUT', workshopsPath(id, 'XYZ'), plan('Nulle part'), 404, /No region/],
      ['unknown cycle', 'PUT', workshopsPath(unknownCycle, 'KAY'), plan('Kayes'), 404, /No cycle/],
      ['more trainers than participants', 'POST', `${workshopsPath(id, 'KAY')}/report`, { actualParticipants: 10, trainersTrained: 11 }, 400, /trainersTrained/],
      ['negative attendance', 'POST', `${workshopsPath(id, 'KAY')}/report`, { actualParticipants: -1, trainersTrained: 0 }, 400, /actualParticipants/],
      ['report of an unplanned workshop', 'POST', `${workshopsPath(id, 'MOP')}/report`, { actualParticipants: 10, trainersTrained: 5 }, 409, /plan it/],
    ];
    const before = await counts(id);
    for (const [name, method, path, body, status, message] of cases) {
      const answer = await coordinator.call(method, path, body);
      expect(answer.status, `${name}: ${JSON.stringify(answer.body)}`).toBe(status);
      expect(answer.body.error.message, name).toMatch(message);
    }
    expect(await counts(id)).toEqual(before);
  });

  it('a focal point manages their own region only; an auditor reads but cannot plan', async () => {
    const id = await trainingCycle();
    const own = await moptiFocalPoint.call('PUT', workshopsPath(id, 'MOP'), plan('Mopti'));
    expect(own.status).toBe(201);
    const before = await counts(id);
    const other = await moptiFocalPoint.call('PUT', workshopsPath(id, 'KAY'), plan('Kayes'));
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/outside your area/) });
    expect((await coordinator.call('PUT', workshopsPath(id, 'KAY'), plan('Kayes'))).status).toBe(201);
    const reportOther = await moptiFocalPoint.call('POST', `${workshopsPath(id, 'KAY')}/report`, { actualParticipants: 10, trainersTrained: 5 });
    expect(reportOther.status).toBe(403);
    const audited = await auditor.call('PUT', workshopsPath(id, 'SEG'), plan('Ségou'));
    expect(audited.status).toBe(403);
    expect((await auditor.call('GET', workshopsPath(id))).status).toBe(200);
    expect((await moptiFocalPoint.call('GET', workshopsPath(id))).status).toBe(200);
    const after = await counts(id);
    expect(after.workshops).toBe(before.workshops + 1);
    expect(regionRow(await overview(id), 'KAY').workshop.actualParticipants).toBeNull();
  });

  it('writes an audit row for each plan, change, report and correction, with what changed', async () => {
    const id = await trainingCycle();
    const path = workshopsPath(id, 'SEG');
    expect((await coordinator.call('PUT', path, plan('Ségou'))).status).toBe(201);
    expect((await coordinator.call('PUT', path, plan('Ségou', { place: 'Ségou, gouvernorat', plannedParticipants: 60 }))).status).toBe(200);
    expect((await officer.call('POST', `${path}/report`, { actualParticipants: 58, trainersTrained: 30 })).status).toBe(200);
    const corrected = await coordinator.call('POST', `${path}/report`, { actualParticipants: 57, trainersTrained: 30, notes: 'Un participant compté deux fois' });
    expect(corrected.status).toBe(200);
    // The first reporter stays; the correction is in the trail.
    expect(corrected.body.workshop).toMatchObject({ actualParticipants: 57, reportedBy: officer.user.username, reportNotes: 'Un participant compté deux fois' });

    const workshopId = corrected.body.workshop.id as string;
    const trail = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.targetType, 'workshop'), eq(auditLog.targetId, workshopId))).orderBy(auditLog.id);
    expect(trail.map((a) => [a.action, a.actorUsername])).toEqual([
      ['workshop.plan', coordinator.user.username],
      ['workshop.update', coordinator.user.username],
      ['workshop.report', officer.user.username],
      ['workshop.report-correct', coordinator.user.username],
    ]);
    expect(trail[1]!.before).toMatchObject({ place: 'Ségou', plannedParticipants: 50 });
    expect(trail[1]!.after).toMatchObject({ place: 'Ségou, gouvernorat', plannedParticipants: 60 });
    expect(trail[3]!.before).toMatchObject({ actualParticipants: 58, notes: null });
    expect(trail[3]!.after).toMatchObject({ actualParticipants: 57, notes: 'Un participant compté deux fois' });
  });

  it('completes the training phase by itself when the last region reports, naming the reporter', async () => {
    const id = await trainingCycle();
    const everyRegion = (await stack.database.db.select({ code: regions.code }).from(regions).orderBy(regions.code)).map((r) => r.code);
    for (const region of ['KAY', 'MOP']) expect((await coordinator.call('PUT', workshopsPath(id, region), plan(region))).status).toBe(201);
    const first = await officer.call('POST', `${workshopsPath(id, 'KAY')}/report`, { actualParticipants: 40, trainersTrained: 18 });
    expect(first.body.allPlannedReported).toBe(false);
    await expect.poll(async () => (await coordinator.call('GET', `/api/cycles/${id}/live`)).body.state.trainedRegions).toEqual(['KAY']);
    // Every workshop planned so far is reported, but regions without one still hold training open.
    const others = everyRegion.filter((r) => r !== 'KAY' && r !== 'MOP');
    for (const region of others) expect((await coordinator.call('PUT', workshopsPath(id, region), plan(region))).status).toBe(201);
    for (const region of others) expect((await officer.call('POST', `${workshopsPath(id, region)}/report`, { actualParticipants: 30, trainersTrained: 12 })).body.allPlannedReported).toBe(false);
    expect((await coordinator.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase).toBe('training');

    const last = await moptiFocalPoint.call('POST', `${workshopsPath(id, 'MOP')}/report`, { actualParticipants: 52, trainersTrained: 25 });
    expect(last.body.allPlannedReported).toBe(true);
    await expect.poll(async () => (await coordinator.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase, { timeout: 10_000 }).toBe('targeting');
    const cycle = (await coordinator.call('GET', `/api/cycles/${id}`)).body.cycle;
    expect(cycle.phases[0]).toMatchObject({ phase: 'training', status: 'completed', completedBy: moptiFocalPoint.user.username });
    const completed = cycle.transitions.find((t: { kind: string; phase: string }) => t.kind === 'phase-completed' && t.phase === 'training');
    expect(completed).toMatchObject({ actor: moptiFocalPoint.user.username, reason: ALL_WORKSHOPS_REPORTED_COMMENT });
    const live = (await coordinator.call('GET', `/api/cycles/${id}/live`)).body.state;
    expect([...live.trainedRegions].sort()).toEqual(everyRegion);
    // The completion is in the audit trail under the reporter's name.
    const [row] = await stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'cycle.phase-completed'), eq(auditLog.targetId, id)));
    expect(row?.actorUsername).toBe(moptiFocalPoint.user.username);
  });

  it('after training is closed by hand, plans are refused but a late report is still taken; a cancelled cycle takes neither', async () => {
    const id = await trainingCycle();
    for (const region of ['KAY', 'TOM']) expect((await coordinator.call('PUT', workshopsPath(id, region), plan(region))).status).toBe(201);
    expect((await coordinator.call('POST', `/api/cycles/${id}/phases/training/complete`, { comment: 'Tombouctou reportera plus tard' })).status).toBe(200);

    const replan = await coordinator.call('PUT', workshopsPath(id, 'GAO'), plan('Gao'));
    expect(replan.status).toBe(409);
    expect(replan.body.error).toMatchObject({ code: 'rule_violated', details: { rule: 'phase-already-completed', phase: 'training' } });
    const lateReport = await coordinator.call('POST', `${workshopsPath(id, 'TOM')}/report`, { actualParticipants: 30, trainersTrained: 12 });
    expect(lateReport.status).toBe(200);
    await expect.poll(async () => (await coordinator.call('GET', `/api/cycles/${id}/live`)).body.state.trainedRegions).toEqual(['TOM']);
    expect((await coordinator.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase).toBe('targeting');

    expect((await coordinator.call('POST', `/api/cycles/${id}/cancel`, { reason: 'Financement retiré' })).status).toBe(200);
    const before = await counts(id);
    const afterCancel = await coordinator.call('POST', `${workshopsPath(id, 'KAY')}/report`, { actualParticipants: 30, trainersTrained: 12 });
    expect(afterCancel.status).toBe(409);
    expect(afterCancel.body.error.details).toEqual({ rule: 'cycle-cancelled' });
    expect(await counts(id)).toEqual(before);
  });

  it('pushes each plan and report to consoles watching the cycle’s workshops', async () => {
    const id = await trainingCycle();
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: coordinator.cookie } });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      expect(await socket.emitWithAck('workshops:watch', id)).toEqual({ ok: true });
      const received: WorkshopEvent[] = [];
      socket.on('workshop:changed', (event) => received.push(event));
      expect((await officer.call('PUT', workshopsPath(id, 'KID'), plan('Kidal'))).status).toBe(201);
      expect((await officer.call('POST', `${workshopsPath(id, 'KID')}/report`, { actualParticipants: 20, trainersTrained: 8 })).status).toBe(200);
      await expect.poll(() => received.map((e) => [e.kind, e.region, e.actor])).toEqual([
        ['planned', 'KID', officer.user.username],
        ['reported', 'KID', officer.user.username],
      ]);
    } finally {
      socket.disconnect();
    }
  });
});
