// Every signal, query and update of the program-cycle workflows, defined once.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CommuneListState, CommunityMeetings, ListChange } from '../domain/beneficiary-list';
import type { CycleState, Phase } from '../domain/cycle';
import type { PaymentActionOutcome, PaymentActionRequest } from '../domain/payment-actions';
import type { GrievanceAction, GrievanceActionKind, GrievanceCaseState } from '../domain/grievances';
import type { CaseAction, CaseActionKind, ProcurementCaseState } from '../domain/procurement';
import type { ActorContext } from '../domain/roles';

export type { ActorContext };

export interface ActorInput {
  /** Who acts (username): set by the API from the signed-in user, never from the request body. */
  actor: string;
  by?: ActorContext;
}

export interface CompletePhaseInput extends ActorInput {
  phase: Phase;
  comment?: string;
}

export interface ReasonInput extends ActorInput {
  reason: string;
}

/** API → cycle: a region's workshop report was recorded (or corrected); the API read the rest after its commit. */
export interface WorkshopReportedInput {
  /** Region code. */
  region: string;
  reportedBy: string;
  /** Every workshop planned for the cycle has its report: the training phase can complete. */
  allPlannedReported: boolean;
  by?: ActorContext;
}

export const cycleStateQuery = defineQuery<CycleState>('cycleState');
export const completePhaseUpdate = defineUpdate<CycleState, [CompletePhaseInput]>('completePhase');
export const pauseCycleUpdate = defineUpdate<CycleState, [ReasonInput]>('pauseCycle');
export const resumeCycleUpdate = defineUpdate<CycleState, [ReasonInput]>('resumeCycle');
export const cancelCycleUpdate = defineUpdate<CycleState, [ReasonInput]>('cancelCycle');

export const workshopReportedSignal = defineSignal<[WorkshopReportedInput]>('workshopReported');

/** Parent → phase child: a user marked the phase done. */
export const markPhaseDoneSignal = defineSignal<[ActorInput & { comment?: string }]>('markPhaseDone');

// Targeting: community validation of each commune's beneficiary list.

export interface TargetingState {
  /** False until the lists are sent to the focal points. */
  sent: boolean;
  lists: CommuneListState[];
  /** Set once targeting closed and the beneficiary list is frozen. */
  frozen: FrozenListSummary | null;
}

export interface FrozenListSummary {
  households: number;
  communes: number;
  amountFcfa: number;
  /** Communes whose list was still pending when the coordinator closed targeting: none of theirs is on it. */
  pendingCommunes: string[];
}

export interface DecideListInput extends ActorInput {
  commune: string;
  decision: 'approve' | 'return';
  meetings: CommunityMeetings;
  /** Households to add or remove: required to return a list, refused with an approval. */
  changes?: ListChange[];
}

export interface ReviewListChangeInput extends ActorInput {
  commune: string;
  approve: boolean;
  comment?: string;
}

export const targetingStateQuery = defineQuery<TargetingState>('targetingState');
export const sendListsUpdate = defineUpdate<TargetingState, [ActorInput]>('sendLists');
export const decideListUpdate = defineUpdate<CommuneListState, [DecideListInput]>('decideList');
export const reviewListChangeUpdate = defineUpdate<CommuneListState, [ReviewListChangeInput]>('reviewListChange');
/** Parent → targeting child: a region's workshop report is recorded, its lists may go out. */
export const regionTrainedSignal = defineSignal<[{ region: string }]>('regionTrained');

// Procurement: one workflow per case (procurement:<caseId>), one Update per action an officer takes.

export interface ProcurementActionInput<A extends CaseAction = CaseAction> extends ActorInput {
  action: A;
}

type ActionOf<K extends CaseActionKind> = Extract<CaseAction, { kind: K }>;
const procurementUpdate = <K extends CaseActionKind>(name: string) => defineUpdate<ProcurementCaseState, [ProcurementActionInput<ActionOf<K>>]>(name);

export const procurementCaseQuery = defineQuery<ProcurementCaseState>('procurementCase');
/** Each action of a case is its own Update, named in the history. */
export const PROCUREMENT_UPDATES = {
  submit: procurementUpdate<'submit'>('submitStep'),
  approve: procurementUpdate<'approve'>('approveStep'),
  reject: procurementUpdate<'reject'>('rejectStep'),
  'return-for-rework': procurementUpdate<'return-for-rework'>('returnForRework'),
  'record-no-objection': procurementUpdate<'record-no-objection'>('recordNoObjection'),
  cancel: procurementUpdate<'cancel'>('cancelCase'),
  'restart-from': procurementUpdate<'restart-from'>('restartFrom'),
} as const satisfies Record<CaseActionKind, unknown>;

// Grievances: one workflow per case (grievance:<reference>), one Update per action an officer takes.

export interface GrievanceActionInput<A extends GrievanceAction = GrievanceAction> extends ActorInput {
  action: A;
}

type GrievanceActionOf<K extends GrievanceActionKind> = Extract<GrievanceAction, { kind: K }>;
const grievanceUpdate = <K extends GrievanceActionKind>(name: string) => defineUpdate<GrievanceCaseState, [GrievanceActionInput<GrievanceActionOf<K>>]>(name);

export const grievanceCaseQuery = defineQuery<GrievanceCaseState>('grievanceCase');
export const GRIEVANCE_UPDATES = {
  acknowledge: grievanceUpdate<'acknowledge'>('acknowledgeGrievance'),
  investigate: grievanceUpdate<'investigate'>('investigateGrievance'),
  'wait-on-complainant': grievanceUpdate<'wait-on-complainant'>('waitOnComplainant'),
  resume: grievanceUpdate<'resume'>('resumeGrievance'),
  resolve: grievanceUpdate<'resolve'>('resolveGrievance'),
  reject: grievanceUpdate<'reject'>('rejectGrievance'),
  close: grievanceUpdate<'close'>('closeGrievance'),
  reopen: grievanceUpdate<'reopen'>('reopenGrievance'),
} as const satisfies Record<GrievanceActionKind, unknown>;

// Disbursement: the phase's workflow (phaseWorkflowId(cycle, 'disbursement')) runs the payment runs and
// takes operators' actions on failed payments.

export interface DisbursementRun {
  workflowId: string;
  agencyId: string;
  /** Lists the run sends, or 0 for a resend of an operator's action. */
  lists: number;
  status: 'running' | 'done' | 'failed';
}

export interface DisbursementState {
  prepared: PreparedDisbursementSummary | null;
  runs: DisbursementRun[];
  /** Operators' bulk actions waiting for a second operator. */
  awaitingApproval: Array<{ id: string; requestedBy: string; count: number }>;
  /** The coordinator asked to close the phase: it ends once nothing is in flight. */
  closing: boolean;
}

export interface PreparedDisbursementSummary {
  lists: number;
  households: number;
  amountFcfa: number;
  mismatched: number;
  communesWithoutAgency: string[];
}

export interface RequestPaymentActionInput extends ActorInput {
  request: PaymentActionRequest;
}

export interface DecidePaymentActionInput extends ActorInput {
  actionId: string;
  approve: boolean;
  reason?: string;
}

export const disbursementStateQuery = defineQuery<DisbursementState>('disbursementState');
/** API → disbursement: a list was released; the workflow takes every released list no run has yet. */
export const paymentListsReleasedSignal = defineSignal('paymentListsReleased');
export const requestPaymentActionUpdate = defineUpdate<PaymentActionOutcome, [RequestPaymentActionInput]>('requestPaymentAction');
export const decidePaymentActionUpdate = defineUpdate<PaymentActionOutcome, [DecidePaymentActionInput]>('decidePaymentAction');
