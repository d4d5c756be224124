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

export const cycleStateQuery = defineQuery<CycleState>('cycleState');
export const completePhaseUpdate = defineUpdate<CycleState, [CompletePhaseInput]>('completePhase');
export const pauseCycleUpdate = defineUpdate<CycleState, [ReasonInput]>('pauseCycle');
export const resumeCycleUpdate = defineUpdate<CycleState, [ReasonInput]>('resumeCycle');
export const cancelCycleUpdate = defineUpdate<CycleState, [ReasonInput]>('cancelCycle');

/** Parent → phase child: a user marked the phase done. */
export const markPhaseDoneSignal = defineSignal<[ActorInput & { comment?: string }]>('markPhaseDone');
