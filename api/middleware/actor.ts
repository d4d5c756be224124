import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors';

export interface ActorVariables {
  /** The person acting, as recorded in every transition. */
  actor: string;
}

/** Until sign-in lands, the acting user comes from one header; this is the only place that changes then. */
export const ACTOR_HEADER = 'x-jigi-actor';
const DEFAULT_ACTOR = 'coordination.demo';
const ACTOR_PATTERN = /^[a-z0-9][a-z0-9._@-]{1,63}$/i;

export const actorMiddleware = createMiddleware<{ Variables: ActorVariables }>(async (c, next) => {
  const actor = c.req.header(ACTOR_HEADER) ?? DEFAULT_ACTOR;
  if (!ACTOR_PATTERN.test(actor)) {
    throw new ApiError(400, 'validation_failed', `The ${ACTOR_HEADER} header must be 2 to 64 letters, digits or . _ @ -`);
  }
  c.set('actor', actor);
  await next();
});
