// Workflow ids derived from business ids, so that a duplicate start is refused by Temporal.

export function cycleWorkflowId(cycleId: string): string {
  return `cycle:${cycleId}`;
}

export function phaseWorkflowId(cycleId: string, phase: string): string {
  return `cycle:${cycleId}:phase:${phase}`;
}
