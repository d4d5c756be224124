import { WorkflowUpdateFailedError } from '@temporalio/client';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grievanceCases, grievanceReferenceSequence, grievanceTimeline } from '../../db/schema';
import type { GrievanceChanged } from '../../domain/events';
import { DEFAULT_GRIEVANCE_SETTINGS, grievanceReference, openGrievance, type GrievanceAction, type GrievanceCategory, type GrievanceSettings } from '../../domain/grievances';
import { grievanceWorkflowId } from '../../domain/ids';
import type { ActorContext, Area, Principal, Role } from '../../domain/roles';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { grievanceCaseWorkflow } from '../../workflows/grievance';
import { GRIEVANCE_UPDATES } from '../../workflows/messages';
import { maybeRecordHistory } from '../support/histories';
import { startTestStack, type TestStack } from '../support/stack';

// The workflow on its own, filed the way the API will file it (row first, then the workflow); the API comes next.
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack('grievance-workflow');
}, 60_000);
afterAll(() => stack?.stop());

const KATI = { level: 'commune' as const, region: 'KOU', commune: 'KATI' };
const settings: GrievanceSettings = {
  deadlineSeconds: { ...DEFAULT_GRIEVANCE_SETTINGS.deadlineSeconds, 'non-payment': 2, 'wrong-amount': 3600, misconduct: 3600 },
  reopenSeconds: 3,
};
const as = (role: Role, area: Area = { level: 'national' }, kind: Principal['kind'] = 'user'): ActorContext => ({
  principal: { kind, id: `${role}-${kind}`, username: `${role}-${kind}`, roles: [role], area },
  ip: null,
  requestId: null,
});
const officer = as('grievance-officer', KATI);

async function file(category: GrievanceCategory) {
  const [next] = await stack.database.db.execute<{ n: string }>(sql`select nextval(${grievanceReferenceSequence.seqName}) as n`);
  const reference = grievanceReference(2021, Number(next!.n));
  await stack.database.db.insert(grievanceCases).values({ reference, category, complainantName: 'Awa Traoré', complainantPhone: '+22376000000', region: KATI.region, commune: KATI.commune, channel: 'console', filedBy: 'officer' });
  const state = openGrievance({ reference, category, commune: KATI }, settings, Date.now());
  const handle = await stack.client.workflow.start<typeof grievanceCaseWorkflow>(WORKFLOW_TYPES.grievanceCase, {
    taskQueue: stack.taskQueue,
    workflowId: grievanceWorkflowId(reference),
    args: [{ state, settings, filedBy: 'officer', by: officer }],
  });
  // The first case of a file may wait for a cold worker on a busy machine.
  await expect.poll(() => timeline(reference), { timeout: 15_000 }).toEqual(['filed:officer']);
  return { reference, handle };
}

async function timeline(reference: string) {
  const rows = await stack.database.db.select().from(grievanceTimeline).where(eq(grievanceTimeline.reference, reference)).orderBy(asc(grievanceTimeline.version));
  return rows.map((r) => `${r.kind}:${r.actor}`);
}

const caseRow = async (reference: string) => (await stack.database.db.select().from(grievanceCases).where(eq(grievanceCases.reference, reference)))[0]!;

function act(reference: string, action: GrievanceAction, by: ActorContext = officer) {
  const update = GRIEVANCE_UPDATES[action.kind] as typeof GRIEVANCE_UPDATES.acknowledge;
  return stack.client.workflow.getHandle(grievanceWorkflowId(reference)).executeUpdate(update, { args: [{ action: action as Extract<GrievanceAction, { kind: 'acknowledge' }>, actor: by.principal.username, by }] });
}

async function refusal(reference: string, action: GrievanceAction, by?: ActorContext) {
  const error = await act(reference, action, by).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((error as WorkflowUpdateFailedError).cause as { details?: Array<{ rule: string }> }).details?.[0]?.rule;
}

describe('grievance workflow', () => {
  it('takes a case from received to closed, writing each step to the case and its timeline, and ends once the decision can no longer be contested', async () => {
    const { reference, handle } = await file('wrong-amount');
    await act(reference, { kind: 'acknowledge' });
    await act(reference, { kind: 'investigate', comment: 'Relevé de l’agence demandé' });
    await act(reference, { kind: 'resolve', answer: 'Le complément de 5 000 FCFA sera payé au prochain paiement.' });
    await act(reference, { kind: 'close' });
    expect(await caseRow(reference)).toMatchObject({ status: 'closed', answer: 'Le complément de 5 000 FCFA sera payé au prochain paiement.', deadlineAt: null });
    expect(await handle.result()).toEqual({ status: 'closed' });
    const who = officer.principal.username;
    expect(await timeline(reference)).toEqual(['filed:officer', `acknowledge:${who}`, `investigate:${who}`, `resolve:${who}`, `close:${who}`, 'reopen-period-over:system']);
    await maybeRecordHistory(stack.client, grievanceWorkflowId(reference), 'grievance', 'resolved-closed');
  }, 30_000);

  it('escalates a forgotten case commune → region → national on its own, stops while waiting on the complainant, then marks it late; a contested rejection reopens', async () => {
    const notices: GrievanceChanged[] = [];
    const listener = await stack.database.sql.listen('jigi_grievances', (p) => notices.push(JSON.parse(p) as GrievanceChanged));
    const { reference, handle } = await file('non-payment');
    await expect.poll(async () => (await caseRow(reference)).level, { timeout: 10_000 }).toBe('region');
    await act(reference, { kind: 'wait-on-complainant', comment: 'Apporter la carte de bénéficiaire' });
    expect((await caseRow(reference)).pausedRemainingMs).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await caseRow(reference)).toMatchObject({ level: 'region', deadlineAt: null });
    await act(reference, { kind: 'resume' });
    await expect.poll(async () => (await caseRow(reference)).level, { timeout: 10_000 }).toBe('national');
    await expect.poll(async () => (await caseRow(reference)).lateAt, { timeout: 10_000 }).not.toBeNull();
    expect(notices.filter((n) => n.reference === reference && n.alert).map((n) => `${n.alert!.kind}:${n.alert!.level}`)).toEqual(['escalated:region', 'escalated:national', 'late:national']);

    await act(reference, { kind: 'acknowledge' });
    await act(reference, { kind: 'reject', answer: 'Le ménage a été payé le 3 mars.' });
    expect(await refusal(reference, { kind: 'reopen', comment: ' ' })).toBe('comment-required');
    await act(reference, { kind: 'reopen', comment: 'Le ménage conteste le reçu.' });
    expect(await caseRow(reference)).toMatchObject({ status: 'under-investigation', answer: null, level: 'national', lateAt: null });
    await act(reference, { kind: 'resolve', answer: 'Paiement manquant confirmé.' });
    expect(await handle.result()).toEqual({ status: 'closed' });
    await listener.unlisten();
    await maybeRecordHistory(stack.client, grievanceWorkflowId(reference), 'grievance', 'escalated-paused-reopened');
  }, 45_000);

  it('refuses, without a trace, an officer of another commune, a service token, a focal point on a misconduct case and an anonymous caller', async () => {
    const { reference } = await file('misconduct');
    expect(await refusal(reference, { kind: 'acknowledge' }, as('grievance-officer', { level: 'commune', region: 'KOU', commune: 'DIOILA' }))).toBe('not-permitted');
    expect(await refusal(reference, { kind: 'acknowledge' }, as('grievance-officer', KATI, 'service'))).toBe('not-permitted');
    expect(await refusal(reference, { kind: 'acknowledge' }, as('focal-point', KATI))).toBe('not-permitted');
    const anonymous = await stack.client.workflow
      .getHandle(grievanceWorkflowId(reference))
      .executeUpdate(GRIEVANCE_UPDATES.acknowledge, { args: [{ action: { kind: 'acknowledge' }, actor: 'script' }] })
      .catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await refusal(reference, { kind: 'close' })).toBe('wrong-status');
    expect(await timeline(reference)).toEqual(['filed:officer']);
    expect((await caseRow(reference)).status).toBe('received');
    await stack.client.workflow.getHandle(grievanceWorkflowId(reference)).terminate('test done');
  }, 30_000);
});
