import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { sessions, users, type SessionRow, type UserRow } from '../../db/schema';
import { CONTROL_CHANNEL, type ControlMessage } from '../../domain/events';
import type { Area, Principal } from '../../domain/roles';
import { needsSecondFactor } from '../../domain/roles';
import { randomToken, sha256 } from './secrets';

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

export function areaOf(row: { areaLevel: 'national' | 'region' | 'commune'; areaRegion: string | null; areaCommune: string | null }): Area {
  if (row.areaLevel === 'region') return { level: 'region', region: row.areaRegion! };
  if (row.areaLevel === 'commune') return { level: 'commune', region: row.areaRegion!, commune: row.areaCommune! };
  return { level: 'national' };
}

export function principalOf(user: UserRow): Principal {
  return { kind: 'user', id: user.id, username: user.username, roles: user.roles, area: areaOf(user) };
}

export interface ResolvedSession {
  session: SessionRow;
  user: UserRow;
  /** False while a user who needs a second factor has not given it: only sign-in routes answer then. */
  complete: boolean;
}

export function createSessionStore(database: Database, policy: SessionPolicy = DEFAULT_SESSION_POLICY) {
  const { db } = database;

  async function notify(message: ControlMessage, tx: { execute: Database['db']['execute'] } = db) {
    await tx.execute(sql`select pg_notify(${CONTROL_CHANNEL}, ${JSON.stringify(message)})`);
  }

  return {
    policy,

    async create(user: UserRow, meta: { ip: string | null; userAgent: string | null }) {
      const token = randomToken();
      const [session] = await db
        .insert(sessions)
        .values({
          tokenHash: sha256(token),
          userId: user.id,
          csrfToken: randomToken(),
          expiresAt: new Date(Date.now() + policy.absoluteMs),
          secondFactorAt: needsSecondFactor(user.roles) ? null : new Date(),
          ip: meta.ip,
          userAgent: meta.userAgent?.slice(0, 300) ?? null,
        })
        .returning();
      return { token, session: session! };
    },

    /** The live session behind a cookie token, or null when unknown, revoked, idle too long or expired. */
    async resolve(token: string): Promise<ResolvedSession | null> {
      const [row] = await db
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.tokenHash, sha256(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())));
      if (!row || row.user.disabledAt) return null;
      const now = Date.now();
      if (now - row.session.lastSeenAt.getTime() > policy.idleMs) {
        await this.revoke(row.session.id, 'idle timeout');
        return null;
      }
      // Touch at most every few seconds: a console's burst of requests costs one write.
      if (now - row.session.lastSeenAt.getTime() > 5_000) {
        await db.update(sessions).set({ lastSeenAt: new Date(now) }).where(eq(sessions.id, row.session.id));
      }
      const complete = row.session.secondFactorAt !== null || !needsSecondFactor(row.user.roles);
      return { session: row.session, user: row.user, complete };
    },

    /** Of these sessions, the ones no longer valid (revoked, expired or idle), without touching any. */
    async ended(sessionIds: string[]): Promise<string[]> {
      if (sessionIds.length === 0) return [];
      const live = await db
        .select({ id: sessions.id })
        .from(sessions)
        .where(
          and(
            inArray(sessions.id, sessionIds),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, new Date()),
            gt(sessions.lastSeenAt, new Date(Date.now() - policy.idleMs)),
          ),
        );
      const alive = new Set(live.map((r) => r.id));
      return sessionIds.filter((id) => !alive.has(id));
    },

    async markSecondFactor(sessionId: string) {
      await db.update(sessions).set({ secondFactorAt: new Date() }).where(eq(sessions.id, sessionId));
    },

    async revoke(sessionId: string, reason: string) {
      await db.transaction(async (tx) => {
        const revoked = await tx
          .update(sessions)
          .set({ revokedAt: new Date(), revokedReason: reason })
          .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
          .returning({ id: sessions.id });
        if (revoked.length > 0) await notify({ type: 'session-revoked', sessionId }, tx);
      });
    },

    /** Ends every session of a user (roles changed, account disabled) and drops their sockets everywhere. */
    async revokeAllForUser(userId: string, reason: string, tx: { execute: Database['db']['execute']; update: Database['db']['update'] } = db) {
      await tx.update(sessions).set({ revokedAt: new Date(), revokedReason: reason }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
      await notify({ type: 'user-access-changed', userId }, tx);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
