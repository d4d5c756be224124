// Procurement: recruiting a payment agency for a lot of regions or communes, or an NGO for a region's
// accompanying measures, through a chain of steps a procurement officer prepares and a second one
// approves (four eyes), with the funder's no-objection at the steps a World Bank financing requires.
// Pure state machine: the workflow, the API and the console all apply these same rules.
import { authorize, whyNotFourEyes, type Action } from './policy';
import type { Area, Principal } from './roles';

export const PROCUREMENT_KINDS = ['payment-agency', 'ngo'] as const;
export type ProcurementKind = (typeof PROCUREMENT_KINDS)[number];

/**
 * How a step moves. `review`: prepared, then approved by a second officer. `no-objection`: the request
 * goes to the funder, whose answer an officer records with its reference. `call`: the call for bids is
 * approved, then the step holds until the bid deadline. `bids` and `contract`: a review that carries
 * the bidders, or the contract's terms.
 */
export const STEP_KINDS = ['review', 'no-objection', 'call', 'bids', 'contract'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface StepTemplate {
  key: string;
  kind: StepKind;
  label: { fr: string; en: string };
  /** From the step's opening: past it the step is late and the coordination unit is alerted. */
  deadlineSeconds: number;
  /** After the deadline: past it too the step escalates. */
  escalationSeconds: number;
}

export interface ProcurementTemplate {
  key: string;
  version: number;
  name: { fr: string; en: string };
  steps: StepTemplate[];
}

const DAY = 86_400;
const step = (key: string, kind: StepKind, fr: string, en: string, days: number): StepTemplate => ({
  key,
  kind,
  label: { fr, en },
  deadlineSeconds: days * DAY,
  escalationSeconds: Math.max(1, Math.round(days / 2)) * DAY,
});

/** The chains shipped with the product; an administrator edits them into new versions. */
export const DEFAULT_TEMPLATES: ProcurementTemplate[] = [
  {
    key: 'wb-rfp',
    version: 1,
    name: { fr: 'Demande de propositions (financement Banque mondiale)', en: 'Request for proposals (World Bank financing)' },
    steps: [
      step('terms-drafted', 'review', 'Termes de référence rédigés', 'Terms of reference drafted', 10),
      step('internal-review', 'review', 'Revue interne', 'Internal review', 5),
      step('terms-no-objection', 'no-objection', 'Non-objection du bailleur sur les TdR', 'Funder no-objection on the terms', 15),
      step('call-published', 'call', 'Avis publié (date limite des offres)', 'Call published (bid deadline)', 30),
      step('bids-opened', 'bids', 'Ouverture des offres (soumissionnaires)', 'Bids opened (bidders recorded)', 3),
      step('evaluation-report', 'review', "Rapport d'évaluation", 'Evaluation report', 15),
      step('award-no-objection', 'no-objection', "Non-objection du bailleur sur l'attribution", 'Funder no-objection on the award', 15),
      step('negotiation', 'review', 'Négociation', 'Negotiation', 10),
      step('contract-signed', 'contract', 'Contrat signé', 'Contract signed', 10),
      step('agency-mobilised', 'review', 'Agence mobilisée', 'Agency mobilised', 15),
    ],
  },
  {
    key: 'rfq',
    version: 1,
    name: { fr: 'Demande de cotations', en: 'Request for quotations' },
    steps: [
      step('quotations-requested', 'call', 'Demande de cotations envoyée (date limite)', 'Quotations requested (deadline)', 10),
      step('quotations-opened', 'bids', 'Ouverture des cotations', 'Quotations opened', 2),
      step('comparison-report', 'review', 'Rapport de comparaison', 'Comparison report', 5),
      step('contract-signed', 'contract', 'Contrat signé', 'Contract signed', 5),
      step('agency-mobilised', 'review', 'Agence mobilisée', 'Agency mobilised', 10),
    ],
  },
];

/** The last step of every chain: reaching it opens the lot's gate. */
export const MOBILISED_STEP = 'agency-mobilised';

export const STEP_STATUSES = [
  /** Not reached yet. */
  'waiting',
  /** Current, with an officer to prepare it. */
  'open',
  /** Prepared: waits for a second officer's approval, or for the funder's answer. */
  'submitted',
  /** The call is approved: the step holds until the bid deadline. */
  'holding',
  'done',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const CASE_STATUSES = ['running', 'completed', 'cancelled'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export interface ContractTerms {
  agency: string;
  amountFcfa: number;
  feesFcfa: number;
}

/** What a step carries besides comments: the bid deadline, the bidders, the funder's reference, the contract. */
export interface StepData {
  bidDeadline?: string;
  bidders?: string[];
  noObjectionReference?: string;
  contract?: ContractTerms;
}

export interface StepState {
  key: string;
  kind: StepKind;
  status: StepStatus;
  openedAt: string | null;
  /** Late from then on; null when the step is not running against a deadline. */
  deadline: string | null;
  escalateAt: string | null;
  lateAt: string | null;
  escalatedAt: string | null;
  preparedBy: string | null;
  preparedByName: string | null;
  completedAt: string | null;
  data: StepData;
}

/** A lot: regions or communes of the country (a region's accompanying measures for an NGO). */
export type LotArea = Exclude<Area, { level: 'national' }>;

export interface ProcurementCaseState {
  caseId: string;
  cycleId: string;
  kind: ProcurementKind;
  lot: LotArea[];
  templateKey: string;
  templateVersion: number;
  status: CaseStatus;
  current: number;
  steps: StepState[];
}

export const CASE_ACTION_KINDS = ['submit', 'approve', 'reject', 'return-for-rework', 'record-no-objection', 'cancel', 'restart-from'] as const;
export type CaseActionKind = (typeof CASE_ACTION_KINDS)[number];

/** What a person asks of a case: each with a comment and document references. */
export type CaseAction =
  | { kind: 'submit'; comment?: string; documents?: string[]; data?: StepData }
  | { kind: 'approve'; comment?: string; documents?: string[] }
  | { kind: 'reject'; comment: string; documents?: string[] }
  | { kind: 'return-for-rework'; toStep: string; comment: string; documents?: string[] }
  | { kind: 'record-no-objection'; granted: boolean; reference: string; comment?: string; documents?: string[] }
  | { kind: 'cancel'; comment: string }
  | { kind: 'restart-from'; toStep: string; comment: string };

/** What the system itself does to a case: the bid deadline passing, a step late, then escalated. */
export type CaseTimerKind = 'bid-deadline-passed' | 'late' | 'escalated';

export const ACTION_PERMISSIONS: Record<CaseActionKind, Action> = {
  submit: 'procurement.prepare',
  'record-no-objection': 'procurement.prepare',
  approve: 'procurement.approve',
  reject: 'procurement.approve',
  'return-for-rework': 'procurement.approve',
  cancel: 'procurement.manage',
  'restart-from': 'procurement.manage',
};

export const PROCUREMENT_RULES = [
  'not-permitted',
  'case-closed',
  'step-not-open',
  'step-not-submitted',
  'step-kind',
  'step-data-missing',
  'bid-deadline-past',
  'comment-required',
  'target-step-invalid',
  'four-eyes',
  'template-invalid',
  'lot-invalid',
  'lot-overlaps',
] as const;
export type ProcurementRule = (typeof PROCUREMENT_RULES)[number];

export interface ProcurementRefusal {
  rule: ProcurementRule;
  message: string;
}

const refusal = (rule: ProcurementRule, message: string): ProcurementRefusal => ({ rule, message });

/** The case's state when it opens: its first step open against its deadline. */
export function openCase(input: Omit<ProcurementCaseState, 'status' | 'current' | 'steps'>, template: ProcurementTemplate, nowMs: number): ProcurementCaseState {
  const steps = template.steps.map((s): StepState => ({
    key: s.key,
    kind: s.kind,
    status: 'waiting',
    openedAt: null,
    deadline: null,
    escalateAt: null,
    lateAt: null,
    escalatedAt: null,
    preparedBy: null,
    preparedByName: null,
    completedAt: null,
    data: {},
  }));
  const state: ProcurementCaseState = { ...input, status: 'running', current: 0, steps };
  openStep(state, template, 0, nowMs);
  return state;
}

function openStep(state: ProcurementCaseState, template: ProcurementTemplate, index: number, nowMs: number) {
  const s = state.steps[index]!;
  const t = template.steps[index]!;
  state.current = index;
  Object.assign(s, {
    status: 'open',
    openedAt: new Date(nowMs).toISOString(),
    deadline: new Date(nowMs + t.deadlineSeconds * 1000).toISOString(),
    escalateAt: new Date(nowMs + (t.deadlineSeconds + t.escalationSeconds) * 1000).toISOString(),
    lateAt: null,
    escalatedAt: null,
    preparedBy: null,
    preparedByName: null,
    completedAt: null,
    data: {},
  } satisfies Partial<StepState>);
}

function resetFrom(state: ProcurementCaseState, index: number) {
  for (const s of state.steps.slice(index)) {
    Object.assign(s, { status: 'waiting', openedAt: null, deadline: null, escalateAt: null, lateAt: null, escalatedAt: null, preparedBy: null, preparedByName: null, completedAt: null, data: {} });
  }
}

/** The areas a lot touches, as the policy checks them: an officer acts only on lots inside their area. */
export function whyNotPermitted(principal: Principal, action: Action, lot: readonly LotArea[]): ProcurementRefusal | null {
  for (const area of lot.length ? lot : [undefined]) {
    const decision = authorize(principal, action, area);
    if (!decision.allowed) return refusal('not-permitted', decision.message);
  }
  return null;
}

const stepName = (s: StepState) => s.key;

function whyDataMissing(kind: StepKind, data: StepData | undefined, nowMs: number): ProcurementRefusal | null {
  if (kind === 'call') {
    if (!data?.bidDeadline || Number.isNaN(Date.parse(data.bidDeadline))) return refusal('step-data-missing', 'A published call names its bid deadline.');
    if (Date.parse(data.bidDeadline) <= nowMs) return refusal('bid-deadline-past', 'The bid deadline must be in the future.');
  }
  if (kind === 'bids' && !data?.bidders?.length) return refusal('step-data-missing', 'Opened bids name at least one bidder.');
  if (kind === 'contract') {
    const c = data?.contract;
    if (!c || !c.agency.trim() || !Number.isInteger(c.amountFcfa) || c.amountFcfa <= 0 || !Number.isInteger(c.feesFcfa) || c.feesFcfa < 0) {
      return refusal('step-data-missing', 'A signed contract names the agency, its amount and its fees in whole FCFA.');
    }
  }
  return null;
}

/**
 * Why this person may not take this action on the case now, or null. The same function serves the
 * API (an early 409) and the workflow's Update validator, so the message is the same in both.
 */
export function whyCannotAct(state: ProcurementCaseState, action: CaseAction, principal: Principal, nowMs: number): ProcurementRefusal | null {
  const denied = whyNotPermitted(principal, ACTION_PERMISSIONS[action.kind], state.lot);
  if (denied) return denied;
  if (state.status !== 'running') return refusal('case-closed', `This case is ${state.status}: it takes no more actions.`);
  const current = state.steps[state.current]!;
  switch (action.kind) {
    case 'submit':
      if (current.status !== 'open') return refusal('step-not-open', `Step ${stepName(current)} is not waiting to be prepared.`);
      return whyDataMissing(current.kind, action.data, nowMs);
    case 'approve':
    case 'reject':
    case 'return-for-rework': {
      if (current.status !== 'submitted') return refusal('step-not-submitted', `Step ${stepName(current)} has nothing submitted to review.`);
      if (current.kind === 'no-objection') return refusal('step-kind', `Step ${stepName(current)} waits for the funder's answer: record it instead.`);
      const fourEyes = whyNotFourEyes(current.preparedBy ?? '', principal.id);
      if (fourEyes) return refusal('four-eyes', fourEyes);
      if (action.kind !== 'approve' && !action.comment.trim()) return refusal('comment-required', 'Say why in a comment.');
      if (action.kind === 'return-for-rework') {
        const target = state.steps.findIndex((s) => s.key === action.toStep);
        if (target < 0 || target >= state.current) return refusal('target-step-invalid', 'Return the case to a step before the current one.');
      }
      return null;
    }
    case 'record-no-objection':
      if (current.kind !== 'no-objection') return refusal('step-kind', `Step ${stepName(current)} does not wait for the funder.`);
      if (current.status !== 'submitted') return refusal('step-not-submitted', 'The request for no-objection has not been sent yet.');
      if (!action.reference.trim()) return refusal('step-data-missing', "Record the funder's reference.");
      if (!action.granted && !action.comment?.trim()) return refusal('comment-required', "Say what the funder objected to in a comment.");
      return null;
    case 'cancel':
      return action.comment.trim() ? null : refusal('comment-required', 'Give the reason for cancelling.');
    case 'restart-from': {
      if (!action.comment.trim()) return refusal('comment-required', 'Give the reason for restarting.');
      const target = state.steps.findIndex((s) => s.key === action.toStep);
      return target < 0 || target > state.current ? refusal('target-step-invalid', 'Restart the case from the current step or one before it.') : null;
    }
  }
}

/** Applies an action whyCannotAct let through; returns the step it concerned. */
export function applyAction(state: ProcurementCaseState, template: ProcurementTemplate, action: CaseAction, by: { id: string; name: string }, nowMs: number): string {
  const current = state.steps[state.current]!;
  const now = new Date(nowMs).toISOString();
  const advance = () => {
    Object.assign(current, { status: 'done', completedAt: now, deadline: null, escalateAt: null });
    if (state.current + 1 < state.steps.length) openStep(state, template, state.current + 1, nowMs);
    else state.status = 'completed';
  };
  switch (action.kind) {
    case 'submit':
      Object.assign(current, { status: 'submitted', preparedBy: by.id, preparedByName: by.name, data: { ...action.data } });
      break;
    case 'approve':
      if (current.kind === 'call') Object.assign(current, { status: 'holding', deadline: null, escalateAt: null });
      else advance();
      break;
    case 'reject':
      Object.assign(current, { status: 'open', preparedBy: null, preparedByName: null });
      break;
    case 'return-for-rework':
    case 'restart-from': {
      const target = state.steps.findIndex((s) => s.key === action.toStep);
      resetFrom(state, target);
      openStep(state, template, target, nowMs);
      break;
    }
    case 'record-no-objection':
      current.data = { ...current.data, noObjectionReference: action.reference };
      if (action.granted) advance();
      else {
        // The funder objected to what the step before produced: it is prepared again.
        const target = Math.max(0, state.current - 1);
        resetFrom(state, target);
        openStep(state, template, target, nowMs);
      }
      break;
    case 'cancel':
      state.status = 'cancelled';
      Object.assign(current, { deadline: null, escalateAt: null });
      break;
  }
  return current.key;
}

/** The next moment the case's own clock acts (bid deadline, lateness, escalation), or null. */
export function nextTimer(state: ProcurementCaseState): { atMs: number; kind: CaseTimerKind } | null {
  if (state.status !== 'running') return null;
  const s = state.steps[state.current]!;
  if (s.status === 'holding') return { atMs: Date.parse(s.data.bidDeadline!), kind: 'bid-deadline-passed' };
  if (!s.lateAt && s.deadline) return { atMs: Date.parse(s.deadline), kind: 'late' };
  if (!s.escalatedAt && s.escalateAt) return { atMs: Date.parse(s.escalateAt), kind: 'escalated' };
  return null;
}

/** Fires the timer that is due; returns what happened, or null when nothing was due. */
export function applyTimer(state: ProcurementCaseState, template: ProcurementTemplate, nowMs: number): CaseTimerKind | null {
  const timer = nextTimer(state);
  if (!timer || timer.atMs > nowMs) return null;
  const s = state.steps[state.current]!;
  const now = new Date(nowMs).toISOString();
  if (timer.kind === 'bid-deadline-passed') {
    Object.assign(s, { status: 'done', completedAt: now });
    if (state.current + 1 < state.steps.length) openStep(state, template, state.current + 1, nowMs);
    else state.status = 'completed';
  }
  if (timer.kind === 'late') s.lateAt = now;
  if (timer.kind === 'escalated') s.escalatedAt = now;
  return timer.kind;
}

/** A template an administrator saves: steps with unique keys, known kinds, positive deadlines, ending on mobilisation. */
export function whyTemplateInvalid(steps: readonly StepTemplate[]): ProcurementRefusal | null {
  if (steps.length === 0) return refusal('template-invalid', 'A chain has at least one step.');
  if (new Set(steps.map((s) => s.key)).size !== steps.length) return refusal('template-invalid', 'Each step of a chain has its own key.');
  if (steps.at(-1)!.key !== MOBILISED_STEP) return refusal('template-invalid', `A chain ends with the step "${MOBILISED_STEP}".`);
  if (steps.some((s) => s.deadlineSeconds <= 0 || s.escalationSeconds <= 0)) return refusal('template-invalid', 'Deadlines are positive numbers of seconds.');
  return null;
}

const lotKey = (a: LotArea) => (a.level === 'region' ? a.region : `${a.region}/${a.commune}`);

/** Two lots overlap when one names a region, or a commune, the other covers. */
export function lotsOverlap(a: readonly LotArea[], b: readonly LotArea[]): boolean {
  return a.some((x) => b.some((y) => x.region === y.region && (x.level === 'region' || y.level === 'region' || x.commune === y.commune)));
}

export function describeLot(lot: readonly LotArea[]): string {
  return lot.map(lotKey).join(', ');
}

/** A lot is regions only or communes only, each named once; an NGO's lot is one region. */
export function whyLotInvalid(kind: ProcurementKind, lot: readonly LotArea[]): ProcurementRefusal | null {
  if (lot.length === 0) return refusal('lot-invalid', 'A lot names at least one region or commune.');
  if (new Set(lot.map((a) => a.level)).size > 1) return refusal('lot-invalid', 'A lot is made of regions or of communes, not both.');
  if (new Set(lot.map(lotKey)).size !== lot.length) return refusal('lot-invalid', 'An area appears twice in the lot.');
  if (kind === 'ngo' && (lot.length !== 1 || lot[0]!.level !== 'region')) return refusal('lot-invalid', "An NGO is recruited for one region's accompanying measures.");
  return null;
}

export interface CaseForGate {
  caseId: string;
  kind: ProcurementKind;
  status: CaseStatus;
  lot: LotArea[];
  currentStep: string;
}

export interface LotGate {
  caseId: string;
  lot: LotArea[];
  /** True once the payment agency is mobilised: disbursement may start in the lot. */
  open: boolean;
  currentStep: string;
}

/** Each payment-agency lot of a cycle and whether it opens disbursement; cancelled cases gate nothing. */
export function disbursementGates(cases: readonly CaseForGate[]): LotGate[] {
  return cases
    .filter((c) => c.kind === 'payment-agency' && c.status !== 'cancelled')
    .map((c) => ({ caseId: c.caseId, lot: c.lot, open: c.status === 'completed', currentStep: c.currentStep }));
}

/** May disbursement start in this commune? Only once a payment agency covering it is mobilised. */
export function disbursementOpenIn(gates: readonly LotGate[], commune: { region: string; commune: string }): boolean {
  const place: LotArea[] = [{ level: 'commune', ...commune }];
  return gates.some((g) => g.open && lotsOverlap(g.lot, place));
}

/** What an inbox needs of a case's current step. */
export type CurrentStepView = Pick<StepState, 'status' | 'kind' | 'preparedBy' | 'deadline'>;

export const currentStepOf = (state: Pick<ProcurementCaseState, 'steps' | 'current'>): StepState | undefined => state.steps[state.current];

/** Which inbox filters a case falls in for this person. */
export function inboxFilters(status: CaseStatus, s: CurrentStepView | undefined, userId: string, nowMs: number) {
  const running = status === 'running' && s !== undefined;
  return {
    mine: running && (s.status === 'open' || (s.status === 'submitted' && s.kind === 'no-objection')),
    secondSignature: running && s.status === 'submitted' && s.kind !== 'no-objection' && s.preparedBy !== userId,
    late: running && s.deadline !== null && Date.parse(s.deadline) <= nowMs,
  };
}

/** Refusals about what the person still has to fill in, not about whether they may act at all. */
const FORM_RULES: readonly ProcurementRule[] = ['comment-required', 'step-data-missing', 'bid-deadline-past', 'target-step-invalid'];

/** The actions this person may take on the case now: the buttons the console shows them. */
export function availableActions(state: ProcurementCaseState, principal: Principal, nowMs: number): CaseActionKind[] {
  const first = state.steps[0]?.key ?? '';
  const probes: CaseAction[] = [
    { kind: 'submit' },
    { kind: 'approve' },
    { kind: 'reject', comment: '' },
    { kind: 'return-for-rework', toStep: first, comment: '' },
    { kind: 'record-no-objection', granted: true, reference: 'x' },
    { kind: 'cancel', comment: '' },
    { kind: 'restart-from', toStep: first, comment: '' },
  ];
  return probes
    .filter((action) => {
      const why = whyCannotAct(state, action, principal, nowMs);
      return !why || FORM_RULES.includes(why.rule);
    })
    .filter((action) => action.kind !== 'return-for-rework' || state.current > 0)
    .map((action) => action.kind);
}
