import { describe, expect, it } from 'vitest';
import {
  applyAction,
  applyTimer,
  DEFAULT_GRIEVANCE_SETTINGS,
  duplicateKey,
  escalationArea,
  grievanceReference,
  isLate,
  nextTimer,
  openGrievance,
  parseGrievanceReference,
  whyCannotAct,
  whyCannotFile,
  whyCannotFileAs,
  whyCannotSee,
  type GrievanceAction,
  type GrievanceCaseState,
  type GrievanceCategory,
  type GrievanceSettings,
} from '../../domain/grievances';
import type { Area, Principal, Role } from '../../domain/roles';

const T0 = Date.parse('2021-03-01T08:00:00Z');
const S = 1000;
const settings: GrievanceSettings = {
  deadlineSeconds: { ...DEFAULT_GRIEVANCE_SETTINGS.deadlineSeconds, 'non-payment': 10, misconduct: 20 },
  reopenSeconds: 60,
};
const KATI = { level: 'commune' as const, region: 'KOU', commune: 'KATI' };
const person = (role: Role, area: Area = { level: 'national' }, kind: Principal['kind'] = 'user'): Principal => ({ kind, id: role, username: role, roles: [role], area });
const officer = person('grievance-officer', KATI);
const elsewhere = person('grievance-officer', { level: 'commune', region: 'KOU', commune: 'DIOILA' });

function filed(category: GrievanceCategory = 'non-payment'): GrievanceCaseState {
  return openGrievance({ reference: grievanceReference(2021, 123), category, commune: KATI }, settings, T0);
}

function act(state: GrievanceCaseState, action: GrievanceAction, atMs: number, by: Principal = officer) {
  const why = whyCannotAct(state, action, by, settings, atMs);
  if (why) throw new Error(`${why.rule}: ${why.message}`);
  applyAction(state, action, settings, atMs);
}

describe('grievance references', () => {
  it('gives the complainant a reference they can quote and read back, even past a million cases', () => {
    expect(grievanceReference(2021, 123)).toBe('PL-2021-000123');
    expect(parseGrievanceReference(' pl-2021-000123 ')).toEqual({ year: 2021, sequence: 123 });
    expect(grievanceReference(2021, 1_234_567)).toBe('PL-2021-1234567');
    expect(parseGrievanceReference('PL-2021-1234567')).toEqual({ year: 2021, sequence: 1_234_567 });
    expect(parseGrievanceReference('PL-21-123')).toBeNull();
  });
});

describe('filing a grievance', () => {
  it('refuses an unknown category, a household without RSU id and a person who cannot be called back', () => {
    const commune = { region: 'KOU', commune: 'KATI' };
    expect(whyCannotFile({ category: 'bribe', complainant: { kind: 'household', rsuId: 'R1' }, commune })?.rule).toBe('category-invalid');
    expect(whyCannotFile({ category: 'other', complainant: { kind: 'household', rsuId: ' ' }, commune })?.rule).toBe('complainant-invalid');
    expect(whyCannotFile({ category: 'exclusion', complainant: { kind: 'person', name: 'Awa', phone: '' }, commune })?.rule).toBe('complainant-invalid');
    expect(whyCannotFile({ category: 'exclusion', complainant: { kind: 'person', name: 'Awa', phone: '+22370000000' }, commune })).toBeNull();
  });

  it('links a household’s second complaint about the same thing, not one about something else or from outside the register', () => {
    const h = { kind: 'household' as const, rsuId: 'R1' };
    expect(duplicateKey('non-payment', h)).toBe(duplicateKey('non-payment', { ...h }));
    expect(duplicateKey('non-payment', h)).not.toBe(duplicateKey('wrong-amount', h));
    expect(duplicateKey('exclusion', { kind: 'person', name: 'Awa', phone: '+22370000000' })).toBeNull();
  });

  it('lets a focal point and a service token file in their area only', () => {
    expect(whyCannotFileAs(person('focal-point', KATI), KATI)).toBeNull();
    expect(whyCannotFileAs(person('grievance-officer', { level: 'national' }, 'service'), KATI)).toBeNull();
    expect(whyCannotFileAs(elsewhere, KATI)?.rule).toBe('not-permitted');
    expect(whyCannotFileAs(person('payment-operator'), KATI)?.rule).toBe('not-permitted');
  });

  it('starts received at the commune level with the category’s deadline running', () => {
    const c = filed();
    expect(c).toMatchObject({ status: 'received', level: 'commune', deadline: new Date(T0 + 10 * S).toISOString() });
    expect(nextTimer(c, settings)).toEqual({ atMs: T0 + 10 * S, kind: 'escalated' });
  });
});

describe('a grievance’s course', () => {
  it('goes received → acknowledged → under investigation → resolved → closed, telling the complainant the answer', () => {
    const c = filed();
    act(c, { kind: 'acknowledge' }, T0 + S);
    act(c, { kind: 'investigate' }, T0 + 2 * S);
    act(c, { kind: 'resolve', answer: 'Paid on 3 March.' }, T0 + 3 * S);
    expect(c).toMatchObject({ status: 'resolved', answer: 'Paid on 3 March.', deadline: null });
    expect(nextTimer(c, settings)).toEqual({ atMs: T0 + 63 * S, kind: 'reopen-period-over' });
    act(c, { kind: 'close' }, T0 + 4 * S);
    expect(c.status).toBe('closed');
    expect(applyTimer(c, settings, T0 + 63 * S)).toBe('reopen-period-over');
    expect(c.final).toBe(true);
    expect(nextTimer(c, settings)).toBeNull();
    expect(whyCannotAct(c, { kind: 'reopen', comment: 'Late appeal.' }, officer, settings, T0 + 63 * S)?.rule).toBe('reopen-period-over');
  });

  it('refuses to skip a step or to decide without an answer', () => {
    const c = filed();
    expect(whyCannotAct(c, { kind: 'investigate' }, officer, settings, T0)?.rule).toBe('wrong-status');
    expect(whyCannotAct(c, { kind: 'close' }, officer, settings, T0)?.rule).toBe('wrong-status');
    act(c, { kind: 'acknowledge' }, T0);
    expect(whyCannotAct(c, { kind: 'reject', answer: '  ' }, officer, settings, T0)?.rule).toBe('answer-required');
    act(c, { kind: 'reject', answer: 'Not in the cycle.' }, T0);
    expect(c).toMatchObject({ status: 'rejected', answer: 'Not in the cycle.' });
    expect(applyTimer(c, settings, T0 + 60 * S)).toBe('reopen-period-over');
    expect(c).toMatchObject({ status: 'closed', final: true });
  });

  it('stops the clock while waiting on the complainant and restarts it with what was left', () => {
    const c = filed();
    act(c, { kind: 'acknowledge' }, T0);
    act(c, { kind: 'wait-on-complainant', comment: 'Send the payment slip.' }, T0 + 4 * S);
    expect(nextTimer(c, settings)).toBeNull();
    expect(applyTimer(c, settings, T0 + 100 * S)).toBeNull();
    expect(whyCannotAct(c, { kind: 'investigate' }, officer, settings, T0 + 100 * S)?.rule).toBe('waiting-on-complainant');
    act(c, { kind: 'resume' }, T0 + 100 * S);
    expect(nextTimer(c, settings)).toEqual({ atMs: T0 + 106 * S, kind: 'escalated' });
    expect(whyCannotAct(c, { kind: 'resume' }, officer, settings, T0)?.rule).toBe('not-waiting');
  });

  it('escalates commune → region → national, each with a fresh deadline, then marks the case late', () => {
    const c = filed();
    expect(applyTimer(c, settings, T0 + 9 * S)).toBeNull();
    expect(applyTimer(c, settings, T0 + 10 * S)).toBe('escalated');
    expect(c.level).toBe('region');
    expect(escalationArea(c)).toEqual({ level: 'region', region: 'KOU' });
    expect(isLate(c)).toBe(true);
    expect(applyTimer(c, settings, T0 + 20 * S)).toBe('escalated');
    expect(c.level).toBe('national');
    expect(escalationArea(c)).toEqual({ level: 'national' });
    expect(applyTimer(c, settings, T0 + 30 * S)).toBe('late');
    expect(c.lateAt).toBe(new Date(T0 + 30 * S).toISOString());
    expect(nextTimer(c, settings)).toBeNull();
  });

  it('reopens a decision contested within the period, against a fresh deadline, and refuses it after', () => {
    const c = filed();
    act(c, { kind: 'acknowledge' }, T0);
    act(c, { kind: 'reject', answer: 'Paid already.' }, T0 + S);
    act(c, { kind: 'close' }, T0 + 2 * S);
    expect(whyCannotAct(c, { kind: 'reopen', comment: '' }, officer, settings, T0 + 3 * S)?.rule).toBe('comment-required');
    expect(whyCannotAct(c, { kind: 'reopen', comment: 'Never received.' }, officer, settings, T0 + 62 * S)?.rule).toBe('reopen-period-over');
    act(c, { kind: 'reopen', comment: 'Never received.' }, T0 + 30 * S);
    expect(c).toMatchObject({ status: 'under-investigation', answer: null, deadline: new Date(T0 + 40 * S).toISOString() });
  });
});

describe('who sees and acts on a grievance', () => {
  it('keeps misconduct and fraud from focal points while auditors read them', () => {
    const focal = person('focal-point', KATI);
    expect(whyCannotSee(focal, filed('non-payment'))).toBeNull();
    expect(whyCannotSee(focal, filed('misconduct'))?.rule).toBe('not-permitted');
    expect(whyCannotSee(person('auditor'), filed('fraud'))).toBeNull();
    expect(whyCannotSee(officer, filed('fraud'))).toBeNull();
  });

  it('lets only a grievance officer of the case’s area act, never a service token or an auditor', () => {
    const c = filed();
    expect(whyCannotAct(c, { kind: 'acknowledge' }, elsewhere, settings, T0)?.rule).toBe('not-permitted');
    expect(whyCannotAct(c, { kind: 'acknowledge' }, person('auditor'), settings, T0)?.rule).toBe('not-permitted');
    expect(whyCannotAct(c, { kind: 'acknowledge' }, person('grievance-officer', KATI, 'service'), settings, T0)?.rule).toBe('not-permitted');
    expect(whyCannotSee(person('grievance-officer', KATI, 'service'), c)?.rule).toBe('not-permitted');
    expect(whyCannotAct(c, { kind: 'acknowledge' }, person('grievance-officer', { level: 'region', region: 'KOU' }), settings, T0)).toBeNull();
  });
});
