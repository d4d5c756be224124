import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  ApplicationFailure,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { ErrorBody, ErrorCode } from '../domain/errors';
import { FAILURE_TYPES } from '../domain/errors';

/** An error a handler throws on purpose: its status, code and message reach the caller as they are. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

const PG_UNIQUE_VIOLATION = '23505';
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** Maps every error to the one JSON shape: what a caller caused is a 4xx, never a 5xx. */
export function toErrorResponse(err: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (err instanceof ApiError) return { status: err.status, body: errorBody(err.code, err.message, err.details) };
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return { status, body: errorBody(status < 500 ? 'validation_failed' : 'internal', err.message) };
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const ruleViolated = err.cause.type === FAILURE_TYPES.ruleViolated;
    return ruleViolated
      ? { status: 409, body: errorBody('rule_violated', err.cause.message, err.cause.details?.[0]) }
      : { status: 500, body: errorBody('internal', 'The workflow refused the action unexpectedly.') };
  }
  if (err instanceof WorkflowNotFoundError) {
    return { status: 404, body: errorBody('not_found', 'No running workflow for this item.') };
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return { status: 409, body: errorBody('conflict', 'This workflow is already running.') };
  }
  if (err instanceof ServiceError) {
    const code = (err.cause as { code?: number } | undefined)?.code;
    const message =
      code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED
        ? 'Temporal is unreachable; try again shortly.'
        : `Temporal could not answer: ${err.message}`;
    return { status: 503, body: errorBody('unavailable', message) };
  }
  const pgError = postgresErrorOf(err);
  // Class 22 is "data exception": a value the database cannot hold, so the caller's input.
  if (pgError?.code.startsWith('22')) {
    return { status: 400, body: errorBody('validation_failed', 'A value in the request cannot be stored.', { reason: pgError.code }) };
  }
  if (pgError?.code === PG_UNIQUE_VIOLATION) {
    return { status: 409, body: errorBody('conflict', 'An item with the same unique value already exists.', { constraint: pgError.constraint_name }) };
  }
  return { status: 500, body: errorBody('internal', 'Unexpected server error.') };
}

/** The driver's error, also when Drizzle wraps it as the cause of its own. */
function postgresErrorOf(err: unknown): { code: string; constraint_name?: string } | null {
  for (let e = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if ((e as { name?: string }).name === 'PostgresError') return e as { code: string; constraint_name?: string };
  }
  return null;
}

export function respondNotFound(c: Context) {
  return c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404);
}

export function respondWithError(c: Context, err: unknown) {
  const { status, body } = toErrorResponse(err);
  if (status >= 500) console.error('[api]', c.req.method, c.req.path, err);
  return c.json(body, status);
}
