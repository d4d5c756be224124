import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, beneficiaries, communeLists, households, listEntries } from '../../db/schema';
import type { ApiSession } from '../../scripts/api-session';
import { cycleWorkflowId, phaseWorkflowId } from '../../domain/ids';
import { reviewListChangeUpdate } from '../../workflows/messages';
import { maybeRecordHistory } from '../support/histories';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { selectForTargeting } from '../support/targeting';
import { signInAs } from '../support/users';

let stack: TestStack;
let base: string;
type Session = ApiSession & { user: { id: string; username: string } };
let coordinator: Session;
let meOfficer: Session;
let kayesFocal: Session;
let kay001Focal: Session;
let mopFocal: Session;

const rsu = (n: number) => `RSU-${String(n).padStart(10, '0')}`;
/** Households 1–5 in KAY-001, 6–7 in KAY-002, 8–9 in MOP-001; 1, 2, 3, 6, 8, 9 selected by targeting. */
const HOUSEHOLDS = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({
  rsuId: rsu(n),
  headName: `Chef ${n}`,
  sex: 'F' as const,
  birthYear: 1970 + n,
  nina: null,
  phone: `+2237600000${n}`,
  communeCode: n <= 5 ? 'KAY-001' : n <= 7 ? 'KAY-002' : 'MOP-001',
  village: n <= 5 ? 'Kalaban' : n <= 7 ? 'Diakandapé' : 'Sévaré',
  householdSize: 4 + n,
  foodInsecure: true,
  covidCase: false,
  covidHit: false,
  welfareScore: 20,
}));
const SELECTED = [1, 2, 3, 6, 8, 9].map(rsu);
const meetings = { assemblyOn: '2021-03-02', assemblyAttendees: 140, committeeOn: '2021-03-05' };

beforeAll(async () => {
  stack = await startTestStack('lists');
  await stack.startWorker();
  base = (await stack.startApi()).url;
  await stack.database.db.insert(households).values(HOUSEHOLDS);
  [coordinator, meOfficer, kayesFocal, kay001Focal, mopFocal] = await Promise.all([
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['me-officer']),
    signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'KAY' }),
    signInAs(stack.database, base, ['focal-point'], { level: 'commune', region: 'KAY', commune: 'KAY-001' }),
    signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'MOP' }),
  ]);
}, 60_000);
afterAll(() => stack?.stop());

/** A cycle in its targeting phase, with targeting's selection in place. */
async function cycleInTargeting(settings: Record<string, unknown>, duringTraining?: (cycleId: string) => Promise<void>) {
  const created = await coordinator.call('POST', '/api/cycles', { ...demoCycleInput(), settings });
  expect(created.status).toBe(201);
  const id = created.body.cycle.id as string;
  await expect.poll(async () => (await coordinator.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase).toBe('training');
  await duringTraining?.(id);
  expect((await coordinator.call('POST', `/api/cycles/${id}/phases/training/complete`, {})).status).toBe(200);
  await selectForTargeting(stack.database, id, SELECTED);
  return id;
}

async function listOf(cycleId: string, commune: string) {
  const [row] = await stack.database.db.select().from(communeLists).where(and(eq(communeLists.cycleId, cycleId), eq(communeLists.communeCode, commune)));
  return row!;
}

describe('community validation of the beneficiary list', () => {
  let cycleId: string;

  it('sends one list per commune to its focal point, with the households targeting selected', async () => {
    cycleId = await cycleInTargeting({ trainingGateWaived: true, validationDeadlineSeconds: 3600 });
    expect((await kayesFocal.call('POST', `/api/cycles/${cycleId}/lists/send`)).status).toBe(403);
    const sent = await meOfficer.call('POST', `/api/cycles/${cycleId}/lists/send`);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.communes).toBe(3);
    const again = await meOfficer.call('POST', `/api/cycles/${cycleId}/lists/send`);
    expect(again.body.error?.details?.rule, JSON.stringify(again.body)).toBe('lists-already-sent');

    const summary = await coordinator.call('GET', `/api/cycles/${cycleId}/lists`);
    expect(summary.body.regions).toEqual([
      expect.objectContaining({ region: 'KAY', communes: 2, households: 4, byStatus: expect.objectContaining({ 'awaiting-decision': 2 }) }),
      expect.objectContaining({ region: 'MOP', communes: 1, households: 2 }),
    ]);
    // A regional focal point sees their region only.
    expect((await mopFocal.call('GET', `/api/cycles/${cycleId}/lists`)).body.regions.map((r: { region: string }) => r.region)).toEqual(['MOP']);
    expect((await mopFocal.call('GET', `/api/cycles/${cycleId}/lists/communes/KAY-001`)).status).toBe(404);
    const kay001 = await kay001Focal.call('GET', `/api/cycles/${cycleId}/lists/communes/KAY-001`);
    expect(kay001.body.total).toBe(3);
    expect(kay001.body.entries[0].phone).not.toContain('760000');
  });

  it('refuses bad decisions with a 400 and changes nothing', async () => {
    const before = await listOf(cycleId, 'KAY-001');
    const attempts = [
      { decision: 'return', meetings },
      { decision: 'approve', meetings, changes: [{ rsuId: rsu(4), action: 'add', reason: 'Ménage très pauvre oublié' }] },
      { decision: 'return', meetings, changes: [{ rsuId: rsu(6), action: 'add', reason: 'Ménage d’une autre commune' }] },
      { decision: 'return', meetings, changes: [{ rsuId: rsu(4), action: 'remove', reason: 'Pas sur la liste' }] },
      { decision: 'return', meetings: { ...meetings, committeeOn: '2021-03-01' }, changes: [{ rsuId: rsu(4), action: 'add', reason: 'Oublié' }] },
      { decision: 'approve', meetings: { ...meetings, assemblyAttendees: -1 } },
    ];
    for (const attempt of attempts) {
      const response = await kay001Focal.call('POST', `/api/cycles/${cycleId}/lists/communes/KAY-001/decision`, attempt);
      expect(response.status, JSON.stringify(attempt)).toBe(400);
    }
    expect(await listOf(cycleId, 'KAY-001')).toEqual(before);
    // Another region's focal point does not see the list at all.
    expect((await mopFocal.call('POST', `/api/cycles/${cycleId}/lists/communes/KAY-001/decision`, { decision: 'approve', meetings })).status).toBe(404);
  });

  it('returns a list with changes that only another person may approve, then the focal point approves the new list', async () => {
    const changes = [
      { rsuId: rsu(3), action: 'remove', reason: 'A quitté le village' },
      { rsuId: rsu(4), action: 'add', reason: 'Ménage très pauvre retenu par l’assemblée' },
    ];
    const returned = await kay001Focal.call('POST', `/api/cycles/${cycleId}/lists/communes/KAY-001/decision`, { decision: 'return', meetings, changes });
    expect(returned.status).toBe(200);
    expect(returned.body.list).toMatchObject({ status: 'change-proposed', proposedBy: kay001Focal.user.username, assemblyAttendees: 140 });
    // The list cannot be decided again while its changes wait.
    expect((await kay001Focal.call('POST', `/api/cycles/${cycleId}/lists/communes/KAY-001/decision`, { decision: 'approve', meetings })).body.error.details.rule).toBe(
      'list-not-awaiting-decision',
    );

    // Four eyes: whoever prepared the changes cannot approve them, in the API as in the workflow.
    const self = await kay001Focal.call('POST', `/api/cycles/${cycleId}/lists/communes/KAY-001/review`, { approve: true });
    expect(self.status).toBe(409);
    expect(self.body.error.details.rule).toBe('four-eyes');
    expect(self.body.error.message).toBe('You prepared this yourself: another authorised person must approve it.');

    // The workflow's own validator refuses it too, for a caller that goes around the API, and the refused
    // approval never enters the history.
    const targeting = stack.client.workflow.getHandle(phaseWorkflowId(cycleId, 'targeting'));
    const accepted = async () => (await targeting.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    const acceptedBefore = await accepted();
    const preparer = {
      principal: { kind: 'user' as const, id: kay001Focal.user.id, username: kay001Focal.user.username, roles: ['focal-point' as const], area: { level: 'commune' as const, region: 'KAY', commune: 'KAY-001' } },
      ip: null,
      requestId: null,
    };
    const direct = targeting.executeUpdate(reviewListChangeUpdate, { args: [{ commune: 'KAY-001', approve: true, actor: kay001Focal.user.username, by: preparer }] });
    await expect(direct).rejects.toMatchObject({ cause: { message: 'You prepared this yourself: another authorised person must approve it.', details: [{ rule: 'four-eyes' }] } });
    expect(await accepted()).toBe(acceptedBefore);

    const approved = await meOfficer.call('POST', `/api/cycles/${cycleId}/lists/communes/KAY-001/review`, { approve: true, comment: 'Vérifié' });
    expect(approved.status).toBe(200);
    expect(approved.body.list).toMatchObject({ status: 'awaiting-decision', round: 2, households: 3 });
    const entries = await stack.database.db.select().from(listEntries).where(and(eq(listEntries.cycleId, cycleId), eq(listEntries.communeCode, 'KAY-001')));
    expect(Object.fromEntries(entries.map((e) => [e.rsuId, [e.addedInRound, e.removedInRound]]))).toEqual({
      [rsu(1)]: [0, null],
      [rsu(2)]: [0, null],
      [rsu(3)]: [0, 1],
      [rsu(4)]: [1, null],
    });
    const detail = await kay001Focal.call('GET', `/api/cycles/${cycleId}/lists/communes/KAY-001`);
    expect(detail.body.changes.map((c: { outcome: string; reviewedBy: string }) => [c.outcome, c.reviewedBy])).toEqual([
      ['applied', meOfficer.user.username],
      ['applied', meOfficer.user.username],
    ]);

    expect((await kay001Focal.call('POST', `/api/cycles/${cycleId}/lists/communes/KAY-001/decision`, { decision: 'approve', meetings })).body.list.status).toBe('approved');
    const audited = await stack.database.db.select({ action: auditLog.action, by: auditLog.actorUsername }).from(auditLog).where(sql`${auditLog.action} like 'list.%'`);
    expect(audited).toEqual(
      expect.arrayContaining([
        { action: 'list.sent', by: meOfficer.user.username },
        { action: 'list.returned', by: kay001Focal.user.username },
        { action: 'list.change-approved', by: meOfficer.user.username },
        { action: 'list.approved', by: kay001Focal.user.username },
      ]),
    );
  });

  it('closes targeting with the pending communes named and freezes only the approved lists', async () => {
    expect((await kayesFocal.call('POST', `/api/cycles/${cycleId}/lists/communes/KAY-002/decision`, { decision: 'approve', meetings })).status).toBe(200);
    const closed = await coordinator.call('POST', `/api/cycles/${cycleId}/phases/targeting/complete`, { comment: 'Clôture du ciblage' });
    expect(closed.status).toBe(200);
    const targeting = closed.body.state.phases.find((p: { phase: string }) => p.phase === 'targeting');
    expect(targeting.status).toBe('completed');
    const detail = await coordinator.call('GET', `/api/cycles/${cycleId}`);
    expect(detail.body.cycle.transitions.find((t: { kind: string; phase: string }) => t.kind === 'phase-completed' && t.phase === 'targeting').reason).toBe(
      'Clôture du ciblage Closed with 1 commune list(s) pending, left off the frozen list: MOP-001.',
    );

    const frozen = await stack.database.db.select().from(beneficiaries).where(eq(beneficiaries.cycleId, cycleId));
    expect(frozen.map((b) => b.rsuId).sort()).toEqual([rsu(1), rsu(2), rsu(4), rsu(6)]);
    expect(frozen.every((b) => b.amountFcfa === 90_000)).toBe(true);
    const summary = await coordinator.call('GET', `/api/cycles/${cycleId}/lists`);
    expect(summary.body.frozen).toBe(true);
    expect(summary.body.regions.map((r: { frozenHouseholds: number }) => r.frozenHouseholds)).toEqual([4, 0]);

    // The explanation of a household follows it through validation to the frozen list.
    const removed = await coordinator.call('GET', `/api/cycles/${cycleId}/targeting/households/${rsu(3)}`);
    expect(removed.body.explanation ?? removed.body).toMatchObject({ validation: { listStatus: 'approved', onList: false, removedInRound: 1, reason: 'A quitté le village' }, frozen: false });
    const added = await coordinator.call('GET', `/api/cycles/${cycleId}/targeting/households/${rsu(4)}`);
    expect(added.body.explanation ?? added.body).toMatchObject({ validation: { onList: true, addedInRound: 1 }, frozen: true });
    // The lists were made from the last eligibility run: its rules can no longer change.
    expect((await coordinator.call('POST', `/api/cycles/${cycleId}/targeting/runs`, {})).status).toBe(409);

    // The register moves on; the frozen list does not.
    await stack.database.db.update(households).set({ headName: 'Nom corrigé', phone: '+22370000000', communeCode: 'KAY-002' }).where(eq(households.rsuId, rsu(1)));
    const [after] = await stack.database.db.select().from(beneficiaries).where(and(eq(beneficiaries.cycleId, cycleId), eq(beneficiaries.rsuId, rsu(1))));
    expect(after).toMatchObject({ headName: 'Chef 1', phone: '+22376000001', communeCode: 'KAY-001' });
    await stack.database.db.update(households).set({ headName: 'Chef 1', phone: '+22376000001', communeCode: 'KAY-001' }).where(eq(households.rsuId, rsu(1)));
    await maybeRecordHistory(stack.client, phaseWorkflowId(cycleId, 'targeting'), 'targeting', 'returned-changed-closed-with-pending');
    await maybeRecordHistory(stack.client, cycleWorkflowId(cycleId), 'program-cycle', 'targeting-closed');
  });

  it('escalates an undecided list to its region, then to the coordination unit, and completes by itself once every list is approved', async () => {
    const id = await cycleInTargeting({ trainingGateWaived: true, validationDeadlineSeconds: 2, escalationDeadlineSeconds: 2 });
    expect((await meOfficer.call('POST', `/api/cycles/${id}/lists/send`)).status).toBe(200);
    await kay001Focal.call('POST', `/api/cycles/${id}/lists/communes/KAY-001/decision`, { decision: 'approve', meetings });
    await expect.poll(async () => (await listOf(id, 'MOP-001')).escalation, { timeout: 15_000 }).toBe('region');
    await expect.poll(async () => (await listOf(id, 'MOP-001')).escalation, { timeout: 15_000 }).toBe('national');
    expect((await listOf(id, 'KAY-001')).escalation).toBe('commune');
    const summary = await coordinator.call('GET', `/api/cycles/${id}/lists`);
    expect(summary.body.regions.find((r: { region: string }) => r.region === 'MOP').escalated).toEqual({ region: 0, national: 1 });

    await kayesFocal.call('POST', `/api/cycles/${id}/lists/communes/KAY-002/decision`, { decision: 'approve', meetings });
    // The list reached the coordination unit, whose coordinator decides for the commune.
    expect((await coordinator.call('POST', `/api/cycles/${id}/lists/communes/MOP-001/decision`, { decision: 'approve', meetings })).status).toBe(200);
    await expect
      .poll(async () => (await coordinator.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase, { timeout: 15_000 })
      .toBe('procurement');
    const frozen = await stack.database.db.select({ n: sql<number>`count(*)::int` }).from(beneficiaries).where(eq(beneficiaries.cycleId, id));
    expect(frozen[0]!.n).toBe(SELECTED.length);
    await maybeRecordHistory(stack.client, phaseWorkflowId(id, 'targeting'), 'targeting', 'escalated-all-approved');
  });

  it('holds back the lists of a region whose workshop is not reported, and sends them when it is', async () => {
    const workshop = { chair: 'Gouverneur', place: 'Chef-lieu', plannedStart: '2021-02-01', plannedEnd: '2021-02-03', plannedParticipants: 40 };
    const report = { actualParticipants: 38, trainersTrained: 15 };
    const id = await cycleInTargeting({ validationDeadlineSeconds: 3600 }, async (cycleId) => {
      for (const region of ['KAY', 'MOP']) expect((await coordinator.call('PUT', `/api/cycles/${cycleId}/workshops/${region}`, workshop)).status).toBe(201);
      expect((await coordinator.call('POST', `/api/cycles/${cycleId}/workshops/KAY/report`, report)).status).toBe(200);
      await expect.poll(async () => (await coordinator.call('GET', `/api/cycles/${cycleId}/live`)).body.state.trainedRegions).toEqual(['KAY']);
    });
    expect((await meOfficer.call('POST', `/api/cycles/${id}/lists/send`)).status).toBe(200);
    expect((await listOf(id, 'KAY-001')).status).toBe('awaiting-decision');
    expect(await listOf(id, 'MOP-001')).toMatchObject({ status: 'waiting-training', deadlineAt: null });
    const early = await mopFocal.call('POST', `/api/cycles/${id}/lists/communes/MOP-001/decision`, { decision: 'approve', meetings });
    expect(early.status).toBe(409);
    expect(early.body.error.details.rule).toBe('list-waiting-training');

    // Mopti's report arrives after training closed: its lists go out at once.
    expect((await coordinator.call('POST', `/api/cycles/${id}/workshops/MOP/report`, report)).status).toBe(200);
    await expect.poll(async () => (await listOf(id, 'MOP-001')).status, { timeout: 10_000 }).toBe('awaiting-decision');
    expect((await listOf(id, 'MOP-001')).deadlineAt).not.toBeNull();
    expect((await mopFocal.call('POST', `/api/cycles/${id}/lists/communes/MOP-001/decision`, { decision: 'approve', meetings })).status).toBe(200);
  });
});
