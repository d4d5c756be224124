import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { ActorContext, Principal } from '../domain/roles';

/** The caller's address as this node saw it (no proxy headers are trusted yet). */
export function clientIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

export function actorContext(c: Context, principal: Principal): ActorContext {
  return { principal, ip: clientIp(c), requestId: (c.get('requestId') as string | undefined) ?? null };
}
