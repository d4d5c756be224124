import type { CycleState, Phase, TransitionKind } from './cycle';
import type { TargetingRunStatus, TargetingRunStep } from './targeting';

/** A change recorded in the events table and pushed to every console. */
export interface CycleEvent {
  id: number;
  cycleId: string;
  kind: TransitionKind;
  phase: Phase | null;
  actor: string;
  at: string;
  state: CycleState;
}

/** The one Postgres channel every API node LISTENs on. */
export const EVENTS_CHANNEL = 'jigi_events';

/** Access changes every API node must act on at once: drop the sockets of a session or a user. */
export type ControlMessage = { type: 'session-revoked'; sessionId: string } | { type: 'user-access-changed'; userId: string };
export const CONTROL_CHANNEL = 'jigi_control';

/** Progress of a register import, pushed to consoles as it commits batches. */
export interface ImportProgress {
  importId: string;
  status: 'running' | 'completed' | 'failed';
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  bytesRead: number;
  bytesTotal: number;
  secondsLeft: number;
}
export const IMPORTS_CHANNEL = 'jigi_imports';

/** A change to commune lists of a cycle; consoles refetch what they show of them. */
export interface ListsChanged {
  cycleId: string;
  kind: string;
  /** The communes concerned, or null when too many to name in one notification. */
  communes: string[] | null;
}
export const LISTS_CHANNEL = 'jigi_lists';
/** An operator's action on payments was asked, applied, approved or rejected: queues and approval lists refetch. */
export interface PaymentActionsChanged {
  cycleId: string;
  actionId: string;
  status: 'awaiting-approval' | 'applied' | 'rejected';
}
export const PAYMENT_ACTIONS_CHANNEL = 'jigi_payment_actions';
/** A workshop of a cycle was planned, changed or reported: consoles on the cycle's workshops refetch them. */
export interface WorkshopEvent {
  cycleId: string;
  region: string;
  kind: 'planned' | 'updated' | 'reported' | 'report-corrected';
  actor: string;
  at: string;
}
export const WORKSHOPS_CHANNEL = 'jigi_workshops';
/** Progress of a cycle's eligibility run, pushed to consoles watching the cycle's targeting page. */
export interface TargetingProgress {
  cycleId: string;
  runId: string;
  status: Exclude<TargetingRunStatus, 'queued'>;
  step: TargetingRunStep;
  households: number | null;
  eligible: number | null;
  selected: number | null;
  failure: string | null;
}
export const TARGETING_CHANNEL = 'jigi_targeting';

/** A procurement case moved (an action, a late step, an escalation): inboxes, case pages and boards refetch. */
export interface ProcurementChanged {
  caseId: string;
  cycleId: string;
  kind: string;
  step: string;
  version: number;
  /** Set when the coordination unit is alerted: a step late, then escalated. */
  alert: 'late' | 'escalated' | null;
}
export const PROCUREMENT_CHANNEL = 'jigi_procurement';

/** A grievance case moved (filed, an action, an escalation): case lists and the case's page refetch. */
export interface GrievanceChanged {
  reference: string;
  region: string;
  commune: string;
  kind: string;
  version: number;
  /** Set when the case escalated to this level, or went late at the top: that level's console is alerted. */
  alert: { kind: 'escalated' | 'late'; level: 'commune' | 'region' | 'national' } | null;
}
export const GRIEVANCE_CHANNEL = 'jigi_grievances';
