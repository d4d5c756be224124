import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grievanceCases, households } from '../../db/schema';
import { DEFAULT_GRIEVANCE_SETTINGS, type GrievanceSettings } from '../../domain/grievances';
import { grievanceWorkflowId } from '../../domain/ids';
import { callApi, type ApiSession } from '../../scripts/api-session';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let base: string;
type Session = ApiSession & { user: { id: string; username: string } };
let officer: Session;
let neighbour: Session;
let focal: Session;
let auditor: Session;
let operator: Session;
let hotline: (method: string, path: string, body?: unknown) => ReturnType<typeof callApi>;

const KAY1 = { level: 'commune' as const, region: 'KAY', commune: 'KAY-001' };
const settings: GrievanceSettings = {
  deadlineSeconds: Object.fromEntries(Object.keys(DEFAULT_GRIEVANCE_SETTINGS.deadlineSeconds).map((k) => [k, 3600])) as GrievanceSettings['deadlineSeconds'],
  reopenSeconds: 3600,
};
settings.deadlineSeconds['data-correction'] = 2;
const rsu = (n: number) => `RSU-GRV-${String(n).padStart(5, '0')}`;

beforeAll(async () => {
  stack = await startTestStack('grievances');
  base = (await stack.startApi({ grievanceSettings: settings })).url;
  await stack.database.db.insert(households).values(
    [1, 2, 3, 4, 5].map((n) => ({ rsuId: rsu(n), headName: `Chef ${n}`, sex: 'F' as const, birthYear: 1970 + n, phone: `+2236600100${n}`, communeCode: n === 5 ? 'MOP-001' : 'KAY-001', village: 'Kalaban', householdSize: 6, foodInsecure: true, covidCase: false, covidHit: true })),
  );
  let admin: Session;
  [officer, neighbour, focal, auditor, operator, admin] = await Promise.all([
    signInAs(stack.database, base, ['grievance-officer'], KAY1),
    signInAs(stack.database, base, ['grievance-officer'], { level: 'commune', region: 'KAY', commune: 'KAY-002' }),
    signInAs(stack.database, base, ['focal-point'], KAY1),
    signInAs(stack.database, base, ['auditor']),
    signInAs(stack.database, base, ['payment-operator']),
    signInAs(stack.database, base, ['admin']),
  ]);
  const token = await admin.call('POST', '/api/admin/service-tokens', { name: `hotline-${Date.now()}`, roles: ['grievance-officer'], area: { level: 'national' } });
  expect(token.status).toBe(201);
  hotline = (method, path, body) => callApi(base, method, path, body, { authorization: `Bearer ${token.body.secret}` });
}, 60_000);
afterAll(() => stack?.stop());

const detail = async (reference: string, who: Session = officer) => (await who.call('GET', `/api/grievances/cases/${reference}`)).body;
const act = (reference: string, action: object, who: Session = officer) => who.call('POST', `/api/grievances/cases/${reference}/actions`, action);

async function fileAsOfficer(category: string, household: number) {
  const filed = await officer.call('POST', '/api/grievances/cases', { category, complainant: { kind: 'household', rsuId: rsu(household) }, description: 'Au guichet' });
  expect(filed.status, JSON.stringify(filed.body)).toBe(201);
  const reference = filed.body.case.reference as string;
  await expect.poll(async () => (await detail(reference)).timeline?.length ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
  return reference;
}

describe('filing a grievance', () => {
  it('an officer files at the console and a hotline files with its token; each gets a reference and a running workflow', async () => {
    const reference = await fileAsOfficer('non-payment', 1);
    expect(reference).toMatch(/^PL-\d{4}-\d{6,}$/);
    expect((await detail(reference)).case).toMatchObject({ channel: 'console', status: 'received', level: 'commune', region: 'KAY', commune: 'KAY-001', complainant: { kind: 'household', rsuId: rsu(1) } });
    expect((await stack.client.workflow.getHandle(grievanceWorkflowId(reference)).describe()).status.name).toBe('RUNNING');

    const byHotline = await hotline('POST', '/api/grievances/cases', { category: 'exclusion', complainant: { kind: 'person', name: 'Fatoumata Keïta', phone: '+223 76 00 12 34', communeCode: 'KAY-001' } });
    expect(byHotline.status, JSON.stringify(byHotline.body)).toBe(201);
    const viaApi = await detail(byHotline.body.case.reference);
    expect(viaApi.case).toMatchObject({ channel: 'api', complainant: { kind: 'person', rsuId: null, phone: '•••• 1234' } });
    expect(JSON.stringify(viaApi)).not.toContain('Fatoumata');
    // The workflow writes the filing to the timeline itself, right after it starts.
    await expect.poll(async () => (await detail(byHotline.body.case.reference)).timeline.map((t: { kind: string; actor: string }) => t.kind)).toEqual(['filed']);
    // The token files only: it neither reads nor handles cases.
    expect((await hotline('GET', '/api/grievances/cases')).status).toBe(403);
    expect((await hotline('POST', `/api/grievances/cases/${reference}/actions`, { kind: 'acknowledge' })).status).toBe(403);
  });

  it('links a household’s second complaint about an open case instead of opening another', async () => {
    const first = await fileAsOfficer('wrong-amount', 2);
    const again = await hotline('POST', '/api/grievances/cases', { category: 'wrong-amount', complainant: { kind: 'household', rsuId: rsu(2) } });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ linkedTo: first, case: { reference: first } });
    const listed = (await officer.call('GET', '/api/grievances/cases?category=wrong-amount')).body.cases.map((c: { reference: string }) => c.reference);
    expect(listed.filter((r: string) => r === first)).toHaveLength(1);
    expect((await detail(first)).duplicates).toHaveLength(1);
    const rows = await stack.database.db.select().from(grievanceCases).where(eq(grievanceCases.householdRsuId, rsu(2)));
    expect(rows.filter((r) => r.linkedTo === null)).toHaveLength(1);
    // Another subject is another case.
    expect((await officer.call('POST', '/api/grievances/cases', { category: 'other', complainant: { kind: 'household', rsuId: rsu(2) } })).status).toBe(201);
  });

  it('refuses bad input with 400 and a complaint from outside the filer’s area with 403, writing nothing', async () => {
    const before = (await stack.database.db.select().from(grievanceCases)).length;
    const bad = [
      { category: 'bribe', complainant: { kind: 'household', rsuId: rsu(1) } },
      { category: 'exclusion', complainant: { kind: 'person', name: 'A', phone: 'abc', communeCode: 'KAY-001' } },
      { category: 'exclusion', complainant: { kind: 'person', name: 'Awa Diarra', phone: '+22376001234', communeCode: 'NOWHERE' } },
      { category: 'other', complainant: { kind: 'household', rsuId: rsu(1) }, extra: true },
    ];
    for (const input of bad) {
      const answer = await officer.call('POST', '/api/grievances/cases', input);
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body.error.code).toBe('validation_failed');
    }
    expect((await officer.call('POST', '/api/grievances/cases', { category: 'other', complainant: { kind: 'household', rsuId: rsu(5) } })).status).toBe(403);
    expect((await operator.call('POST', '/api/grievances/cases', { category: 'other', complainant: { kind: 'household', rsuId: rsu(1) } })).status).toBe(403);
    expect((await stack.database.db.select().from(grievanceCases)).length).toBe(before);
  });
});

describe('handling a grievance', () => {
  it('goes acknowledged → investigated → waiting → resumed → resolved → closed, then reopens on appeal', async () => {
    const reference = await fileAsOfficer('exclusion', 3);
    expect((await act(reference, { kind: 'close' })).body.error.details.rule).toBe('wrong-status');
    expect((await act(reference, { kind: 'resolve' })).status).toBe(400);
    for (const action of [
      { kind: 'acknowledge' },
      { kind: 'investigate', comment: 'Vérification des critères' },
      { kind: 'wait-on-complainant', comment: 'Apporter un acte de naissance' },
    ]) {
      const answer = await act(reference, action);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    expect((await detail(reference)).case).toMatchObject({ status: 'under-investigation', waitingOnComplainant: true, deadlineAt: null });
    expect((await act(reference, { kind: 'resolve', answer: 'x' })).body.error.details.rule).toBe('waiting-on-complainant');
    await act(reference, { kind: 'resume' });
    const resolved = await act(reference, { kind: 'resolve', answer: 'Le ménage est réintégré sur la liste.' });
    expect(resolved.body.case).toMatchObject({ status: 'resolved', answer: 'Le ménage est réintégré sur la liste.' });
    expect((await act(reference, { kind: 'close' })).body.case.status).toBe('closed');
    const reopened = await act(reference, { kind: 'reopen', comment: 'Le ménage ne figure toujours pas sur la liste.' });
    expect(reopened.body.case).toMatchObject({ status: 'under-investigation', answer: null });
    expect(reopened.body.timeline.map((t: { kind: string }) => t.kind)).toEqual(['filed', 'acknowledge', 'investigate', 'wait-on-complainant', 'resume', 'resolve', 'close', 'reopen']);
    const rejected = await act(reference, { kind: 'reject', answer: 'Revenu au-dessus du seuil.' });
    expect(rejected.body.case).toMatchObject({ status: 'rejected', answer: 'Revenu au-dessus du seuil.' });
  });

  it('escalates a case left past its deadline commune → region → national on its own, and lists it as late', async () => {
    const reference = await fileAsOfficer('data-correction', 4);
    expect((await officer.call('GET', '/api/grievances/cases?late=false')).body.cases.map((c: { reference: string }) => c.reference)).toContain(reference);
    await expect.poll(async () => (await detail(reference)).case.level, { timeout: 10_000 }).toBe('region');
    expect((await officer.call('GET', '/api/grievances/cases?late=true')).body.cases.map((c: { reference: string }) => c.reference)).toContain(reference);
    await expect.poll(async () => (await detail(reference)).case.level, { timeout: 10_000 }).toBe('national');
    await expect.poll(async () => (await detail(reference)).timeline.map((t: { kind: string }) => t.kind), { timeout: 10_000 }).toEqual(['filed', 'escalated', 'escalated', 'late']);
    expect((await officer.call('GET', '/api/grievances/cases?late=false')).body.cases.map((c: { reference: string }) => c.reference)).not.toContain(reference);
  }, 30_000);

  it('shows misconduct only to the roles allowed to see it, and each case only inside the reader’s area', async () => {
    const filed = await hotline('POST', '/api/grievances/cases', { category: 'misconduct', complainant: { kind: 'household', rsuId: rsu(1) }, description: 'L’agent a demandé 2 000 FCFA' });
    expect(filed.status).toBe(201);
    const secret = filed.body.case.reference as string;
    const plain = await fileAsOfficer('other', 1);
    const seen = async (who: Session) => (await who.call('GET', '/api/grievances/cases')).body.cases.map((c: { reference: string }) => c.reference);
    expect(await seen(officer)).toEqual(expect.arrayContaining([secret, plain]));
    expect(await seen(auditor)).toEqual(expect.arrayContaining([secret, plain]));
    expect(await seen(focal)).toContain(plain);
    expect(await seen(focal)).not.toContain(secret);
    expect((await focal.call('GET', `/api/grievances/cases/${secret}`)).status).toBe(404);
    expect(await seen(neighbour)).not.toContain(plain);
    expect((await act(plain, { kind: 'acknowledge' }, neighbour)).status).toBe(404);
    expect((await act(plain, { kind: 'acknowledge' }, focal)).status).toBe(403);
    expect((await act(plain, { kind: 'acknowledge' }, auditor)).status).toBe(403);
    expect((await detail(plain)).case.status).toBe('received');
  });
});
