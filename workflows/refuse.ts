import { ApplicationFailure } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../domain/errors';

/** Refuses an Update from its validator: the caller gets the rule and message, the history gets nothing. */
export function refuse<R extends { rule: string; message: string }>(refusal: R | null): void {
  if (!refusal) return;
  const { message, ...details } = refusal;
  throw ApplicationFailure.create({ message, type: FAILURE_TYPES.ruleViolated, nonRetryable: true, details: [details] });
}
