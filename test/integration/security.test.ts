import { WorkflowUpdateFailedError } from '@temporalio/client';
import { io as connect, type Socket } from 'socket.io-client';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTotp } from '../../api/auth/totp';
import { ensureAdministrator } from '../../api/bootstrap';
import { startApiServer } from '../../api/server';
import { createCycleService } from '../../api/services/cycles';
import { auditLog, cycles, loginFailures, users } from '../../db/schema';
import { cycleWorkflowId } from '../../domain/ids';
import { callApi, signIn, type ApiSession } from '../../scripts/api-session';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { actorFor, createUser, signInAs, TEST_PASSWORD } from '../support/users';

let stack: TestStack;
let base: string;
let admin: ApiSession;
const sockets: Socket[] = [];

beforeAll(async () => {
  stack = await startTestStack('security');
  base = (await stack.startApi()).url;
  admin = await signInAs(stack.database, base, ['admin']);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await stack?.stop();
});

function openSocket(url: string, session: ApiSession) {
  const socket = connect(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: session.cookie } });
  sockets.push(socket);
  return new Promise<Socket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}
const dropped = (socket: Socket) => new Promise<string>((resolve) => socket.once('disconnect', resolve));
const countOf = async (table: typeof cycles | typeof auditLog | typeof loginFailures) => (await stack.database.db.select({ n: count() }).from(table))[0]!.n;

describe('sign-in', () => {
  it('a coordinator needs the authenticator code before anything else answers', async () => {
    const user = await createUser(stack.database, ['coordinator']);
    const login = await callApi(base, 'POST', '/api/auth/login', { username: user.username, password: user.password });
    expect(login.status).toBe(200);
    expect(login.body.secondFactor).toBe('code');
    expect(login.body.permissions).toEqual([]);
    const cookie = login.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const half = { cookie: cookie.split(';')[0]!, 'x-csrf-token': login.body.csrfToken };

    const early = await callApi(base, 'GET', '/api/cycles', undefined, half);
    expect(early.status).toBe(401);
    expect(early.body.error.code).toBe('second_factor_required');
    const wrong = await callApi(base, 'POST', '/api/auth/second-factor', { code: '000000' }, half);
    expect(wrong.status).toBe(401);
    const right = await callApi(base, 'POST', '/api/auth/second-factor', { code: currentTotp(user.totpSecret!, user.username) }, half);
    expect(right.status).toBe(200);
    expect(right.body.permissions).toContain('cycle.advance');
    expect((await callApi(base, 'GET', '/api/cycles', undefined, half)).status).toBe(200);
  });

  it('an unknown account and a wrong password get the same answer', async () => {
    const user = await createUser(stack.database, ['auditor']);
    const unknown = await callApi(base, 'POST', '/api/auth/login', { username: 'nobody-here', password: 'whatever-password' });
    const wrong = await callApi(base, 'POST', '/api/auth/login', { username: user.username, password: 'not-the-password' });
    expect([unknown.status, unknown.body]).toEqual([wrong.status, wrong.body]);
    expect(wrong.body.error.message).toBe('Wrong username or password.');
  });

  it('five wrong passwords lock the account for a while, even for the right one, with a clear message', async () => {
    const user = await createUser(stack.database, ['auditor']);
    for (let i = 0; i < 5; i++) {
      expect((await callApi(base, 'POST', '/api/auth/login', { username: user.username, password: `guess-${i}-wrong` })).status).toBe(401);
    }
    const locked = await callApi(base, 'POST', '/api/auth/login', { username: user.username, password: TEST_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toMatch(/Too many failed sign-ins\. Try again in \d+ minutes?\./);
    const other = await createUser(stack.database, ['auditor']);
    expect((await callApi(base, 'POST', '/api/auth/login', { username: other.username, password: TEST_PASSWORD })).status).toBe(200);
  });

  it('failed sign-ins from one address are throttled across accounts', async () => {
    const node = await startApiServer({
      database: stack.database,
      temporal: stack.client,
      taskQueue: stack.taskQueue,
      filesDir: stack.filesDir,
      port: 0,
      host: '127.0.0.1',
      throttlePolicy: { windowMs: 60_000, perAccount: 100, perAddress: 3 },
    });
    try {
      await stack.database.db.delete(loginFailures);
      for (let i = 0; i < 3; i++) await callApi(node.url, 'POST', '/api/auth/login', { username: `someone-${i}`, password: 'wrong-password' });
      const user = await createUser(stack.database, ['auditor']);
      expect((await callApi(node.url, 'POST', '/api/auth/login', { username: user.username, password: TEST_PASSWORD })).status).toBe(429);
    } finally {
      await node.close();
      await stack.database.db.delete(loginFailures);
    }
  });

  it('a password set by someone else must be changed before anything else', async () => {
    const user = await createUser(stack.database, ['auditor']);
    await stack.database.db.update(users).set({ mustChangePassword: true }).where(eq(users.id, user.id));
    const session = await signIn(base, user.username, user.password);
    const refused = await session.call('GET', '/api/cycles');
    expect([refused.status, refused.body.error.code]).toEqual([401, 'password_change_required']);
    const changed = await session.call('POST', '/api/auth/password', { currentPassword: user.password, newPassword: 'a-brand-new-passphrase' });
    expect(changed.status).toBe(200);
    expect(changed.body.passwordChangeRequired).toBe(false);
    expect((await session.call('GET', '/api/cycles')).status).toBe(200);
  });

  it('first start creates one administrator with a one-time password printed once', async () => {
    const lines: string[] = [];
    await stack.database.db.update(users).set({ disabledAt: new Date() }).where(sql`'admin' = any(${users.roles})`);
    try {
      await ensureAdministrator(stack.database, undefined, (l) => lines.push(l));
      await ensureAdministrator(stack.database, undefined, (l) => lines.push(l));
      expect(lines).toHaveLength(1);
      const password = lines[0]!.match(/one-time password (\S+)/)![1]!;
      const session = await signIn(base, 'admin', password).catch((e: Error) => e);
      // An administrator needs a second factor: the password alone opens only the enrolment step.
      expect(session).toBeInstanceOf(Error);
      expect((session as Error).message).toMatch(/needs a second factor/);
    } finally {
      await stack.database.db.update(users).set({ disabledAt: null }).where(sql`'admin' = any(${users.roles}) and ${users.username} <> 'admin'`);
    }
  });
});

describe('sessions', () => {
  it('an idle session ends, and so does one past its absolute lifetime', async () => {
    const idleNode = await startApiServer({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue, filesDir: stack.filesDir, port: 0, host: '127.0.0.1', sessionPolicy: { idleMs: 6_000, absoluteMs: 60_000 } });
    const shortNode = await startApiServer({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue, filesDir: stack.filesDir, port: 0, host: '127.0.0.1', sessionPolicy: { idleMs: 60_000, absoluteMs: 1_500 } });
    try {
      const idle = await signInAs(stack.database, idleNode.url, ['auditor']);
      expect((await idle.call('GET', '/api/cycles')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 6_500));
      expect((await idle.call('GET', '/api/cycles')).status).toBe(401);

      const short = await signInAs(stack.database, shortNode.url, ['auditor']);
      expect((await short.call('GET', '/api/cycles')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_700));
      expect((await short.call('GET', '/api/cycles')).status).toBe(401);
    } finally {
      await idleNode.close();
      await shortNode.close();
    }
  });

  it('an administrator ending a session signs it out and drops its live connection at once', async () => {
    const officer = await signInAs(stack.database, base, ['me-officer']);
    const socket = await openSocket(base, officer);
    const gone = dropped(socket);
    const list = await admin.call('GET', '/api/admin/sessions');
    const target = list.body.sessions.find((s: { username: string }) => s.username === officer.user.username);
    expect((await admin.call('DELETE', `/api/admin/sessions/${target.id}`)).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    expect((await officer.call('GET', '/api/cycles')).status).toBe(401);
  });

  it("changing a user's roles ends their sessions and drops their sockets", async () => {
    const officer = await signInAs(stack.database, base, ['me-officer']);
    const socket = await openSocket(base, officer);
    const gone = dropped(socket);
    const changed = await admin.call('PATCH', `/api/admin/users/${officer.user.id}`, { roles: ['auditor'] });
    expect(changed.status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect((await officer.call('GET', '/api/cycles')).status).toBe(401);
  });

  it('a change sent with the session cookie but without its CSRF token is refused and writes nothing', async () => {
    const coordinator = await signInAs(stack.database, base, ['coordinator']);
    const before = [await countOf(cycles), await countOf(auditLog)];
    for (const token of [undefined, 'forged-token']) {
      const res = await callApi(base, 'POST', '/api/cycles', demoCycleInput(), { cookie: coordinator.cookie, ...(token ? { 'x-csrf-token': token } : {}) });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('csrf_failed');
    }
    expect([await countOf(cycles), await countOf(auditLog)]).toEqual(before);
    expect((await coordinator.call('POST', '/api/cycles', demoCycleInput())).status).toBe(201);
  });
});

describe('administration', () => {
  it('a user or token can only be given an area of the geography, the commune inside its region', async () => {
    const base_ = { displayName: 'Point focal', password: 'a-long-enough-password', roles: ['focal-point'] };
    const unknownRegion = await admin.call('POST', '/api/admin/users', { ...base_, username: `pf-${Date.now()}`, area: { level: 'region', region: 'Atlantis' } });
    expect([unknownRegion.status, unknownRegion.body.error.message]).toEqual([400, 'Unknown region "Atlantis".']);
    const wrongCommune = await admin.call('POST', '/api/admin/users', { ...base_, username: `pf-${Date.now()}`, area: { level: 'commune', region: 'KAY', commune: 'MOP-001' } });
    expect([wrongCommune.status, wrongCommune.body.error.message]).toEqual([400, 'No commune "MOP-001" in region "KAY".']);
    const token = await admin.call('POST', '/api/admin/service-tokens', { name: `sms-${Date.now()}`, roles: ['grievance-officer'], area: { level: 'region', region: 'Nowhere' } });
    expect(token.status).toBe(400);
    const ok = await admin.call('POST', '/api/admin/users', { ...base_, username: `pf-${Date.now()}`, area: { level: 'commune', region: 'MOP', commune: 'MOP-001' } });
    expect(ok.status).toBe(201);
  });
});

describe('service tokens', () => {
  it('an integration calls with its token within its roles, and not once revoked', async () => {
    const created = await admin.call('POST', '/api/admin/service-tokens', { name: `hotline-${Date.now()}`, roles: ['grievance-officer'], area: { level: 'national' } });
    expect(created.status).toBe(201);
    const auth = { authorization: `Bearer ${created.body.secret}` };
    expect((await callApi(base, 'GET', '/api/cycles', undefined, auth)).status).toBe(200);
    expect((await callApi(base, 'POST', '/api/cycles', demoCycleInput(), auth)).status).toBe(403);
    const listed = await admin.call('GET', '/api/admin/service-tokens');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect((await admin.call('DELETE', `/api/admin/service-tokens/${created.body.token.id}`)).status).toBe(204);
    expect((await callApi(base, 'GET', '/api/cycles', undefined, auth)).status).toBe(401);
  });
});

describe('audit trail', () => {
  it('records who did what, with role, area and address, in the transaction of the change', async () => {
    const coordinator = await signInAs(stack.database, base, ['coordinator']);
    const created = await coordinator.call('POST', '/api/cycles', demoCycleInput());
    const id = created.body.cycle.id as string;
    await coordinator.call('POST', `/api/cycles/${id}/phases/training/complete`, { comment: 'Ateliers tenus' });
    const auditor = await signInAs(stack.database, base, ['auditor']);
    const trail = await auditor.call('GET', `/api/audit?targetType=cycle&targetId=${id}`);
    expect(trail.status).toBe(200);
    const actions = trail.body.entries.map((e: { action: string }) => e.action).reverse();
    expect(actions).toEqual(['cycle.create', 'cycle.cycle-started', 'cycle.phase-started', 'cycle.phase-completed', 'cycle.phase-started']);
    const completion = trail.body.entries.find((e: { action: string }) => e.action === 'cycle.phase-completed');
    expect(completion).toMatchObject({
      actorUsername: coordinator.user.username,
      actorRoles: ['coordinator'],
      actorArea: 'national',
      ip: expect.stringMatching(/127\.0\.0\.1/),
      before: { status: 'running' },
      after: { phase: 'training', phaseStatus: 'completed', reason: 'Ateliers tenus' },
    });

    const csv = await auditor.call('GET', `/api/audit/export.csv?targetId=${id}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(String(csv.body).split('\n')[0]).toBe('id,at,actorKind,actorUsername,actorRoles,actorArea,action,targetType,targetId,before,after,ip,requestId');
    expect(String(csv.body)).toContain('cycle.phase-completed');
    const exported = await auditor.call('GET', `/api/audit?action=audit.export&actor=${auditor.user.username}`);
    expect(exported.body.entries).toHaveLength(1);
    expect((await coordinator.call('GET', '/api/audit/export.csv')).status).toBe(403);
  });

  it('the database itself refuses to change or delete an audit entry', async () => {
    const { sql: pg } = stack.database;
    const [entry] = await pg`select id from audit_log order by id limit 1`;
    await expect(pg`update audit_log set action = 'nothing' where id = ${entry!.id}`).rejects.toThrow(/append-only/);
    await expect(pg`delete from audit_log where id = ${entry!.id}`).rejects.toThrow(/append-only/);
    await expect(pg`truncate audit_log`).rejects.toThrow(/append-only/);
  });
});

describe('defence in depth', () => {
  it("the workflow's own validator refuses a principal the policy does not allow, before history", async () => {
    const service = createCycleService({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue });
    const cycle = await service.create(demoCycleInput(), actorFor('coordinator.x'));
    const err = await service.completePhase(cycle.id, 'training', actorFor('auditor.y', ['auditor'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause?.message).toMatch(/does not allow cycle.advance/);
    const history = await stack.client.workflow.getHandle(cycleWorkflowId(cycle.id)).fetchHistory();
    expect(history.events!.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    await service.cancel(cycle.id, actorFor('coordinator.x'), 'fin du test');
  });

  it('every answer carries security headers, the console page a CSP', async () => {
    const res = await callApi(base, 'GET', '/api/health');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a body larger than 64 KiB is refused before it is read', async () => {
    const coordinator = await signInAs(stack.database, base, ['coordinator']);
    const res = await coordinator.call('POST', '/api/cycles', { ...demoCycleInput(), description: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('validation_failed');
  });
});
