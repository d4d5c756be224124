// Workflow ids derived from business ids, so that a duplicate start is refused by Temporal.

export function cycleWorkflowId(cycleId: string): string {
  return `cycle:${cycleId}`;
}

export function registerImportWorkflowId(importId: string): string {
  return `register-import:${importId}`;
}

/** One eligibility run at a time per cycle: a second start while one runs is refused. */
export function eligibilityRunWorkflowId(cycleId: string): string {
  return `eligibility:${cycleId}`;
}

export function phaseWorkflowId(cycleId: string, phase: string): string {
  return `cycle:${cycleId}:phase:${phase}`;
}

export function procurementWorkflowId(caseId: string): string {
  return `procurement:${caseId}`;
}

/** One workflow per grievance, named by the reference the complainant quotes: a second filing is refused. */
export function grievanceWorkflowId(reference: string): string {
  return `grievance:${reference}`;
}

/**
 * One payment run per cycle, agency and tranche at a time: a second start while one runs is refused.
 * Lists released while a run is going wait for the next round.
 */
export function paymentRunWorkflowId(cycleId: string, agencyId: string, tranche: number, round = 1): string {
  return `payment-run:${cycleId}:${agencyId}:t${tranche}${round > 1 ? `:r${round}` : ''}`;
}

/** The run that sends again what an operator's retry or re-route put back to pending. */
export function paymentResendWorkflowId(actionId: string): string {
  return `payment-resend:${actionId}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids of cycles, users and sessions are UUIDs: anything else is unknown without asking the database. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
