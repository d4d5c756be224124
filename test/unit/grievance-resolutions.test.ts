import { describe, expect, it } from 'vitest';
import { applyAction, DEFAULT_GRIEVANCE_SETTINGS, openGrievance, whyCannotAct, type GrievanceAction, type GrievanceCategory } from '../../domain/grievances';
import type { Principal, Role } from '../../domain/roles';

const KATI = { level: 'commune' as const, region: 'KOU', commune: 'KATI' };
const who = (roles: Role[], username = roles.join('+')): Principal => ({ kind: 'user', id: username, username, roles, area: KATI });
const officer = who(['grievance-officer'], 'awa');
const settings = DEFAULT_GRIEVANCE_SETTINGS;

function investigated(category: GrievanceCategory, extra: { rsuId?: string | null; cycleId?: string | null } = { rsuId: 'RSU-1', cycleId: 'c1' }) {
  const state = openGrievance({ reference: 'PL-2021-000001', category, commune: KATI, ...extra }, settings, 0);
  for (const kind of ['acknowledge', 'investigate'] as const) applyAction(state, { kind }, settings, 0, 'awa');
  return state;
}
const rule = (state: ReturnType<typeof investigated>, action: GrievanceAction, principal = officer) => whyCannotAct(state, action, principal, settings, 0)?.rule ?? null;

describe('resolutions that act', () => {
  it('each answers its own categories only, on a case under investigation', () => {
    expect(rule(investigated('non-payment'), { kind: 'correct-data', changes: { phone: '+22376000000' } })).toBe('category-mismatch');
    expect(rule(investigated('data-correction'), { kind: 'correct-data', changes: { phone: '+22376000000' } })).toBeNull();
    expect(rule(investigated('data-correction'), { kind: 'correct-data', changes: { phone: '76000000' } })).toBe('changes-required');
    expect(rule(investigated('misconduct'), { kind: 'refer-to-audit', comment: 'x' })).toBeNull();
    expect(rule(investigated('exclusion', { rsuId: null }), { kind: 're-examine', finding: { cycleId: 'c1' } as never })).toBe('household-required');
    const received = openGrievance({ reference: 'PL-2021-000002', category: 'non-payment', commune: KATI, rsuId: 'RSU-1', cycleId: 'c1' }, settings, 0);
    expect(rule(received, { kind: 'propose-payment', amountFcfa: 1000, reason: 'x' })).toBe('wrong-status');
  });

  it('a corrective payment needs a whole positive amount, a cycle, and another person of the payment operators to release it', () => {
    const state = investigated('wrong-amount');
    expect(rule(state, { kind: 'propose-payment', amountFcfa: 10.5, reason: 'x' })).toBe('amount-invalid');
    expect(rule(investigated('wrong-amount', { rsuId: 'RSU-1', cycleId: null }), { kind: 'propose-payment', amountFcfa: 100, reason: 'x' })).toBe('cycle-required');
    expect(rule(state, { kind: 'approve-payment' }, who(['payment-operator']))).toBe('no-proposal');
    applyAction(state, { kind: 'propose-payment', amountFcfa: 45_000, reason: 'Complément' }, settings, 0, 'awa');
    expect(state.correctivePayment).toMatchObject({ status: 'proposed', proposedBy: 'awa', amountFcfa: 45_000 });
    expect(rule(state, { kind: 'propose-payment', amountFcfa: 100, reason: 'x' })).toBe('payment-pending');
    expect(rule(state, { kind: 'resolve', answer: 'Payé' })).toBe('payment-pending');
    expect(rule(state, { kind: 'approve-payment' }, officer)).toBe('not-permitted');
    expect(rule(state, { kind: 'approve-payment' }, who(['grievance-officer', 'payment-operator'], 'awa'))).toBe('four-eyes');
    expect(rule(state, { kind: 'approve-payment' }, who(['payment-operator'], 'moussa'))).toBeNull();
    applyAction(state, { kind: 'approve-payment' }, settings, 0, 'moussa');
    expect(state.correctivePayment).toMatchObject({ status: 'released', approvedBy: 'moussa' });
    expect(rule(state, { kind: 'approve-payment' }, who(['payment-operator'], 'ali'))).toBe('no-proposal');
  });
});
