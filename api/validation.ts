import type { Hook } from '@hono/zod-openapi';
import { errorBody } from './errors';

/** Every validation failure answers 400 in the one error shape, naming each bad field. */
export const validationHook: Hook<unknown, any, any, unknown> = (result, c) => {
  if (result.success) return;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return c.json(errorBody('validation_failed', `Invalid ${result.target}: ${summary}`, { issues }), 400);
};
