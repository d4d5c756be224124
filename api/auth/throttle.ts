import { and, count, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { loginFailures } from '../../db/schema';

export interface ThrottlePolicy {
  windowMs: number;
  /** Failed sign-ins on one account within the window before it is locked for the rest of it. */
  perAccount: number;
  /** Failed sign-ins from one address, on any accounts, within the window. */
  perAddress: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 30 };

/** Counts live in Postgres, so every API node sees the same limits. */
export function createLoginThrottle(database: Database, policy: ThrottlePolicy = DEFAULT_THROTTLE) {
  const { db } = database;
  const since = () => new Date(Date.now() - policy.windowMs);

  return {
    policy,
    /** Seconds to wait before another try, or 0 when a try is allowed. */
    async retryAfter(username: string, ip: string | null): Promise<number> {
      const [account] = await db
        .select({ n: count(), oldest: sql<string>`min(${loginFailures.at})` })
        .from(loginFailures)
        .where(and(eq(loginFailures.username, username), gt(loginFailures.at, since())));
      const [address] = ip
        ? await db
            .select({ n: count(), oldest: sql<string>`min(${loginFailures.at})` })
            .from(loginFailures)
            .where(and(eq(loginFailures.ip, ip), gt(loginFailures.at, since())))
        : [{ n: 0, oldest: null }];
      const blockedSince = [
        account!.n >= policy.perAccount ? account!.oldest : null,
        address!.n >= policy.perAddress ? address!.oldest : null,
      ].filter((v): v is string => v !== null);
      if (blockedSince.length === 0) return 0;
      const until = Math.max(...blockedSince.map((t) => new Date(t).getTime() + policy.windowMs));
      return Math.max(1, Math.ceil((until - Date.now()) / 1000));
    },
    async recordFailure(username: string, ip: string | null) {
      await db.insert(loginFailures).values({ username, ip });
    },
    async clear(username: string) {
      await db.delete(loginFailures).where(eq(loginFailures.username, username));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
