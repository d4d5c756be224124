import { WorkflowUpdateFailedError } from '@temporalio/client';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCycleService, type CycleService } from '../../api/services/cycles';
import { createTrainingService } from '../../api/services/training';
import { cycleTransitions, cycles, regions } from '../../db/schema';
import type { Phase } from '../../domain/cycle';
import { cycleWorkflowId, phaseWorkflowId } from '../../domain/ids';
import { cycleStateQuery } from '../../workflows/messages';
import { maybeRecordHistory } from '../support/histories';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { actorFor } from '../support/users';

let stack: TestStack;
let service: CycleService;

beforeAll(async () => {
  stack = await startTestStack('program_cycle');
  service = createCycleService({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue });
});
afterAll(() => stack?.stop());

async function transitionsOf(cycleId: string) {
  return stack.database.db
    .select()
    .from(cycleTransitions)
    .where(eq(cycleTransitions.cycleId, cycleId))
    .orderBy(asc(cycleTransitions.sequence));
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => expect.fail('expected the workflow to refuse'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause!.message;
}

describe('program cycle orchestration', () => {
  it('runs the phases in order, opens grievances with disbursement and closes when grievances close', async () => {
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.a'));
    const complete = (phase: Phase, actor = 'coordinator.a') => service.completePhase(cycle.id, phase, actorFor(actor));

    expect(await refusal(complete('targeting'))).toBe('The targeting phase has not started yet.');
    let state = await complete('training', 'awa.traore');
    expect(state.phases.map((p) => p.status)).toEqual(['completed', 'active', 'pending', 'pending', 'pending']);
    state = await complete('targeting');
    state = await complete('procurement');
    expect(state.phases.find((p) => p.phase === 'disbursement')!.status).toBe('active');
    expect(state.phases.find((p) => p.phase === 'grievances')!.status).toBe('active');

    expect(await refusal(complete('grievances'))).toBe('Grievance handling stays open until disbursement is completed.');
    state = await complete('disbursement');
    expect(state.status).toBe('running');
    state = await complete('grievances', 'grievance.officer');
    await expect.poll(async () => (await service.get(cycle.id)).status).toBe('completed');

    const transitions = await transitionsOf(cycle.id);
    expect(transitions.map((t) => [t.kind, t.phase, t.actor])).toEqual([
      ['cycle-started', null, 'coordinator.a'],
      ['phase-started', 'training', 'coordinator.a'],
      ['phase-completed', 'training', 'awa.traore'],
      ['phase-started', 'targeting', 'awa.traore'],
      ['phase-completed', 'targeting', 'coordinator.a'],
      ['phase-started', 'procurement', 'coordinator.a'],
      ['phase-completed', 'procurement', 'coordinator.a'],
      ['phase-started', 'disbursement', 'coordinator.a'],
      ['phase-started', 'grievances', 'coordinator.a'],
      ['phase-completed', 'disbursement', 'coordinator.a'],
      ['phase-completed', 'grievances', 'grievance.officer'],
      ['cycle-completed', null, 'grievance.officer'],
    ]);
    expect(transitions.map((t) => t.sequence)).toEqual(transitions.map((_, i) => i + 1));
    await maybeRecordHistory(stack.client, cycleWorkflowId(cycle.id), 'program-cycle', 'completed');
    await maybeRecordHistory(stack.client, phaseWorkflowId(cycle.id, 'training'), 'cycle-phase', 'completed');
  });

  it('a paused cycle refuses to advance, then resumes where it stopped', async () => {
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.a'));
    await service.completePhase(cycle.id, 'training', actorFor('coordinator.a'));
    let state = await service.pause(cycle.id, actorFor('coordinator.b'), 'Budget review by the steering committee');
    expect(state.status).toBe('paused');
    expect(await refusal(service.completePhase(cycle.id, 'targeting', actorFor('coordinator.a')))).toBe(
      'The cycle is paused: resume it before advancing a phase.',
    );
    expect(await refusal(service.pause(cycle.id, actorFor('coordinator.b'), 'again'))).toBe('The cycle is already paused.');

    state = await service.resume(cycle.id, actorFor('coordinator.b'), '');
    expect(state.status).toBe('running');
    state = await service.completePhase(cycle.id, 'targeting', actorFor('coordinator.a'));
    expect(state.phases.find((p) => p.phase === 'procurement')!.status).toBe('active');

    const [row] = await stack.database.db.select().from(cycles).where(eq(cycles.id, cycle.id));
    expect(row!.status).toBe('running');
    const pause = (await transitionsOf(cycle.id)).find((t) => t.kind === 'cycle-paused')!;
    expect([pause.actor, pause.reason]).toEqual(['coordinator.b', 'Budget review by the steering committee']);
    await maybeRecordHistory(stack.client, cycleWorkflowId(cycle.id), 'program-cycle', 'paused-resumed');
  });

  it('a refused action never enters the workflow history', async () => {
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.a'));
    await refusal(service.completePhase(cycle.id, 'disbursement', actorFor('coordinator.a')));
    await refusal(service.resume(cycle.id, actorFor('coordinator.a'), ''));
    const history = await stack.client.workflow.getHandle(cycleWorkflowId(cycle.id)).fetchHistory();
    const updateEvents = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updateEvents).toHaveLength(0);
    await service.cancel(cycle.id, actorFor('coordinator.a'), 'clean up');
  });

  it('cancelling stops every open phase and records who cancelled and why', async () => {
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.a'));
    await service.completePhase(cycle.id, 'training', actorFor('coordinator.a'));
    const state = await service.cancel(cycle.id, actorFor('coordinator.c'), 'Funding withdrawn');
    expect(state.status).toBe('cancelled');
    expect(state.phases.map((p) => p.status)).toEqual(['completed', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);

    const result = await stack.client.workflow.getHandle(cycleWorkflowId(cycle.id)).result();
    expect(result.status).toBe('cancelled');
    const child = await stack.client.workflow.getHandle(phaseWorkflowId(cycle.id, 'targeting')).describe();
    expect(child.status.name).toBe('CANCELLED');
    const last = (await transitionsOf(cycle.id)).at(-1)!;
    expect([last.kind, last.actor, last.reason]).toEqual(['cycle-cancelled', 'coordinator.c', 'Funding withdrawn']);
    expect((await service.get(cycle.id)).status).toBe('cancelled');
    await maybeRecordHistory(stack.client, cycleWorkflowId(cycle.id), 'program-cycle', 'cancelled');
    await maybeRecordHistory(stack.client, phaseWorkflowId(cycle.id, 'targeting'), 'cycle-phase', 'cancelled');
  });

  it('a cycle cancelled from Temporal itself is recorded as cancelled, not left running in the console', async () => {
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.a'));
    await service.completePhase(cycle.id, 'training', actorFor('coordinator.a'));
    const handle = stack.client.workflow.getHandle(cycleWorkflowId(cycle.id));
    await handle.cancel();
    expect((await handle.result()).status).toBe('cancelled');
    const stored = await service.get(cycle.id);
    expect(stored.status).toBe('cancelled');
    expect(stored.transitions.at(-1)).toMatchObject({ kind: 'cycle-cancelled', actor: 'temporal' });
  });

  it('training completes by itself when the last region reports its workshop', async () => {
    const training = createTrainingService({ database: stack.database, temporal: stack.client });
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.a'));
    await expect.poll(async () => (await service.get(cycle.id)).currentPhase).toBe('training');
    const workshop = { chair: 'Gouverneur', place: 'Kayes', plannedStart: '2020-07-21', plannedEnd: '2020-07-24', plannedParticipants: 40 };
    // Every region of the geography reports; Gao last.
    const everyRegion = (await stack.database.db.select({ code: regions.code }).from(regions)).map((r) => r.code).filter((r) => r !== 'GAO');
    for (const region of [...everyRegion, 'GAO']) await training.plan(cycle.id, region, { ...workshop, place: region }, actorFor('coordinator.a'));
    for (const region of everyRegion) await training.report(cycle.id, region, { actualParticipants: 38, trainersTrained: 20 }, actorFor('awa.traore', ['me-officer']));
    expect((await service.get(cycle.id)).currentPhase).toBe('training');
    await training.report(cycle.id, 'GAO', { actualParticipants: 41, trainersTrained: 19 }, actorFor('moussa.maiga', ['focal-point'], { level: 'region', region: 'GAO' }));
    await expect.poll(async () => (await service.get(cycle.id)).currentPhase).toBe('targeting');
    const live = await stack.client.workflow.getHandle(cycleWorkflowId(cycle.id)).query(cycleStateQuery);
    expect(live.trainedRegions).toEqual([...everyRegion, 'GAO']);
    const transitions = await transitionsOf(cycle.id);
    expect(transitions.find((t) => t.kind === 'phase-completed')).toMatchObject({ phase: 'training', actor: 'moussa.maiga' });
    await service.cancel(cycle.id, actorFor('coordinator.a'), 'clean up');
    await maybeRecordHistory(stack.client, cycleWorkflowId(cycle.id), 'program-cycle', 'training-completed-by-workshop-reports');
  });

  it('the live Query and the Postgres read model agree after every step', async () => {
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.a'));
    await service.completePhase(cycle.id, 'training', actorFor('coordinator.a'));
    const live = await stack.client.workflow.getHandle(cycleWorkflowId(cycle.id)).query(cycleStateQuery);
    const stored = await service.get(cycle.id);
    expect(stored.version).toBe(live.version);
    expect(stored.phases).toEqual(live.phases);
    await service.cancel(cycle.id, actorFor('coordinator.a'), 'clean up');
  });
});
