import { describe, expect, it } from 'vitest';
import {
  currentPhase,
  initialPhases,
  whyCannotCancel,
  whyCannotPause,
  whyCannotResume,
  whyPhaseCannotComplete,
  type CycleState,
  type Phase,
  type PhaseStatus,
} from '../../domain/cycle';

function cycle(status: CycleState['status'], statuses: Partial<Record<Phase, PhaseStatus>>): CycleState {
  return {
    cycleId: 'c',
    status,
    version: 1,
    phases: initialPhases().map((p) => ({ ...p, status: statuses[p.phase] ?? p.status })),
  };
}

describe('which phase may be marked done', () => {
  it('the phase the cycle is showing as current is the last active sequential one', () => {
    expect(currentPhase(cycle('running', { training: 'completed', targeting: 'active' }).phases)).toBe('targeting');
    expect(currentPhase(cycle('running', { disbursement: 'active', grievances: 'active' }).phases)).toBe('disbursement');
    expect(currentPhase(cycle('running', { disbursement: 'completed', grievances: 'active' }).phases)).toBe('grievances');
    expect(currentPhase(cycle('cancelled', { training: 'cancelled' }).phases)).toBeNull();
  });

  it('only the active phase, or the one the cycle is starting right now', () => {
    const s = cycle('running', { training: 'active' });
    expect(whyPhaseCannotComplete(s, 'training')).toBeNull();
    expect(whyPhaseCannotComplete(s, 'targeting')?.message).toBe('The targeting phase has not started yet.');
    const starting = cycle('running', { training: 'completed' });
    expect(whyPhaseCannotComplete(starting, 'targeting')).toBeNull();
    expect(whyPhaseCannotComplete(starting, 'procurement')?.message).toBe('The procurement phase has not started yet.');
  });

  it('grievances stay open until disbursement is done', () => {
    const paying = cycle('running', { training: 'completed', targeting: 'completed', procurement: 'completed', disbursement: 'active', grievances: 'active' });
    expect(whyPhaseCannotComplete(paying, 'grievances')).toEqual({ rule: 'grievances-open-until-paid', phase: 'grievances', message: 'Grievance handling stays open until disbursement is completed.' });
    const paid = cycle('running', { training: 'completed', targeting: 'completed', procurement: 'completed', disbursement: 'completed', grievances: 'active' });
    expect(whyPhaseCannotComplete(paid, 'grievances')).toBeNull();
    expect(whyPhaseCannotComplete(cycle('running', { training: 'completed', targeting: 'completed', procurement: 'completed' }), 'grievances')?.rule).toBe('phase-not-started');
  });

  it('nothing advances in a paused, cancelled or closed cycle, and nothing completes twice', () => {
    expect(whyPhaseCannotComplete(cycle('paused', { training: 'active' }), 'training')?.rule).toBe('cycle-paused');
    expect(whyPhaseCannotComplete(cycle('cancelled', { training: 'cancelled' }), 'training')?.message).toBe('The cycle is cancelled.');
    expect(whyPhaseCannotComplete(cycle('completed', {}), 'training')?.rule).toBe('cycle-closed');
    expect(whyPhaseCannotComplete(cycle('running', { training: 'completed', targeting: 'active' }), 'training')?.message).toBe(
      'The training phase is already completed.',
    );
  });
});

describe('pause, resume and cancel', () => {
  it('pause only a running cycle, resume only a paused one, cancel anything not closed', () => {
    expect(whyCannotPause(cycle('running', {}))).toBeNull();
    expect(whyCannotPause(cycle('paused', {}))?.message).toBe('The cycle is already paused.');
    expect(whyCannotPause(cycle('completed', {}))?.rule).toBe('cycle-closed');
    expect(whyCannotResume(cycle('paused', {}))).toBeNull();
    expect(whyCannotResume(cycle('running', {}))?.message).toBe('The cycle is not paused.');
    expect(whyCannotResume(cycle('cancelled', {}))?.rule).toBe('cycle-cancelled');
    expect(whyCannotCancel(cycle('paused', {}))).toBeNull();
    expect(whyCannotCancel(cycle('completed', {}))?.rule).toBe('cycle-closed');
    expect(whyCannotCancel(cycle('cancelled', {}))?.rule).toBe('cycle-cancelled');
  });
});
