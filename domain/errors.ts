// One error shape everywhere: { error: { code, message, details } }.
export const ERROR_CODES = [
  'validation_failed',
  'unauthenticated',
  'second_factor_required',
  'password_change_required',
  'forbidden',
  'csrf_failed',
  'throttled',
  'not_found',
  'conflict',
  'rule_violated',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** Failure type names carried by Temporal ApplicationFailures and Update rejections. */
export const FAILURE_TYPES = {
  ruleViolated: 'RuleViolated',
} as const;
