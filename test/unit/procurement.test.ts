import { describe, expect, it } from 'vitest';
import {
  applyAction,
  applyTimer,
  availableActions,
  DEFAULT_TEMPLATES,
  disbursementGates,
  disbursementOpenIn,
  currentStepOf,
  inboxFilters,
  lotsOverlap,
  nextTimer,
  openCase,
  whyCannotAct,
  whyLotInvalid,
  whyTemplateInvalid,
  type CaseAction,
  type ProcurementCaseState,
} from '../../domain/procurement';
import type { Principal } from '../../domain/roles';

const rfp = DEFAULT_TEMPLATES.find((t) => t.key === 'wb-rfp')!;
const T0 = Date.parse('2021-02-01T08:00:00Z');
const officer = (id: string, area: Principal['area'] = { level: 'national' }): Principal => ({ kind: 'user', id, username: id, roles: ['procurement-officer'], area });
const awa = officer('awa');
const moussa = officer('moussa');
const coordinator: Principal = { kind: 'user', id: 'coord', username: 'coord', roles: ['coordinator'], area: { level: 'national' } };
const centre = [{ level: 'region' as const, region: 'SEG' }, { level: 'region' as const, region: 'MOP' }];

function newCase(): ProcurementCaseState {
  return openCase({ caseId: 'c1', cycleId: 'y1', kind: 'payment-agency', lot: centre, templateKey: rfp.key, templateVersion: 1 }, rfp, T0);
}

/** Applies an action after checking it, as the workflow does; fails the test on a refusal. */
function act(state: ProcurementCaseState, action: CaseAction, who: Principal, now = T0) {
  const why = whyCannotAct(state, action, who, now);
  if (why) throw new Error(`${action.kind} refused: ${why.message}`);
  applyAction(state, rfp, action, { id: who.id, name: who.username }, now);
}

/** Submits then gets the current step through: approval by the other officer, or the funder's no-objection. */
function pass(state: ProcurementCaseState, now = T0) {
  const step = state.steps[state.current]!;
  const data =
    step.kind === 'call'
      ? { bidDeadline: new Date(now + 3_600_000).toISOString() }
      : step.kind === 'bids'
        ? { bidders: ['Orange Money', 'BNDA'] }
        : step.kind === 'contract'
          ? { contract: { agency: 'Orange Money', amountFcfa: 1_200_000_000, feesFcfa: 24_000_000 } }
          : undefined;
  act(state, { kind: 'submit', comment: 'prêt', documents: ['DOC-1'], ...(data ? { data } : {}) }, awa, now);
  if (step.kind === 'no-objection') act(state, { kind: 'record-no-objection', granted: true, reference: 'BM/NO/2021/07' }, moussa, now);
  else act(state, { kind: 'approve' }, moussa, now);
  if (step.kind === 'call') expect(applyTimer(state, rfp, now + 3_600_000)).toBe('bid-deadline-passed');
}

describe('a procurement case', () => {
  it('goes through the World Bank chain to agency mobilised, which opens the lot for disbursement', () => {
    const state = newCase();
    expect(state.steps[0]).toMatchObject({ status: 'open', deadline: new Date(T0 + 10 * 86_400_000).toISOString() });
    for (let i = 0; i < rfp.steps.length; i++) pass(state);
    expect(state.status).toBe('completed');
    expect(state.steps.every((s) => s.status === 'done')).toBe(true);
    expect(state.steps.find((s) => s.key === 'contract-signed')!.data.contract!.amountFcfa).toBe(1_200_000_000);
    const gates = disbursementGates([{ caseId: 'c1', kind: 'payment-agency', status: state.status, lot: state.lot, currentStep: 'agency-mobilised' }]);
    expect(disbursementOpenIn(gates, { region: 'MOP', commune: 'MOP-001' })).toBe(true);
    expect(disbursementOpenIn(gates, { region: 'GAO', commune: 'GAO-001' })).toBe(false);
  });

  it('refuses the approval of a step by whoever prepared it (four eyes)', () => {
    const state = newCase();
    act(state, { kind: 'submit' }, awa);
    expect(whyCannotAct(state, { kind: 'approve' }, awa, T0)).toEqual({ rule: 'four-eyes', message: 'You prepared this yourself: another authorised person must approve it.' });
    expect(inboxFilters(state.status, currentStepOf(state), awa.id, T0)).toMatchObject({ secondSignature: false });
    expect(inboxFilters(state.status, currentStepOf(state), moussa.id, T0)).toMatchObject({ secondSignature: true });
  });

  it('offers each person the buttons they may use now', () => {
    const state = newCase();
    expect(availableActions(state, awa, T0)).toEqual(['submit']);
    expect(availableActions(state, coordinator, T0)).toEqual(['cancel', 'restart-from']);
    act(state, { kind: 'submit' }, awa);
    expect(availableActions(state, awa, T0)).toEqual([]);
    expect(availableActions(state, moussa, T0)).toEqual(['approve', 'reject']);
    act(state, { kind: 'approve' }, moussa);
    act(state, { kind: 'submit' }, awa);
    expect(availableActions(state, moussa, T0)).toEqual(['approve', 'reject', 'return-for-rework']);
    expect(availableActions(state, { ...moussa, roles: ['auditor'] }, T0)).toEqual([]);
  });

  it('refuses wrong roles and officers outside the lot', () => {
    const state = newCase();
    expect(whyCannotAct(state, { kind: 'submit' }, coordinator, T0)?.rule).toBe('not-permitted');
    expect(whyCannotAct(state, { kind: 'submit' }, officer('kayes', { level: 'region', region: 'KAY' }), T0)?.rule).toBe('not-permitted');
    expect(whyCannotAct(state, { kind: 'cancel', comment: 'x' }, awa, T0)?.rule).toBe('not-permitted');
    expect(whyCannotAct(state, { kind: 'cancel', comment: 'Lot regroupé' }, coordinator, T0)).toBeNull();
  });

  it('sends a rejected step back to be prepared again, and a returned case back to an earlier step', () => {
    const state = newCase();
    pass(state);
    act(state, { kind: 'submit' }, awa);
    expect(whyCannotAct(state, { kind: 'reject', comment: ' ' }, moussa, T0)?.rule).toBe('comment-required');
    act(state, { kind: 'reject', comment: 'Budget manquant' }, moussa);
    expect(state.steps[1]).toMatchObject({ status: 'open', preparedBy: null });
    act(state, { kind: 'submit' }, awa);
    expect(whyCannotAct(state, { kind: 'return-for-rework', toStep: 'internal-review', comment: 'x' }, moussa, T0)?.rule).toBe('target-step-invalid');
    act(state, { kind: 'return-for-rework', toStep: 'terms-drafted', comment: 'Reprendre les TdR' }, moussa);
    expect(state.current).toBe(0);
    expect(state.steps.map((s) => s.status).slice(0, 3)).toEqual(['open', 'waiting', 'waiting']);
  });

  it("records the funder's answer: an objection reopens the step before", () => {
    const state = newCase();
    pass(state);
    pass(state);
    expect(whyCannotAct(state, { kind: 'approve' }, moussa, T0)?.rule).toBe('step-not-submitted');
    act(state, { kind: 'submit', documents: ['Lettre 2021/12'] }, awa);
    expect(whyCannotAct(state, { kind: 'approve' }, moussa, T0)?.rule).toBe('step-kind');
    expect(whyCannotAct(state, { kind: 'record-no-objection', granted: false, reference: 'BM/1' }, moussa, T0)?.rule).toBe('comment-required');
    act(state, { kind: 'record-no-objection', granted: false, reference: 'BM/1', comment: 'Critères à revoir' }, moussa);
    expect(state.steps[state.current]!.key).toBe('internal-review');
  });

  it('refuses a call without a future bid deadline and a contract without whole FCFA', () => {
    const state = newCase();
    for (let i = 0; i < 3; i++) pass(state);
    expect(whyCannotAct(state, { kind: 'submit' }, awa, T0)?.rule).toBe('step-data-missing');
    expect(whyCannotAct(state, { kind: 'submit', data: { bidDeadline: new Date(T0 - 1).toISOString() } }, awa, T0)?.rule).toBe('bid-deadline-past');
    for (let i = 0; i < 5; i++) pass(state);
    expect(state.steps[state.current]!.key).toBe('contract-signed');
    const bad = { agency: 'BMS', amountFcfa: 10.5, feesFcfa: 0 };
    expect(whyCannotAct(state, { kind: 'submit', data: { contract: bad } }, awa, T0)?.rule).toBe('step-data-missing');
  });

  it('is late at its deadline, then escalates, each once', () => {
    const state = newCase();
    const deadline = Date.parse(state.steps[0]!.deadline!);
    expect(nextTimer(state)).toEqual({ atMs: deadline, kind: 'late' });
    expect(applyTimer(state, rfp, deadline - 1)).toBeNull();
    expect(applyTimer(state, rfp, deadline)).toBe('late');
    expect(inboxFilters(state.status, currentStepOf(state), 'x', deadline).late).toBe(true);
    expect(nextTimer(state)!.kind).toBe('escalated');
    expect(applyTimer(state, rfp, Date.parse(state.steps[0]!.escalateAt!))).toBe('escalated');
    expect(nextTimer(state)).toBeNull();
  });

  it('cancels and restarts from a chosen step, with a reason', () => {
    const state = newCase();
    for (let i = 0; i < 3; i++) pass(state);
    expect(whyCannotAct(state, { kind: 'restart-from', toStep: 'negotiation', comment: 'x' }, coordinator, T0)?.rule).toBe('target-step-invalid');
    act(state, { kind: 'restart-from', toStep: 'internal-review', comment: 'Nouveau lot' }, coordinator);
    expect(state.current).toBe(1);
    act(state, { kind: 'cancel', comment: 'Lot abandonné' }, coordinator);
    expect(whyCannotAct(state, { kind: 'submit' }, awa, T0)?.rule).toBe('case-closed');
    expect(nextTimer(state)).toBeNull();
  });
});

describe('lots and templates', () => {
  it('checks lots: one level, no repeats, an NGO for one region; overlaps by region or commune', () => {
    expect(whyLotInvalid('payment-agency', centre)).toBeNull();
    expect(whyLotInvalid('payment-agency', [])?.rule).toBe('lot-invalid');
    expect(whyLotInvalid('ngo', centre)?.rule).toBe('lot-invalid');
    expect(whyLotInvalid('payment-agency', [{ level: 'region', region: 'MOP' }, { level: 'commune', region: 'MOP', commune: 'MOP-001' }])?.rule).toBe('lot-invalid');
    expect(lotsOverlap(centre, [{ level: 'commune', region: 'MOP', commune: 'MOP-003' }])).toBe(true);
    expect(lotsOverlap([{ level: 'commune', region: 'MOP', commune: 'MOP-001' }], [{ level: 'commune', region: 'MOP', commune: 'MOP-003' }])).toBe(false);
  });

  it('accepts the shipped chains and refuses a chain that does not end on mobilisation', () => {
    for (const t of DEFAULT_TEMPLATES) expect(whyTemplateInvalid(t.steps)).toBeNull();
    expect(whyTemplateInvalid(rfp.steps.slice(0, -1))?.rule).toBe('template-invalid');
    expect(whyTemplateInvalid([...rfp.steps, rfp.steps.at(-1)!])?.rule).toBe('template-invalid');
  });
});
