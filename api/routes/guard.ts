import { createRoute, type z } from '@hono/zod-openapi';
import type { Action } from '../../domain/policy';
import { requirePermission } from '../middleware/auth';
import { ErrorSchema } from '../schemas';

/** What a route needs: an action of the policy, a sign-in in progress, or nothing (public). */
export type RoutePermission = Action | 'public' | 'signing-in';

type RouteInput = Parameters<typeof createRoute>[0];

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const refusals = {
  401: json(ErrorSchema, 'Not signed in, or the second factor is missing'),
  403: json(ErrorSchema, 'Signed in, but not allowed here (role, area or CSRF token)'),
};

/**
 * Every route is declared through this: its permission is checked before the handler and written
 * into the OpenAPI document as x-permission, where the permission-matrix test reads it.
 */
export function guardedRoute<P extends string, R extends Omit<RouteInput, 'path'> & { path: P }>(permission: RoutePermission, route: R) {
  const guarded = permission !== 'public' && permission !== 'signing-in';
  return createRoute({
    ...route,
    ...(guarded ? { middleware: [requirePermission(permission)] as const } : {}),
    responses: { ...(permission === 'public' ? {} : refusals), ...route.responses },
    'x-permission': permission,
  } as R & { 'x-permission': RoutePermission });
}
