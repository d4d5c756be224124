import { describe, expect, it } from 'vitest';
import {
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
  it('only the active phase, or the one the cycle is starting right now', () => {
    const s = cycle('running', { training: 'active' });
    expect(whyPhaseCannotComplete(s, 'training')).toBeNull();
    expect(whyPhaseCannotComplete(s, 'targeting')).toBe('The targeting phase has not started yet.');
    const starting = cycle('running', { training: 'completed' });
    expect(whyPhaseCannotComplete(starting, 'targeting')).toBeNull();
    expect(whyPhaseCannotComplete(starting, 'procurement')).toBe('The procurement phase has not started yet.');
  });

  it('grievances stay open until disbursement is done', () => {
    const paying = cycle('running', { training: 'completed', targeting: 'completed', procurement: 'completed', disbursement: 'active', grievances: 'active' });
    expect(whyPhaseCannotComplete(paying, 'grievances')).toBe('Grievance handling stays open until disbursement is completed.');
    const paid = cycle('running', { training: 'completed', targeting: 'completed', procurement: 'completed', disbursement: 'completed', grievances: 'active' });
    expect(whyPhaseCannotComplete(paid, 'grievances')).toBeNull();
    expect(whyPhaseCannotComplete(cycle('running', { training: 'completed', targeting: 'completed', procurement: 'completed' }), 'grievances')).toBe(
      'The grievances phase has not started yet.',
    );
  });

  it('nothing advances in a paused, cancelled or closed cycle, and nothing completes twice', () => {
    expect(whyPhaseCannotComplete(cycle('paused', { training: 'active' }), 'training')).toMatch(/paused/);
    expect(whyPhaseCannotComplete(cycle('cancelled', { training: 'cancelled' }), 'training')).toBe('The cycle is cancelled.');
    expect(whyPhaseCannotComplete(cycle('completed', {}), 'training')).toBe('The cycle is already closed.');
    expect(whyPhaseCannotComplete(cycle('running', { training: 'completed', targeting: 'active' }), 'training')).toBe(
      'The training phase is already completed.',
    );
  });
});

describe('pause, resume and cancel', () => {
  it('pause only a running cycle, resume only a paused one, cancel anything not closed', () => {
    expect(whyCannotPause(cycle('running', {}))).toBeNull();
    expect(whyCannotPause(cycle('paused', {}))).toBe('The cycle is already paused.');
    expect(whyCannotPause(cycle('completed', {}))).toBe('A completed cycle cannot be paused.');
    expect(whyCannotResume(cycle('paused', {}))).toBeNull();
    expect(whyCannotResume(cycle('running', {}))).toBe('The cycle is not paused.');
    expect(whyCannotCancel(cycle('paused', {}))).toBeNull();
    expect(whyCannotCancel(cycle('completed', {}))).toBe('A closed cycle cannot be cancelled.');
    expect(whyCannotCancel(cycle('cancelled', {}))).toBe('The cycle is already cancelled.');
  });
});
