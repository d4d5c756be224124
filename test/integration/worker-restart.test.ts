import type { ChildProcess } from 'node:child_process';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCycleService, type CycleService } from '../../api/services/cycles';
import { cycleTransitions, procurementActions } from '../../db/schema';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { actorFor, signInAs } from '../support/users';
import { killProcess as kill, startWorkerProcess as startWorker } from '../support/worker-process';

let stack: TestStack;
let service: CycleService;
let worker: ChildProcess | null = null;

beforeAll(async () => {
  stack = await startTestStack('worker_restart', { worker: false });
  service = createCycleService({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue });
});
afterAll(async () => {
  if (worker) await kill(worker);
  await stack?.stop();
});

describe('worker restart', () => {
  it('a worker killed in the middle of a cycle loses nothing: a new worker continues where it stopped', async () => {
    worker = await startWorker(stack);
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.a'));
    await service.completePhase(cycle.id, 'training', actorFor('awa.traore'));
    await kill(worker);

    // Asked while no worker runs: the Update waits in Temporal until a worker is back.
    const pending = service.completePhase(cycle.id, 'targeting', actorFor('coordinator.b'));
    worker = await startWorker(stack);
    const state = await pending;
    expect(state.phases.map((p) => [p.phase, p.status])).toEqual([
      ['training', 'completed'],
      ['targeting', 'completed'],
      ['procurement', 'active'],
      ['disbursement', 'pending'],
      ['grievances', 'pending'],
    ]);

    const transitions = await stack.database.db
      .select()
      .from(cycleTransitions)
      .where(eq(cycleTransitions.cycleId, cycle.id))
      .orderBy(asc(cycleTransitions.sequence));
    expect(transitions.map((t) => `${t.kind}:${t.phase ?? ''}:${t.actor}`)).toEqual([
      'cycle-started::coordinator.a',
      'phase-started:training:coordinator.a',
      'phase-completed:training:awa.traore',
      'phase-started:targeting:awa.traore',
      'phase-completed:targeting:coordinator.b',
      'phase-started:procurement:coordinator.b',
    ]);
    expect((await service.get(cycle.id)).currentPhase).toBe('procurement');
    await service.cancel(cycle.id, actorFor('coordinator.a'), 'end of test');
  });

  it('a worker killed in the middle of a procurement case loses no step: the approval asked meanwhile lands once', async () => {
    const base = (await stack.startApi()).url;
    const [coordinator, awa, moussa] = await Promise.all([
      signInAs(stack.database, base, ['coordinator']),
      signInAs(stack.database, base, ['procurement-officer']),
      signInAs(stack.database, base, ['procurement-officer']),
    ]);
    // The first test's worker is still running: one worker at a time, and none left behind.
    if (worker) await kill(worker);
    worker = await startWorker(stack);
    const cycle = await coordinator.call('POST', '/api/cycles', demoCycleInput());
    const opened = await awa.call('POST', '/api/procurement/cases', {
      cycleId: cycle.body.cycle.id,
      kind: 'payment-agency',
      title: 'Agence de paiement — lot Nord',
      lot: [{ level: 'region', region: 'GAO' }],
      templateKey: 'wb-rfp',
    });
    const caseId = opened.body.case.id as string;
    await expect.poll(async () => (await awa.call('GET', `/api/procurement/cases/${caseId}`)).body.allowed).toEqual(['submit']);
    expect((await awa.call('POST', `/api/procurement/cases/${caseId}/prepare`, { kind: 'submit', comment: 'TdR' })).status).toBe(200);
    await kill(worker);

    // Asked while no worker runs: the API's check needs the workflow's state, so the call waits for a worker.
    const pending = moussa.call('POST', `/api/procurement/cases/${caseId}/review`, { kind: 'approve', comment: 'Vu' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    worker = await startWorker(stack);
    const approved = await pending;
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.case).toMatchObject({ currentStep: 'internal-review', stepStatus: 'open' });
    const timeline = await stack.database.db.select({ kind: procurementActions.kind, version: procurementActions.version }).from(procurementActions).where(eq(procurementActions.caseId, caseId)).orderBy(asc(procurementActions.version));
    expect(timeline).toEqual([
      { kind: 'opened', version: 1 },
      { kind: 'submit', version: 2 },
      { kind: 'approve', version: 3 },
    ]);
    await coordinator.call('POST', `/api/procurement/cases/${caseId}/manage`, { kind: 'cancel', comment: 'fin du test' });
  });
});
