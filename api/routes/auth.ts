import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { Database } from '../../db/client';
import { auditRow } from '../../db/audit';
import { auditLog, sessions as sessionsTable, users, type UserRow } from '../../db/schema';
import { ACTIONS, can } from '../../domain/policy';
import { needsSecondFactor, ROLES } from '../../domain/roles';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../auth/secrets';
import { areaOf, principalOf, type SessionStore } from '../auth/session-store';
import type { LoginThrottle } from '../auth/throttle';
import { newTotpSecret, totpUri, verifyTotp } from '../auth/totp';
import { ApiError } from '../errors';
import { SESSION_COOKIE, type AuthVariables } from '../middleware/auth';
import { clientIp, overTls } from '../request-context';
import { ErrorSchema, line } from '../schemas';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';

const AreaSchema = z.discriminatedUnion('level', [
  z.object({ level: z.literal('national') }),
  z.object({ level: z.literal('region'), region: z.string() }),
  z.object({ level: z.literal('commune'), region: z.string(), commune: z.string() }),
]);

export const MeSchema = z
  .object({
    user: z.object({ id: z.string(), username: z.string(), displayName: z.string(), roles: z.array(z.enum(ROLES)), area: AreaSchema }),
    csrfToken: z.string(),
    /** 'none' once signed in; otherwise the step left: a code, or enrolling an authenticator first. */
    secondFactor: z.enum(['none', 'code', 'enrol']),
    /** A password set by an administrator (or printed at first start) must be replaced before anything else. */
    passwordChangeRequired: z.boolean(),
    permissions: z.array(z.enum(ACTIONS)),
  })
  .openapi('Me');

const LoginSchema = z
  .object({ username: line().trim().min(1).max(64), password: z.string().min(1).max(256) })
  .strict()
  .openapi('Login');
const CodeSchema = z
  .object({ code: z.string().regex(/^\d{6}$/, 'The code has 6 digits') })
  .strict()
  .openapi('SecondFactorCode');
const EnrolmentSchema = z.object({ secret: z.string(), otpauthUri: z.string() }).openapi('TotpEnrolment');

const WRONG_CREDENTIALS = 'Wrong username or password.';

const login = guardedRoute('public', {
  method: 'post',
  path: '/login',
  tags: ['auth'],
  summary: 'Sign in with username and password; sets the session cookie',
  request: body(LoginSchema),
  responses: {
    200: json(MeSchema, 'Signed in, or a second factor is needed next'),
    400: json(ErrorSchema, 'Invalid input'),
    401: json(ErrorSchema, 'Wrong username or password'),
    429: json(ErrorSchema, 'Too many failed sign-ins'),
  },
});

const enrol = guardedRoute('signing-in', {
  method: 'post',
  path: '/second-factor/enrol',
  tags: ['auth'],
  summary: 'Start enrolling an authenticator app: returns its secret once',
  responses: { 200: json(EnrolmentSchema, 'Secret to add to the authenticator'), 409: json(ErrorSchema, 'Already enrolled') },
});

const secondFactor = guardedRoute('signing-in', {
  method: 'post',
  path: '/second-factor',
  tags: ['auth'],
  summary: 'Finish signing in with the 6-digit code of the authenticator app',
  request: body(CodeSchema),
  responses: { 200: json(MeSchema, 'Signed in'), 400: json(ErrorSchema, 'Invalid input'), 429: json(ErrorSchema, 'Too many failed tries') },
});

const logout = guardedRoute('signing-in', {
  method: 'post',
  path: '/logout',
  tags: ['auth'],
  summary: 'Sign out: ends the session and drops its live connections',
  responses: { 204: { description: 'Signed out' } },
});

const PasswordChangeSchema = z
  .object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(12, 'At least 12 characters').max(256) })
  .strict()
  .refine((p) => p.currentPassword !== p.newPassword, { message: 'The new password must differ from the current one', path: ['newPassword'] })
  .openapi('PasswordChange');

const changePassword = guardedRoute('signing-in', {
  method: 'post',
  path: '/password',
  tags: ['auth'],
  summary: 'Replace your password; your other sessions end',
  request: body(PasswordChangeSchema),
  responses: { 200: json(MeSchema, 'Password changed'), 400: json(ErrorSchema, 'Invalid input') },
});

const me = guardedRoute('signing-in', {
  method: 'get',
  path: '/me',
  tags: ['auth'],
  summary: 'The signed-in user, their permissions and the CSRF token',
  responses: { 200: json(MeSchema, 'The session') },
});

export interface AuthRouteDeps {
  database: Database;
  sessions: SessionStore;
  throttle: LoginThrottle;
}

function meBody(user: UserRow, csrfToken: string, secondFactorDone: boolean): z.infer<typeof MeSchema> {
  const principal = principalOf(user);
  const pending = needsSecondFactor(user.roles) && !secondFactorDone;
  return {
    user: { id: user.id, username: user.username, displayName: user.displayName, roles: user.roles, area: areaOf(user) },
    csrfToken,
    secondFactor: pending ? (user.totpEnabledAt ? 'code' : 'enrol') : 'none',
    passwordChangeRequired: user.mustChangePassword,
    permissions: pending || user.mustChangePassword ? [] : ACTIONS.filter((action) => can(principal, action)),
  };
}

function requireSession(c: Context<{ Variables: AuthVariables }>) {
  const session = c.var.session;
  if (!session) throw new ApiError(401, 'unauthenticated', 'Sign in to continue.');
  return session;
}

async function refuseWhenThrottled(throttle: LoginThrottle, username: string, ip: string | null) {
  const wait = await throttle.retryAfter(username, ip);
  if (wait > 0) {
    const minutes = Math.ceil(wait / 60);
    throw new ApiError(429, 'throttled', `Too many failed sign-ins. Try again in ${minutes} minute${minutes > 1 ? 's' : ''}.`, { retryAfterSeconds: wait });
  }
}

export function authRoutes({ database, sessions, throttle }: AuthRouteDeps) {
  const { db } = database;

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(login, async (c) => {
      const { username: typed, password } = c.req.valid('json');
      const username = typed.toLowerCase();
      const ip = clientIp(c);
      await refuseWhenThrottled(throttle, username, ip);
      const [user] = await db.select().from(users).where(eq(users.username, username));
      // The same work and the same answer whether the account exists or not: no enumeration.
      const ok = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
      if (!user || !ok || user.disabledAt) {
        await throttle.recordFailure(username, ip);
        throw new ApiError(401, 'unauthenticated', WRONG_CREDENTIALS);
      }
      await throttle.clear(username);
      const { token, session } = await sessions.create(user, { ip, userAgent: c.req.header('user-agent') ?? null });
      setCookie(c, SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'Strict',
        secure: overTls(c),
        path: '/',
        maxAge: Math.floor(sessions.policy.absoluteMs / 1000),
      });
      await db.insert(auditLog).values(
        auditRow({ principal: principalOf(user), ip, requestId: c.var.requestId }, { action: 'auth.sign-in', targetType: 'session', targetId: session.id }),
      );
      return c.json(meBody(user, session.csrfToken, session.secondFactorAt !== null), 200);
    })
    .openapi(enrol, async (c) => {
      const { user } = requireSession(c);
      if (user.totpEnabledAt) throw new ApiError(409, 'conflict', 'An authenticator is already enrolled for this account.');
      const secret = newTotpSecret();
      await db.update(users).set({ totpSecret: secret, updatedAt: new Date() }).where(eq(users.id, user.id));
      return c.json({ secret, otpauthUri: totpUri(secret, user.username) }, 200);
    })
    .openapi(secondFactor, async (c) => {
      const { user, session } = requireSession(c);
      const ip = clientIp(c);
      await refuseWhenThrottled(throttle, user.username, ip);
      if (!user.totpSecret) throw new ApiError(409, 'conflict', 'Enrol an authenticator app first.');
      if (!verifyTotp(user.totpSecret, user.username, c.req.valid('json').code)) {
        await throttle.recordFailure(user.username, ip);
        throw new ApiError(401, 'second_factor_required', 'This code is wrong or has expired.');
      }
      await throttle.clear(user.username);
      await db.transaction(async (tx) => {
        if (!user.totpEnabledAt) {
          await tx.update(users).set({ totpEnabledAt: new Date(), updatedAt: new Date() }).where(eq(users.id, user.id));
          await tx
            .insert(auditLog)
            .values(auditRow({ principal: principalOf(user), ip, requestId: c.var.requestId }, { action: 'auth.second-factor-enrolled', targetType: 'user', targetId: user.id }));
        }
      });
      await sessions.markSecondFactor(session.id);
      const [fresh] = await db.select().from(users).where(eq(users.id, user.id));
      return c.json(meBody(fresh!, session.csrfToken, true), 200);
    })
    .openapi(logout, async (c) => {
      const { session } = requireSession(c);
      await sessions.revoke(session.id, 'signed out');
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    })
    .openapi(changePassword, async (c) => {
      const { user, session, complete } = requireSession(c);
      if (!complete) throw new ApiError(401, 'second_factor_required', 'Enter the code from your authenticator app to finish signing in.');
      const { currentPassword, newPassword } = c.req.valid('json');
      if (!(await verifyPassword(user.passwordHash, currentPassword))) {
        throw new ApiError(400, 'validation_failed', 'The current password is wrong.', { issues: [{ path: 'currentPassword', message: 'Wrong password' }] });
      }
      const passwordHash = await hashPassword(newPassword);
      const updated = await db.transaction(async (tx) => {
        const [row] = await tx.update(users).set({ passwordHash, mustChangePassword: false, updatedAt: new Date() }).where(eq(users.id, user.id)).returning();
        await tx.insert(auditLog).values(auditRow({ principal: principalOf(user), ip: clientIp(c), requestId: c.var.requestId }, { action: 'auth.password-changed', targetType: 'user', targetId: user.id }));
        await tx.update(sessionsTable).set({ revokedAt: new Date(), revokedReason: 'password changed' }).where(and(eq(sessionsTable.userId, user.id), ne(sessionsTable.id, session.id), isNull(sessionsTable.revokedAt)));
        return row!;
      });
      return c.json(meBody(updated, session.csrfToken, true), 200);
    })
    .openapi(me, async (c) => {
      const { user, session, complete } = requireSession(c);
      return c.json(meBody(user, session.csrfToken, complete), 200);
    });
}
