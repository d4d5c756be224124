import { asc, eq, sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/realtime/contract';
import { auditLog, procurementActions, procurementCases } from '../../db/schema';
import { procurementWorkflowId } from '../../domain/ids';
import type { ProcurementChanged } from '../../domain/events';
import { DEFAULT_TEMPLATES, type StepTemplate } from '../../domain/procurement';
import type { ApiSession } from '../../scripts/api-session';
import { seedDemoProcurement } from '../../scripts/demo-cycle';
import { PROCUREMENT_UPDATES } from '../../workflows/messages';
import { maybeRecordHistory } from '../support/histories';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let base: string;
type Session = ApiSession & { user: { id: string; username: string } };
let coordinator: Session;
let admin: Session;
let awa: Session;
let moussa: Session;
let segouOfficer: Session;
let kayesOfficer: Session;
let auditor: Session;
let ibrahim: Session;
let cycleId: string;

const centre = [
  { level: 'region', region: 'SEG' },
  { level: 'region', region: 'MOP' },
];
const rfp = DEFAULT_TEMPLATES.find((t) => t.key === 'wb-rfp')!;

beforeAll(async () => {
  stack = await startTestStack('procurement');
  base = (await stack.startApi()).url;
  [coordinator, admin, awa, moussa, segouOfficer, kayesOfficer, auditor, ibrahim] = await Promise.all([
    signInAs(stack.database, base, ['coordinator']),
    signInAs(stack.database, base, ['admin']),
    signInAs(stack.database, base, ['procurement-officer']),
    signInAs(stack.database, base, ['procurement-officer']),
    signInAs(stack.database, base, ['procurement-officer'], { level: 'region', region: 'SEG' }),
    signInAs(stack.database, base, ['procurement-officer'], { level: 'region', region: 'KAY' }),
    signInAs(stack.database, base, ['auditor']),
    signInAs(stack.database, base, ['procurement-officer']),
  ]);
  const created = await coordinator.call('POST', '/api/cycles', demoCycleInput());
  expect(created.status).toBe(201);
  cycleId = created.body.cycle.id;
}, 60_000);
afterAll(() => stack?.stop());

async function openCase(lot: unknown[], templateKey = 'wb-rfp', inCycle = cycleId) {
  const title = `Agence de paiement ${Math.random().toString(36).slice(2, 8)}`;
  const created = await awa.call('POST', '/api/procurement/cases', { cycleId: inCycle, kind: 'payment-agency', title, lot, templateKey });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.case.id as string;
  // The workflow records the opening itself: the case page shows its steps from then on.
  await expect.poll(async () => (await awa.call('GET', `/api/procurement/cases/${id}`)).body.steps?.length ?? 0).toBeGreaterThan(0);
  return id;
}

const caseOf = async (id: string, who: Session = awa) => (await who.call('GET', `/api/procurement/cases/${id}`)).body;

/** Prepares the current step (with what its kind needs) and gets it through with a second officer. */
async function passStep(id: string, preparer: Session = awa, approver: Session = moussa) {
  const { case: c, steps } = await caseOf(id);
  const step = steps[c.currentIndex];
  const data =
    step.kind === 'call'
      ? { bidDeadline: new Date(Date.now() + 1500).toISOString() }
      : step.kind === 'bids'
        ? { bidders: ['Orange Money', 'BNDA', 'BMS'] }
        : step.kind === 'contract'
          ? { contract: { agency: 'Orange Money', amountFcfa: 1_350_000_000, feesFcfa: 27_000_000 } }
          : undefined;
  const submitted = await preparer.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit', comment: `Préparé: ${step.key}`, documents: [`${step.key}.pdf`], ...(data ? { data } : {}) });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  const second =
    step.kind === 'no-objection'
      ? await approver.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'record-no-objection', granted: true, reference: `BM/NO/${step.key}` })
      : await approver.call('POST', `/api/procurement/cases/${id}/review`, { kind: 'approve', comment: 'Vu' });
  expect(second.status, JSON.stringify(second.body)).toBe(200);
  if (step.kind === 'call') await expect.poll(async () => (await caseOf(id)).case.currentIndex, { timeout: 10_000 }).toBe(c.currentIndex + 1);
  return second.body;
}

const acceptedUpdates = async (id: string) =>
  (await stack.client.workflow.getHandle(procurementWorkflowId(id)).fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;

describe('a procurement case', () => {
  let centreCase: string;

  it('goes through the World Bank chain to agency mobilised, which opens its lot for disbursement', async () => {
    centreCase = await openCase(centre, 'wb-rfp');
    const gatesBefore = await coordinator.call('GET', `/api/procurement/cycles/${cycleId}/gates`);
    expect(gatesBefore.body.gates).toEqual([expect.objectContaining({ caseId: centreCase, open: false, currentStep: 'terms-drafted', lotLabel: 'SEG, MOP' })]);
    for (let i = 0; i < rfp.steps.length; i++) await passStep(centreCase);

    const done = await caseOf(centreCase);
    expect(done.case).toMatchObject({ status: 'completed', currentStep: 'agency-mobilised', templateVersion: 1 });
    expect(done.allowed).toEqual([]);
    expect(done.steps.every((s: { status: string }) => s.status === 'done')).toBe(true);
    expect(done.steps.find((s: { key: string }) => s.key === 'contract-signed').data.contract).toEqual({ agency: 'Orange Money', amountFcfa: 1_350_000_000, feesFcfa: 27_000_000 });
    // Every action in the timeline once, in order, with who did it.
    const kinds = done.actions.map((a: { kind: string }) => a.kind);
    expect(kinds[0]).toBe('opened');
    expect(kinds.filter((k: string) => k === 'submit')).toHaveLength(10);
    expect(kinds.filter((k: string) => k === 'bid-deadline-passed')).toHaveLength(1);
    expect(done.actions.map((a: { version: number }) => a.version)).toEqual(kinds.map((_: string, i: number) => i + 1));
    expect(done.actions.find((a: { kind: string }) => a.kind === 'record-no-objection')).toMatchObject({ actor: moussa.user.username, data: { granted: true, reference: 'BM/NO/terms-no-objection' } });

    const gates = await coordinator.call('GET', `/api/procurement/cycles/${cycleId}/gates`);
    expect(gates.body.gates).toEqual([expect.objectContaining({ caseId: centreCase, open: true })]);
    const audited = await stack.database.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, centreCase));
    expect(audited.map((a) => a.action)).toEqual(expect.arrayContaining(['procurement.case.open', 'procurement.submit', 'procurement.approve', 'procurement.record-no-objection']));
    await maybeRecordHistory(stack.client, procurementWorkflowId(centreCase), 'procurement', 'agency-mobilised');
  }, 120_000);

  it('refuses an overlapping lot, a bad lot and bad input with a 4xx and opens nothing', async () => {
    const before = await stack.database.db.select({ n: sql<number>`count(*)::int` }).from(procurementCases);
    const attempts: Array<[unknown, number]> = [
      [{ cycleId, kind: 'payment-agency', title: 'Doublon Mopti', lot: [{ level: 'commune', region: 'MOP', commune: 'MOP-001' }], templateKey: 'wb-rfp' }, 409],
      [{ cycleId, kind: 'payment-agency', title: 'Région inconnue', lot: [{ level: 'region', region: 'XXX' }], templateKey: 'wb-rfp' }, 400],
      [{ cycleId, kind: 'ngo', title: 'ONG deux régions', lot: centre, templateKey: 'rfq' }, 400],
      [{ cycleId, kind: 'payment-agency', title: 'Modèle inconnu', lot: [{ level: 'region', region: 'GAO' }], templateKey: 'nope' }, 404],
      [{ cycleId: '00000000-0000-4000-8000-000000000000', kind: 'payment-agency', title: 'Cycle inconnu', lot: [{ level: 'region', region: 'GAO' }], templateKey: 'rfq' }, 404],
      [{ cycleId, kind: 'payment-agency', title: 'x', lot: [], templateKey: 'rfq' }, 400],
    ];
    for (const [input, status] of attempts) expect((await awa.call('POST', '/api/procurement/cases', input)).status, JSON.stringify(input)).toBe(status);
    expect(await stack.database.db.select({ n: sql<number>`count(*)::int` }).from(procurementCases)).toEqual(before);
    expect((await coordinator.call('POST', '/api/procurement/cases', { cycleId, kind: 'ngo', title: 'ONG Gao', lot: [{ level: 'region', region: 'GAO' }], templateKey: 'rfq' })).status).toBe(403);
  });

  it('refuses the approval by whoever prepared the step, in the API and in the workflow, and the refusal never enters history', async () => {
    const id = await openCase([{ level: 'region', region: 'KOU' }], 'rfq');
    await awa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit', data: { bidDeadline: new Date(Date.now() + 3_600_000).toISOString() } });
    const self = await awa.call('POST', `/api/procurement/cases/${id}/review`, { kind: 'approve' });
    expect(self.status).toBe(409);
    expect(self.body.error).toMatchObject({ message: 'You prepared this yourself: another authorised person must approve it.', details: { rule: 'four-eyes' } });
    expect((await caseOf(id, awa)).allowed).not.toContain('approve');
    expect((await caseOf(id, moussa)).allowed).toEqual(expect.arrayContaining(['approve', 'reject']));

    const handle = stack.client.workflow.getHandle(procurementWorkflowId(id));
    const acceptedBefore = await acceptedUpdates(id);
    const preparer = { principal: { kind: 'user' as const, id: awa.user.id, username: awa.user.username, roles: ['procurement-officer' as const], area: { level: 'national' as const } }, ip: null, requestId: null };
    const direct = handle.executeUpdate(PROCUREMENT_UPDATES.approve, { args: [{ action: { kind: 'approve' }, actor: awa.user.username, by: preparer }] });
    await expect(direct).rejects.toMatchObject({ cause: { message: 'You prepared this yourself: another authorised person must approve it.', details: [{ rule: 'four-eyes' }] } });
    const anonymous = handle.executeUpdate(PROCUREMENT_UPDATES.approve, { args: [{ action: { kind: 'approve' }, actor: 'script' }] });
    await expect(anonymous).rejects.toMatchObject({ cause: { details: [{ rule: 'not-permitted' }] } });
    expect(await acceptedUpdates(id)).toBe(acceptedBefore);
    expect((await caseOf(id)).actions.map((a: { kind: string }) => a.kind)).toEqual(['opened', 'submit']);
  });

  it('refuses the wrong role and an officer outside the lot', async () => {
    // Ségou is in the centre lot of the first cycle: this lot is for another cycle.
    const other = await coordinator.call('POST', '/api/cycles', demoCycleInput());
    const id = await openCase([{ level: 'region', region: 'SEG' }, { level: 'region', region: 'TOM' }], 'rfq', other.body.cycle.id);
    const submit = { kind: 'submit', data: { bidDeadline: new Date(Date.now() + 3_600_000).toISOString() } };
    expect((await coordinator.call('POST', `/api/procurement/cases/${id}/prepare`, submit)).status).toBe(403);
    expect((await auditor.call('POST', `/api/procurement/cases/${id}/prepare`, submit)).status).toBe(403);
    // Ségou's officer sees the case (it touches Ségou) but may not act on a lot that reaches Tombouctou.
    expect((await caseOf(id, segouOfficer)).case.id).toBe(id);
    const outside = await segouOfficer.call('POST', `/api/procurement/cases/${id}/prepare`, submit);
    expect(outside.status).toBe(403);
    expect(outside.body.error.details.rule).toBe('not-permitted');
    // Kayes' officer does not see it at all.
    expect((await kayesOfficer.call('GET', `/api/procurement/cases/${id}`)).status).toBe(404);
    expect((await kayesOfficer.call('POST', `/api/procurement/cases/${id}/prepare`, submit)).status).toBe(404);
    expect((await kayesOfficer.call('GET', '/api/procurement/cases')).body.cases.map((c: { id: string }) => c.id)).not.toContain(id);
    expect((await caseOf(id)).actions).toHaveLength(1);
  });

  it('loops through a rejection and a return for rework, then a funder objection', async () => {
    const id = await openCase([{ level: 'region', region: 'KID' }], 'wb-rfp');
    await passStep(id);
    await awa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit', comment: 'Revue faite' });
    expect((await moussa.call('POST', `/api/procurement/cases/${id}/review`, { kind: 'reject' })).status).toBe(400);
    const rejected = await moussa.call('POST', `/api/procurement/cases/${id}/review`, { kind: 'reject', comment: 'Le budget manque' });
    expect(rejected.body.case).toMatchObject({ currentStep: 'internal-review', stepStatus: 'open' });
    await awa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit', comment: 'Budget ajouté' });
    const returned = await moussa.call('POST', `/api/procurement/cases/${id}/review`, { kind: 'return-for-rework', toStep: 'terms-drafted', comment: 'Reprendre les TdR' });
    expect(returned.body.case).toMatchObject({ currentStep: 'terms-drafted', stepStatus: 'open' });
    expect(returned.body.steps.map((s: { status: string }) => s.status).slice(0, 3)).toEqual(['open', 'waiting', 'waiting']);
    await passStep(id);
    await passStep(id);
    await awa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit', documents: ['Lettre 2021/041'] });
    expect((await moussa.call('POST', `/api/procurement/cases/${id}/review`, { kind: 'approve' })).body.error.details.rule).toBe('step-kind');
    const objected = await moussa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'record-no-objection', granted: false, reference: 'BM/OBJ/2021/3', comment: 'Critères de sélection à préciser' });
    expect(objected.body.case.currentStep).toBe('internal-review');
    const kinds = objected.body.actions.map((a: { kind: string }) => a.kind);
    expect(kinds).toEqual(['opened', 'submit', 'approve', 'submit', 'reject', 'submit', 'return-for-rework', 'submit', 'approve', 'submit', 'approve', 'submit', 'record-no-objection']);
    await maybeRecordHistory(stack.client, procurementWorkflowId(id), 'procurement', 'rejected-returned-objected');
  }, 60_000);

  it('alerts the coordination unit when a step is late, then escalates it; a template edited meanwhile leaves the case on its version', async () => {
    const steps: StepTemplate[] = [
      { key: 'terms-drafted', kind: 'review', label: { fr: 'TdR', en: 'Terms' }, deadlineSeconds: 2, escalationSeconds: 2 },
      { key: 'agency-mobilised', kind: 'review', label: { fr: 'Agence mobilisée', en: 'Agency mobilised' }, deadlineSeconds: 60, escalationSeconds: 60 },
    ];
    expect((await awa.call('PUT', '/api/procurement/templates/rapide', { name: { fr: 'Rapide', en: 'Quick' }, steps })).status).toBe(403);
    const saved = await admin.call('PUT', '/api/procurement/templates/rapide', { name: { fr: 'Rapide', en: 'Quick' }, steps });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect((await admin.call('PUT', '/api/procurement/templates/rapide', { name: { fr: 'Rapide', en: 'Quick' }, steps: steps.slice(0, 1) })).status).toBe(400);

    const notices: ProcurementChanged[] = [];
    const listener = await stack.database.sql.listen('jigi_procurement', (p) => notices.push(JSON.parse(p) as ProcurementChanged));
    const id = await openCase([{ level: 'region', region: 'GAO' }], 'rapide');
    const v2 = await admin.call('PUT', '/api/procurement/templates/rapide', { name: { fr: 'Rapide v2', en: 'Quick v2' }, steps: [{ ...steps[0]!, deadlineSeconds: 3600 }, steps[1]] });
    expect(v2.body.template.version).toBe(2);

    await expect.poll(async () => (await caseOf(id)).case.escalated, { timeout: 15_000 }).toBe(true);
    await listener.unlisten();
    expect(notices.filter((n) => n.caseId === id && n.alert).map((n) => n.alert)).toEqual(['late', 'escalated']);
    const detail = await caseOf(id);
    expect(detail.case).toMatchObject({ late: true, templateVersion: 1 });
    expect(detail.steps[0].lateAt).not.toBeNull();
    expect(detail.actions.map((a: { kind: string; actor: string }) => `${a.kind}:${a.actor}`)).toEqual([`opened:${awa.user.username}`, 'late:system', 'escalated:system']);
    expect((await moussa.call('GET', '/api/procurement/cases?filter=late')).body.cases.map((c: { id: string }) => c.id)).toContain(id);

    // The case finishes on version 1's two steps although version 2 exists.
    await passStep(id);
    await passStep(id);
    expect((await caseOf(id)).case.status).toBe('completed');
    const figures = await coordinator.call('GET', `/api/procurement/figures?cycleId=${cycleId}`);
    expect(figures.body.steps.find((s: { key: string }) => s.key === 'terms-drafted')).toMatchObject({ late: 1 });
    expect(figures.body.cases.completed).toBeGreaterThanOrEqual(2);
    await maybeRecordHistory(stack.client, procurementWorkflowId(id), 'procurement', 'late-escalated');
  }, 60_000);

  it('is cancelled or restarted from a step by the coordinator only, with a reason', async () => {
    const id = await openCase([{ level: 'region', region: 'SIK' }], 'rfq');
    await passStep(id);
    await passStep(id);
    expect((await awa.call('POST', `/api/procurement/cases/${id}/manage`, { kind: 'restart-from', toStep: 'quotations-requested', comment: 'x' })).status).toBe(403);
    expect((await coordinator.call('POST', `/api/procurement/cases/${id}/manage`, { kind: 'restart-from', toStep: 'quotations-requested' })).status).toBe(400);
    const restarted = await coordinator.call('POST', `/api/procurement/cases/${id}/manage`, { kind: 'restart-from', toStep: 'quotations-requested', comment: 'Cotations hors délai' });
    expect(restarted.body.case).toMatchObject({ currentStep: 'quotations-requested', stepStatus: 'open' });
    const cancelled = await coordinator.call('POST', `/api/procurement/cases/${id}/manage`, { kind: 'cancel', comment: 'Lot regroupé avec Ségou' });
    expect(cancelled.body.case.status).toBe('cancelled');
    await maybeRecordHistory(stack.client, procurementWorkflowId(id), 'procurement', 'restarted-cancelled');
    expect((await awa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit' })).body.error.details.rule).toBe('case-closed');
    // A cancelled case gates nothing, and its lot is free for a new case.
    expect((await coordinator.call('GET', `/api/procurement/cycles/${cycleId}/gates`)).body.gates.map((g: { caseId: string }) => g.caseId)).not.toContain(id);
    await openCase([{ level: 'region', region: 'SIK' }], 'rfq');
  }, 60_000);

  it('loses nothing when the worker stops in the middle of a case', async () => {
    const id = await openCase([{ level: 'region', region: 'KAY' }], 'rfq');
    await passStep(id);
    await awa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit', data: { bidders: ['BNDA'] } });
    await stack.stopWorker();
    const approver = { principal: { kind: 'user' as const, id: moussa.user.id, username: moussa.user.username, roles: ['procurement-officer' as const], area: { level: 'national' as const } }, ip: null, requestId: null };
    // Asked while no worker runs: the Update waits in Temporal until a worker is back.
    const pending = stack.client.workflow.getHandle(procurementWorkflowId(id)).executeUpdate(PROCUREMENT_UPDATES.approve, { args: [{ action: { kind: 'approve' }, actor: moussa.user.username, by: approver }] });
    await new Promise((r) => setTimeout(r, 500));
    await stack.startWorker();
    expect((await pending).steps[1]!.status).toBe('done');
    await passStep(id);
    await passStep(id);
    await passStep(id);
    const done = await caseOf(id);
    expect(done.case.status).toBe('completed');
    const versions = (await stack.database.db.select({ v: procurementActions.version }).from(procurementActions).where(eq(procurementActions.caseId, id)).orderBy(asc(procurementActions.version))).map((r) => r.v);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  }, 60_000);
});

describe('the demo', () => {
  it('seeds the 2021 picture: the south mobilised, the centre waiting for the funder, the north for a second signature', async () => {
    const demo = await coordinator.call('POST', '/api/cycles', demoCycleInput());
    const demoCycle = demo.body.cycle.id as string;
    await seedDemoProcurement(awa.call, moussa.call, admin.call, demoCycle);
    const cases = (await moussa.call('GET', `/api/procurement/cases?cycleId=${demoCycle}`)).body.cases;
    expect(cases.map((c: { lotLabel: string; status: string; currentStep: string; stepStatus: string; waitingSecondSignature: boolean }) => [c.lotLabel, c.status, c.currentStep, c.stepStatus])).toEqual([
      ['KAY, KOU, SIK, BKO', 'completed', 'agency-mobilised', 'done'],
      ['SEG, MOP', 'running', 'terms-no-objection', 'submitted'],
      ['TOM, GAO, KID', 'running', 'terms-drafted', 'submitted'],
      ['MOP', 'running', 'quotations-requested', 'open'],
    ]);
    // The centre and the north run on the demo's emergency chain, whose deadlines are minutes.
    expect(cases.map((c: { templateKey: string }) => c.templateKey)).toEqual(['rfq', 'wb-rfp-urgence-demo', 'wb-rfp-urgence-demo', 'rfq']);
    const gates = (await coordinator.call('GET', `/api/procurement/cycles/${demoCycle}/gates`)).body.gates;
    expect(gates.map((g: { open: boolean }) => g.open)).toEqual([true, false, false]);
  }, 60_000);
});

describe('live procurement', () => {
  it('sends an approval to the other open consoles in under one second, and refuses the room to nobody who may read', async () => {
    const id = await openCase([{ level: 'region', region: 'BKO' }], 'rfq');
    await awa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit', data: { bidDeadline: new Date(Date.now() + 3_600_000).toISOString() } });
    const consoles = await Promise.all(
      [auditor, segouOfficer, coordinator].map(async (session) => {
        const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: session.cookie } });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
        expect(await socket.timeout(5000).emitWithAck('procurement:watch')).toEqual({ ok: true });
        return socket;
      }),
    );
    try {
      const arrivals = consoles.map(
        (socket) =>
          new Promise<number>((resolve) => {
            socket.on('procurement:changed', (change) => {
              if (change.caseId === id && change.kind === 'approve') resolve(Date.now());
            });
          }),
      );
      const sentAt = Date.now();
      const approved = await moussa.call('POST', `/api/procurement/cases/${id}/review`, { kind: 'approve' });
      expect(approved.status).toBe(200);
      for (const at of await Promise.all(arrivals)) expect(at - sentAt).toBeLessThan(1000);
    } finally {
      for (const socket of consoles) socket.disconnect();
    }
  });
});

describe('procurement at scale', () => {
  it('advances 200 cases concurrently through the API with no lost or doubled step', async () => {
    const steps: StepTemplate[] = [
      { key: 'contract-signed', kind: 'review', label: { fr: 'Contrat', en: 'Contract' }, deadlineSeconds: 3600, escalationSeconds: 3600 },
      { key: 'agency-mobilised', kind: 'review', label: { fr: 'Mobilisée', en: 'Mobilised' }, deadlineSeconds: 3600, escalationSeconds: 3600 },
    ];
    expect((await admin.call('PUT', '/api/procurement/templates/charge', { name: { fr: 'Charge', en: 'Load' }, steps })).status).toBe(200);
    const cycle = await coordinator.call('POST', '/api/cycles', demoCycleInput());
    const loadCycle = cycle.body.cycle.id as string;
    const communes = (await stack.database.sql<{ code: string; region: string }[]>`select code, region_code as region from communes order by code limit 200`).map((c) => c);
    expect(communes).toHaveLength(200);

    const pool = async <T,>(items: T[], size: number, run: (item: T) => Promise<void>) => {
      const queue = [...items];
      await Promise.all(Array.from({ length: size }, async () => {
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
      }));
    };
    const ids: string[] = [];
    await pool(communes, 20, async (c) => {
      const created = await awa.call('POST', '/api/procurement/cases', { cycleId: loadCycle, kind: 'payment-agency', title: `Lot ${c.code}`, lot: [{ level: 'commune', region: c.region, commune: c.code }], templateKey: 'charge' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      ids.push(created.body.case.id);
    });
    const approvals: number[][] = [];
    await pool(ids, 20, async (id) => {
      for (let step = 0; step < 2; step++) {
        const submitted = await awa.call('POST', `/api/procurement/cases/${id}/prepare`, { kind: 'submit' });
        expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
        // Two officers approve at the same moment: exactly one approval goes through.
        const both = await Promise.all([moussa, ibrahim].map((o) => o.call('POST', `/api/procurement/cases/${id}/review`, { kind: 'approve' })));
        approvals.push(both.map((a) => a.status).sort());
      }
    });
    expect(approvals).toHaveLength(400);
    expect(approvals.filter(([a, b]) => a !== 200 || b !== 409)).toEqual([]);
    await expect
      .poll(async () => (await stack.database.sql`select count(*)::int as n from procurement_cases where cycle_id = ${loadCycle} and status = 'completed' and version = 5`)[0]!.n, { timeout: 30_000 })
      .toBe(200);
    const actions = await stack.database.sql<{ kind: string; n: number }[]>`
      select a.kind, count(*)::int as n from procurement_actions a join procurement_cases c on c.id = a.case_id where c.cycle_id = ${loadCycle} group by a.kind order by a.kind`;
    expect(actions).toEqual([
      { kind: 'approve', n: 400 },
      { kind: 'opened', n: 200 },
      { kind: 'submit', n: 400 },
    ]);
    const gates = await coordinator.call('GET', `/api/procurement/cycles/${loadCycle}/gates`);
    expect(gates.body.gates.filter((g: { open: boolean }) => g.open)).toHaveLength(200);
  }, 300_000);
});
