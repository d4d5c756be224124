// Every operation of the OpenAPI document × every kind of caller, against the real API: each cell
// expects what domain/policy.ts decides. The table is generated from the route table, so a new
// route without a permission, or one whose check is missing, fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTotp } from '../../api/auth/totp';
import { ACTIONS, authorize, type Action } from '../../domain/policy';
import { NATIONAL, ROLES, type Area, type Principal, type Role } from '../../domain/roles';
import { callApi, signIn, type ApiAnswer } from '../../scripts/api-session';
import { fillPath, localRouteTable, minimalValid, operationsOf, UNKNOWN_ID, type Operation } from '../support/route-table';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { createUser, signInAs, type TestUser } from '../support/users';

const { doc, served } = await localRouteTable();
const operations = operationsOf(doc);
const KNOWN_PERMISSIONS: readonly unknown[] = ['public', 'signing-in', ...ACTIONS];

interface Caller {
  name: string;
  kind: 'anonymous' | 'user' | 'service';
  roles: Role[];
  area: Area;
}

const CALLERS: Caller[] = [
  { name: 'anonymous', kind: 'anonymous', roles: [], area: NATIONAL },
  ...ROLES.map((role): Caller => ({ name: `national ${role}`, kind: 'user', roles: [role], area: NATIONAL })),
  { name: 'coordinator of Kayes', kind: 'user', roles: ['coordinator'], area: { level: 'region', region: 'Kayes' } },
  { name: 'focal point of Mopti', kind: 'user', roles: ['focal-point'], area: { level: 'region', region: 'Mopti' } },
  { name: 'grievance-officer service token', kind: 'service', roles: ['grievance-officer'], area: NATIONAL },
];

type Expected = { allowed: true } | { allowed: false; status: 401 | 403; code: 'unauthenticated' | 'forbidden' };

/** What the caller must get: the policy's decision, or the rule of public and sign-in routes. */
function expectedFor(permission: unknown, caller: Caller): Expected | null {
  if (!KNOWN_PERMISSIONS.includes(permission)) return null;
  if (permission === 'public') return { allowed: true };
  // Sign-in routes work on the session cookie: a service token has none.
  if (permission === 'signing-in') return caller.kind === 'user' ? { allowed: true } : { allowed: false, status: 401, code: 'unauthenticated' };
  const decision = authorize(principalOf(caller), permission as Action);
  return decision.allowed ? decision : { allowed: false, status: decision.status, code: decision.code };
}

function principalOf(caller: Caller): Principal | null {
  if (caller.kind === 'anonymous') return null;
  return { kind: caller.kind, id: caller.name, username: caller.name, roles: caller.roles, area: caller.area };
}

const describeExpected = (e: Expected | null) => (!e ? 'has no known permission' : e.allowed ? 'is let through' : `is refused ${e.status} ${e.code}`);

interface Session {
  call(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /** A second session of the same caller, ended by the logout cell so the first one lives on. */
  throwaway?: (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;
  user?: TestUser;
  cookie?: string;
}

let stack: TestStack;
let base: string;
let loginProbe: TestUser;
const sessions = new Map<string, Session>();
const session = (name: string) => sessions.get(name)!;

beforeAll(async () => {
  stack = await startTestStack('permission-matrix');
  base = (await stack.startApi()).url;
  await Promise.all(
    CALLERS.filter((c) => c.kind === 'user').map(async (caller) => {
      const signedIn = await signInAs(stack.database, base, caller.roles, caller.area);
      const { user } = signedIn;
      const second = await signIn(base, user.username, user.password, user.totpSecret ?? undefined);
      sessions.set(caller.name, { call: signedIn.call, throwaway: second.call, user, cookie: signedIn.cookie });
    }),
  );
  loginProbe = await createUser(stack.database, ['me-officer'], NATIONAL, 'login-probe');
  sessions.set('anonymous', { call: (method, path, body) => callApi(base, method, path, body) });
  const token = await session('national admin').call('POST', '/api/admin/service-tokens', {
    name: 'matrix-grievance-desk',
    roles: ['grievance-officer'],
    area: { level: 'national' },
  });
  if (token.status !== 201) throw new Error(`service token: ${token.status} ${JSON.stringify(token.body)}`);
  const authorization = `Bearer ${token.body.secret}`;
  sessions.set('grievance-officer service token', { call: (method, path, body) => callApi(base, method, path, body, { authorization }) });
});
afterAll(() => stack?.stop());

describe('the route table', () => {
  it('names a permission for every operation, so none is open by accident', () => {
    const without = operations.filter((op) => !KNOWN_PERMISSIONS.includes(op.permission)).map((op) => `${op.method} ${op.path}: ${JSON.stringify(op.permission)}`);
    expect(without, 'operations without a known x-permission').toEqual([]);
    expect(operations.length).toBeGreaterThan(20);
  });

  it('documents every route the API answers under /api, so no route escapes the matrix', () => {
    const documented = new Set(['GET /api/openapi.json', ...operations.map((op) => `${op.method} ${op.path}`)]);
    expect(served.filter((route) => route.includes(' /api') && !documented.has(route))).toEqual([]);
  });

  it('is the document the running API serves', async () => {
    const answer = await callApi(base, 'GET', '/api/openapi.json');
    expect(answer.status).toBe(200);
    const summary = (ops: Operation[]) => ops.map((op) => `${op.method} ${op.path} ${String(op.permission)}`);
    expect(summary(operationsOf(answer.body))).toEqual(summary(operations));
  });
});

for (const op of operations) {
  describe(`permission matrix: ${op.method} ${op.path}`, () => {
    for (const caller of CALLERS) {
      const expected = expectedFor(op.permission, caller);
      it(`[${String(op.permission)}] ${caller.name} ${describeExpected(expected)}`, async () => {
        expect(expected, `x-permission ${JSON.stringify(op.permission)} is not public, signing-in or an action`).not.toBeNull();
        const answer = await send(op, caller);
        const seen = `${answer.status} ${JSON.stringify(answer.body)}`;
        expect(answer.status, seen).toBeLessThan(500);
        if (expected!.allowed) {
          expect([401, 403], seen).not.toContain(answer.status);
        } else {
          expect({ status: answer.status, code: answer.body?.error?.code }, seen).toEqual({ status: expected!.status, code: expected!.code });
        }
      });
    }
  });
}

let unique = 0;

/** The operation as this caller sends it: a minimal valid body, ids that name nothing. */
async function send(op: Operation, caller: Caller): Promise<ApiAnswer> {
  const who = session(caller.name);
  let body = op.bodySchema ? minimalValid(doc, op.bodySchema, `matrix-${++unique}`) : undefined;
  // Valid input where an invented one is rightly refused (and would count as a failed sign-in):
  // the caller's own credentials, or those of a plain user for callers without any; the real code.
  if (op.path === '/api/auth/login') {
    const user = who.user ?? loginProbe;
    body = { username: user.username, password: user.password };
  }
  if (op.path === '/api/auth/second-factor' && who.user?.totpSecret) body = { code: currentTotp(who.user.totpSecret, who.user.username) };
  const call = op.path === '/api/auth/logout' && who.throwaway ? who.throwaway : who.call;

  const answer = await call(op.method, fillPath(op), body);
  // An enrolment that succeeds hands out the secret the second-factor cell then needs.
  if (op.path === '/api/auth/second-factor/enrol' && answer.status === 200 && who.user) who.user.totpSecret = answer.body.secret;
  return answer;
}

describe('refusals a user would notice', () => {
  const unknownCycle = `/api/cycles/${UNKNOWN_ID}`;

  it('an auditor cannot create a cycle: 403 and no cycle appears', async () => {
    const input = demoCycleInput('Cycle créé par un auditeur');
    const answer = await session('national auditor').call('POST', '/api/cycles', input);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    const list = await session('national auditor').call('GET', '/api/cycles');
    expect(list.body.cycles.map((c: { name: string }) => c.name)).not.toContain(input.name);
  });

  it('a coordinator of Kayes cannot pause a national cycle, the national coordinator can', async () => {
    const created = await session('national coordinator').call('POST', '/api/cycles', demoCycleInput());
    expect(created.status).toBe(201);
    const id = created.body.cycle.id as string;
    await expect.poll(async () => (await session('national coordinator').call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase).toBe('training');

    const regional = await session('coordinator of Kayes').call('POST', `/api/cycles/${id}/pause`, { reason: 'Inondations à Kayes' });
    expect(regional.status).toBe(403);
    expect(regional.body.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/outside your area/) });
    expect((await session('national coordinator').call('GET', `/api/cycles/${id}`)).body.cycle.status).not.toBe('paused');

    const national = await session('national coordinator').call('POST', `/api/cycles/${id}/pause`, { reason: 'Inondations à Kayes' });
    expect(national.status).toBe(200);
    expect(national.body.state.status).toBe('paused');
  });

  it('a focal point of Mopti sees the list of cycles', async () => {
    const answer = await session('focal point of Mopti').call('GET', '/api/cycles');
    expect(answer.status).toBe(200);
    expect(Array.isArray(answer.body.cycles)).toBe(true);
  });

  it('an administrator manages users but cannot run a cycle', async () => {
    expect((await session('national admin').call('GET', '/api/admin/users')).status).toBe(200);
    const create = await session('national admin').call('POST', '/api/cycles', demoCycleInput());
    expect(create.status).toBe(403);
    const cancel = await session('national admin').call('POST', `${unknownCycle}/cancel`, { reason: 'Pas mon rôle' });
    expect(cancel.status).toBe(403);
  });

  it('only an auditor exports the audit trail; an admin reads it but cannot export it', async () => {
    const auditor = await session('national auditor').call('GET', '/api/audit/export.csv');
    expect(auditor.status).toBe(200);
    expect(auditor.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await session('national admin').call('GET', '/api/audit')).status).toBe(200);
    const admin = await session('national admin').call('GET', '/api/audit/export.csv');
    expect(admin.status).toBe(403);
    expect(admin.body.error.code).toBe('forbidden');
  });

  it('the grievance-desk service token reads cycles but cannot see users or the audit trail', async () => {
    const token = session('grievance-officer service token');
    expect((await token.call('GET', '/api/cycles')).status).toBe(200);
    expect((await token.call('GET', '/api/admin/users')).status).toBe(403);
    expect((await token.call('GET', '/api/audit')).status).toBe(403);
  });

  it('a coordinator who has not entered the second factor reaches only the sign-in routes', async () => {
    const user = session('national coordinator').user!;
    const login = await callApi(base, 'POST', '/api/auth/login', { username: user.username, password: user.password });
    expect(login.body.secondFactor).toBe('code');
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const list = await callApi(base, 'GET', '/api/cycles', undefined, { cookie });
    expect(list.status).toBe(401);
    expect(list.body.error.code).toBe('second_factor_required');
    const me = await callApi(base, 'GET', '/api/auth/me', undefined, { cookie });
    expect(me.status).toBe(200);
    expect(me.body.permissions).toEqual([]);
  });

  it('a signed-in change without the CSRF token is refused 403 csrf_failed', async () => {
    const { cookie } = session('national coordinator');
    const forged = await callApi(base, 'POST', `${unknownCycle}/pause`, { reason: 'Formulaire piégé' }, { cookie: cookie! });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('csrf_failed');
  });

  it('anyone reads the OpenAPI document', async () => {
    expect((await callApi(base, 'GET', '/api/openapi.json')).status).toBe(200);
  });
});
