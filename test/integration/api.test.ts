import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, cycleFundingSources, cyclePhases, cycleTransitions, cycles, events } from '../../db/schema';
import { callApi, type ApiSession } from '../../scripts/api-session';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let base: string;

beforeAll(async () => {
  stack = await startTestStack('api');
  base = (await stack.startApi()).url;
  coordinator = await signInAs(stack.database, base, ['coordinator']);
});
afterAll(() => stack?.stop());

let coordinator: Awaited<ReturnType<typeof signInAs>>;
const call: ApiSession['call'] = (...args) => coordinator.call(...args);

async function rowCounts() {
  const { db } = stack.database;
  const tables = { cycles, cyclePhases, cycleFundingSources, cycleTransitions, events, auditLog };
  const entries = await Promise.all(
    Object.entries(tables).map(async ([name, table]) => [name, (await db.select({ n: count() }).from(table))[0]!.n] as const),
  );
  return Object.fromEntries(entries);
}

describe('cycles API', () => {
  it('creates a cycle, lists it and shows it with its funding and first transitions', async () => {
    const created = await call('POST', '/api/cycles', demoCycleInput('Transfert d’urgence COVID-19 2021'));
    expect(created.status).toBe(201);
    expect(created.body.cycle).toMatchObject({
      name: 'Transfert d’urgence COVID-19 2021',
      transferAmountFcfa: 90_000,
      targetHouseholds: 1_000_000,
      budgetFcfa: 90_000_000_000,
      createdBy: coordinator.user.username,
    });
    const id = created.body.cycle.id as string;

    const list = await call('GET', '/api/cycles');
    expect(list.status).toBe(200);
    expect(list.body.cycles.map((c: { id: string }) => c.id)).toContain(id);

    await expect
      .poll(async () => (await call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase)
      .toBe('training');
    const detail = await call('GET', `/api/cycles/${id}`);
    expect(detail.body.cycle.transitions.map((t: { kind: string }) => t.kind)).toEqual(['cycle-started', 'phase-started']);
    expect(detail.body.cycle.transitions[0].actor).toBe(coordinator.user.username);

    const advanced = await call('POST', `/api/cycles/${id}/phases/training/complete`, { comment: 'Ateliers régionaux tenus' });
    expect(advanced.status).toBe(200);
    expect(advanced.body.state.phases[1]).toMatchObject({ phase: 'targeting', status: 'active' });
    const live = await call('GET', `/api/cycles/${id}/live`);
    expect(live.body.state.version).toBe(advanced.body.state.version);
  });

  it('refuses a second cycle with the same name with 409 and writes nothing', async () => {
    const input = demoCycleInput();
    const first = await call('POST', '/api/cycles', input);
    expect(first.status).toBe(201);
    // Let the first cycle's workflow record its start before counting rows.
    await expect.poll(async () => (await call('GET', `/api/cycles/${first.body.cycle.id}`)).body.cycle.currentPhase).toBe('training');
    const before = await rowCounts();
    const again = await call('POST', '/api/cycles', input);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    expect(await rowCounts()).toEqual(before);
  });

  it('answers rule violations from the workflow with 409 and the reason', async () => {
    const { body } = await call('POST', '/api/cycles', demoCycleInput());
    const id = body.cycle.id as string;
    const early = await call('POST', `/api/cycles/${id}/phases/procurement/complete`, {});
    expect(early.status).toBe(409);
    expect(early.body.error).toEqual({
      code: 'rule_violated',
      message: 'The procurement phase has not started yet.',
      details: { rule: 'phase-not-started', phase: 'procurement' },
    });
    const resume = await call('POST', `/api/cycles/${id}/resume`, {});
    expect(resume.status).toBe(409);
    expect(resume.body.error.message).toBe('The cycle is not paused.');

    expect((await call('POST', `/api/cycles/${id}/cancel`, { reason: 'Doublon' })).status).toBe(200);
    const afterCancel = await call('POST', `/api/cycles/${id}/pause`, { reason: 'trop tard' });
    expect(afterCancel.status).toBe(409);
    expect(afterCancel.body.error).toMatchObject({ message: 'The cycle is cancelled.', details: { rule: 'cycle-cancelled' } });
  });

  const unknownId = '00000000-0000-4000-8000-000000000000';
  const badRequests: Array<[string, string, string, unknown, number, string | RegExp]> = [
    ['create: name of the wrong type', 'POST', '/api/cycles', { ...demoCycleInput(), name: 42 }, 400, /name/],
    ['create: missing fields', 'POST', '/api/cycles', { name: 'Cycle sans montant' }, 400, /transferAmountFcfa/],
    ['create: fractional FCFA', 'POST', '/api/cycles', { ...demoCycleInput(), transferAmountFcfa: 90_000.5 }, 400, /whole numbers/],
    ['create: negative target', 'POST', '/api/cycles', { ...demoCycleInput(), targetHouseholds: -5 }, 400, /targetHouseholds/],
    ['create: unknown funding source', 'POST', '/api/cycles', { ...demoCycleInput(), fundingSources: [{ source: 'imf', amountFcfa: 1 }] }, 400, /fundingSources/],
    ['create: duplicated funding source', 'POST', '/api/cycles', { ...demoCycleInput(), fundingSources: [{ source: 'pgfs', amountFcfa: 1 }, { source: 'pgfs', amountFcfa: 2 }] }, 400, /once/],
    ['create: unknown field', 'POST', '/api/cycles', { ...demoCycleInput(), status: 'completed' }, 400, /status/],
    ['create: end before start', 'POST', '/api/cycles', { ...demoCycleInput(), startsOn: '2021-12-31', endsOn: '2021-01-01' }, 400, /endsOn/],
    ['create: malformed JSON', 'POST', '/api/cycles', '{"name":', 400, /JSON/],
    ['get: unknown id', 'GET', `/api/cycles/${unknownId}`, undefined, 404, /No cycle/],
    ['get: not an id', 'GET', '/api/cycles/not-a-cycle', undefined, 404, /No cycle/],
    ['live: unknown id', 'GET', `/api/cycles/${unknownId}/live`, undefined, 404, /No cycle/],
    ['complete: unknown phase', 'POST', `/api/cycles/${unknownId}/phases/payroll/complete`, {}, 400, /phase/],
    ['complete: unknown cycle', 'POST', `/api/cycles/${unknownId}/phases/training/complete`, {}, 404, /No cycle/],
    ['complete: comment of the wrong type', 'POST', `/api/cycles/${unknownId}/phases/training/complete`, { comment: 3 }, 400, /comment/],
    ['pause: missing reason', 'POST', `/api/cycles/${unknownId}/pause`, {}, 400, /reason/],
    ['cancel: reason too short', 'POST', `/api/cycles/${unknownId}/cancel`, { reason: 'x' }, 400, /reason/],
    ['resume: body not JSON', 'POST', `/api/cycles/${unknownId}/resume`, 'resume please', 400, /JSON/],
    ['unknown route', 'GET', '/api/payments', undefined, 404, /No route/],
  ];

  it.each(badRequests)('bad input is refused cleanly and changes nothing: %s', async (_name, method, path, body, status, message) => {
    const before = await rowCounts();
    const res = await call(method, path, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toMatch(/validation_failed|not_found/);
    expect(res.body.error.message).toMatch(message);
    expect(await rowCounts()).toEqual(before);
  });

  it('health reports Postgres and Temporal as reachable without sign-in', async () => {
    const res = await callApi(base, 'GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', postgres: { ok: true }, temporal: { ok: true } });
  });

  it('the OpenAPI document describes every route with its parameters and bodies', async () => {
    const { status, body } = await call('GET', '/api/openapi.json');
    expect(status).toBe(200);
    const operations = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /api/health',
        'GET /api/cycles',
        'POST /api/cycles',
        'GET /api/cycles/{cycleId}',
        'GET /api/cycles/{cycleId}/live',
        'POST /api/cycles/{cycleId}/phases/{phase}/complete',
        'POST /api/cycles/{cycleId}/pause',
        'POST /api/cycles/{cycleId}/resume',
        'POST /api/cycles/{cycleId}/cancel',
        'POST /api/auth/login',
        'GET /api/audit',
      ]),
    );
    const withoutPermission = Object.entries(body.paths as Record<string, Record<string, { 'x-permission'?: string }>>).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => !op['x-permission'])
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(withoutPermission, 'every route declares the permission it needs').toEqual(['GET /api/openapi.json'].filter((r) => operations.includes(r)));
    const complete = body.paths['/api/cycles/{cycleId}/phases/{phase}/complete'].post;
    expect(complete.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cycleId', 'phase']);
    expect(complete.requestBody.content['application/json'].schema).toBeDefined();
    expect(body.components.schemas.CreateCycle.required).toEqual(expect.arrayContaining(['name', 'transferAmountFcfa', 'fundingSources']));
  });
});
