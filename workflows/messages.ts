// Every signal, query and update of the program-cycle workflows, defined once.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CycleState, Phase } from '../domain/cycle';
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
