import { and, eq, isNull } from 'drizzle-orm';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Database } from '../../db/client';
import { serviceTokens } from '../../db/schema';
import { authorize, type Action } from '../../domain/policy';
import type { Principal } from '../../domain/roles';
import { sha256 } from '../auth/secrets';
import { areaOf, principalOf, type ResolvedSession, type SessionStore } from '../auth/session-store';
import { ApiError } from '../errors';
import { CSRF_HEADER, SESSION_COOKIE } from '../../domain/wire';

export { CSRF_HEADER, SESSION_COOKIE };
export const SERVICE_TOKEN_PREFIX = 'jst_';

export interface AuthVariables {
  /** Who is signed in with everything their roles need; null for anonymous and half-done sign-ins. */
  principal: Principal | null;
  session: ResolvedSession | null;
  requestId: string;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Resolves the caller from the session cookie or a service token, once per request.
 * Cookie-authenticated changes must carry the session's CSRF token: a cross-site form cannot read it.
 */
export function authMiddleware({ database, sessions }: { database: Database; sessions: SessionStore }) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    c.set('principal', null);
    c.set('session', null);
    const bearer = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (bearer) {
      c.set('principal', await servicePrincipal(database, bearer));
      if (!c.var.principal) throw new ApiError(401, 'unauthenticated', 'This service token is unknown or revoked.');
      return next();
    }
    const token = getCookie(c, SESSION_COOKIE);
    const resolved = token ? await sessions.resolve(token) : null;
    if (resolved) {
      c.set('session', resolved);
      if (resolved.complete) c.set('principal', principalOf(resolved.user));
      if (UNSAFE.has(c.req.method) && c.req.header(CSRF_HEADER) !== resolved.session.csrfToken) {
        throw new ApiError(403, 'csrf_failed', `Missing or wrong ${CSRF_HEADER} header: reload the console and try again.`);
      }
    }
    await next();
  });
}

async function servicePrincipal(database: Database, token: string): Promise<Principal | null> {
  if (!token.startsWith(SERVICE_TOKEN_PREFIX)) return null;
  const [row] = await database.db
    .select()
    .from(serviceTokens)
    .where(and(eq(serviceTokens.tokenHash, sha256(token)), isNull(serviceTokens.revokedAt)));
  if (!row) return null;
  await database.db.update(serviceTokens).set({ lastUsedAt: new Date() }).where(eq(serviceTokens.id, row.id));
  return { kind: 'service', id: row.id, username: `service:${row.name}`, roles: row.roles, area: areaOf(row) };
}

/** Refuses the request unless the policy allows the action; the same rule the workflows check. */
export function requirePermission(action: Action) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    if (c.var.session?.user.mustChangePassword) {
      throw new ApiError(401, 'password_change_required', 'Choose a new password before continuing.');
    }
    const decision = authorize(c.var.principal, action);
    if (!decision.allowed) {
      if (decision.status === 401 && c.var.session && !c.var.session.complete) {
        throw new ApiError(401, 'second_factor_required', 'Enter the code from your authenticator app to finish signing in.');
      }
      throw new ApiError(decision.status, decision.code, decision.message);
    }
    await next();
  });
}

/** The signed-in principal in a handler that requirePermission already guarded. */
export function principalIn(c: { var: AuthVariables }): Principal {
  if (!c.var.principal) throw new ApiError(401, 'unauthenticated', 'Sign in to continue.');
  return c.var.principal;
}
