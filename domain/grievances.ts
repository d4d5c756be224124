// Grievances: every complaint a durable case with a reference the complainant quotes, a deadline per
// category that escalates commune → region → national when it passes, and a decision the complainant
// may contest within a period. Pure state machine: the workflow, the API and the console apply these rules.
import { ESCALATION_LEVELS, nextEscalation, type EscalationLevel } from './beneficiary-list';
import { isFcfa } from './money';
import { authorize, whyNotFourEyes, type Action } from './policy';
import type { Area, Principal } from './roles';

export const GRIEVANCE_CATEGORIES = ['non-payment', 'wrong-amount', 'exclusion', 'inclusion-error', 'misconduct', 'fraud', 'data-correction', 'other'] as const;
export type GrievanceCategory = (typeof GRIEVANCE_CATEGORIES)[number];

/** Categories in French (console and reports). */
export const GRIEVANCE_CATEGORY_NAMES_FR: Record<GrievanceCategory, string> = {
  'non-payment': 'Non-paiement',
  'wrong-amount': 'Montant erroné',
  exclusion: 'Exclusion',
  'inclusion-error': 'Erreur d’inclusion',
  misconduct: 'Abus d’un agent',
  fraud: 'Fraude',
  'data-correction': 'Correction de données',
  other: 'Autre',
};

/** Complaints about agents: only roles allowed to see them read them, so a complainant is not exposed. */
export const SENSITIVE_CATEGORIES: readonly GrievanceCategory[] = ['misconduct', 'fraud'];
export const isSensitive = (category: GrievanceCategory): boolean => SENSITIVE_CATEGORIES.includes(category);

export const GRIEVANCE_STATUSES = ['received', 'acknowledged', 'under-investigation', 'resolved', 'rejected', 'closed'] as const;
export type GrievanceStatus = (typeof GRIEVANCE_STATUSES)[number];

/** Statuses in which the program still owes the complainant an answer: the deadline runs, duplicates link here. */
export const OPEN_STATUSES: readonly GrievanceStatus[] = ['received', 'acknowledged', 'under-investigation'];
export const isOpen = (status: GrievanceStatus): boolean => OPEN_STATUSES.includes(status);

/** The three levels the program escalates through, shared with the beneficiary lists' validation. */
export { ESCALATION_LEVELS, type EscalationLevel };

export const GRIEVANCE_CHANNELS = ['console', 'api', 'csv'] as const;
export type GrievanceChannel = (typeof GRIEVANCE_CHANNELS)[number];

export interface GrievanceSettings {
  /** From filing (and again at each escalation): past it the case escalates one level. */
  deadlineSeconds: Record<GrievanceCategory, number>;
  /** After a decision: the complainant may contest it until then. */
  reopenSeconds: number;
}

const DAY = 86_400;
export const DEFAULT_GRIEVANCE_SETTINGS: GrievanceSettings = {
  deadlineSeconds: {
    'non-payment': 7 * DAY,
    'wrong-amount': 7 * DAY,
    exclusion: 30 * DAY,
    'inclusion-error': 30 * DAY,
    misconduct: 15 * DAY,
    fraud: 15 * DAY,
    'data-correction': 7 * DAY,
    other: 30 * DAY,
  },
  reopenSeconds: 30 * DAY,
};

export type CommuneArea = Extract<Area, { level: 'commune' }>;

/** A registered household, found by its RSU id, or a person not in the register (an exclusion complaint). */
export type Complainant =
  | { kind: 'household'; rsuId: string }
  | { kind: 'person'; name: string; phone: string };

export interface GrievanceCaseState {
  reference: string;
  category: GrievanceCategory;
  /** Where the complaint comes from: decides who acts on it and where it escalates from. */
  commune: CommuneArea;
  status: GrievanceStatus;
  level: EscalationLevel;
  /** Null while the clock is stopped: waiting on the complainant, or no answer owed. */
  deadline: string | null;
  /** What was left of the deadline when the case started waiting on the complainant. */
  pausedRemainingMs: number | null;
  /** Past the deadline at the national level: nothing above to escalate to. */
  lateAt: string | null;
  /** When it was resolved or rejected: the reopening period runs from then. */
  decidedAt: string | null;
  /** Told to the complainant: the resolution, or why the complaint is rejected. */
  answer: string | null;
  /** Closed and past the reopening period: the case takes no more actions and its workflow ends. */
  final: boolean;
  // Set at filing since the resolutions came in; a case filed before has none and cannot take them.
  /** The registered household complaining, when it is one. */
  rsuId?: string | null;
  /** The cycle the complaint is about, when it names one. */
  cycleId?: string | null;
  /** A non-payment or wrong amount answered with a payment of its own (a distinct tranche). */
  correctivePayment?: CorrectivePayment | null;
  /** A misconduct or fraud case handed to the audit role. */
  referredAt?: string | null;
  /** An exclusion complaint re-examined against the cycle's eligibility rules. */
  reExamination?: ReExamination | null;
  /** Register corrections applied through this case. */
  corrections?: number;
}

/**
 * proposed by the officer → released by a payment operator's approval (another person) → paid or
 * failed as the agency answers; failed before release when no agency or budget could take it.
 */
export const CORRECTIVE_PAYMENT_STATUSES = ['proposed', 'released', 'paid', 'failed'] as const;
export type CorrectivePaymentStatus = (typeof CORRECTIVE_PAYMENT_STATUSES)[number];

export interface CorrectivePayment {
  amountFcfa: number;
  reason: string;
  proposedBy: string;
  approvedBy: string | null;
  status: CorrectivePaymentStatus;
  /** The payment list of its own (one commune, its agency, the corrective tranche) and its ledger row. */
  listId: string | null;
  paymentId: number | null;
  tranche: number | null;
  /** Why it failed, in words for the officer. */
  problem: string | null;
}

/** Corrective payments take tranches from here on, so they never share the key of a cycle's own tranches. */
export const CORRECTIVE_TRANCHE_BASE = 100;
export const MAX_CORRECTIVE_FCFA = 1_000_000;

/** What the targeting page says of the household, kept on the case as the answer's ground. */
export interface ReExamination {
  cycleId: string;
  eligible: boolean;
  meetsCriteria: boolean;
  passesThreshold: boolean;
  criteriaMet: string[];
  welfareScore: number;
  /** The last run's outcome (selected, beyond-quota, no-criterion, above-threshold), null when not in it. */
  outcome: string | null;
  onFrozenList: boolean;
  /** In words, French first: what the complainant is told. */
  explanation: string;
}

/** The register fields a data correction may change. */
export const CORRECTABLE_FIELDS = ['phone', 'headName', 'nina', 'village'] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];
export type HouseholdCorrection = Partial<Record<CorrectableField, string>>;

export const GRIEVANCE_ACTION_KINDS = [
  'acknowledge',
  'investigate',
  'wait-on-complainant',
  'resume',
  'resolve',
  'reject',
  'close',
  'reopen',
  'correct-data',
  're-examine',
  'refer-to-audit',
  'propose-payment',
  'approve-payment',
] as const;
export type GrievanceActionKind = (typeof GRIEVANCE_ACTION_KINDS)[number];

export type GrievanceAction =
  | { kind: 'acknowledge'; comment?: string }
  | { kind: 'investigate'; comment?: string }
  | { kind: 'wait-on-complainant'; comment: string }
  | { kind: 'resume'; comment?: string }
  | { kind: 'resolve'; answer: string }
  | { kind: 'reject'; answer: string }
  | { kind: 'close'; comment?: string }
  | { kind: 'reopen'; comment: string }
  /** The household's register record changed; a new phone reaches its payments not yet paid. */
  | { kind: 'correct-data'; changes: HouseholdCorrection; comment?: string }
  /** The finding is computed by the API from the targeting explanation, then kept in the history. */
  | { kind: 're-examine'; finding: ReExamination }
  | { kind: 'refer-to-audit'; comment: string }
  | { kind: 'propose-payment'; amountFcfa: number; reason: string }
  /** A payment operator, not the proposer: releases the corrective payment. */
  | { kind: 'approve-payment'; comment?: string };

/** The resolutions that act, and the categories each answers. */
export const RESOLUTION_CATEGORIES: Record<'correct-data' | 're-examine' | 'refer-to-audit' | 'propose-payment' | 'approve-payment', readonly GrievanceCategory[]> = {
  'correct-data': ['data-correction'],
  're-examine': ['exclusion', 'inclusion-error'],
  'refer-to-audit': ['misconduct', 'fraud'],
  'propose-payment': ['non-payment', 'wrong-amount'],
  'approve-payment': ['non-payment', 'wrong-amount'],
};

export const GRIEVANCE_RULES = [
  'not-permitted',
  'wrong-status',
  'waiting-on-complainant',
  'not-waiting',
  'comment-required',
  'answer-required',
  'reopen-period-over',
  'category-invalid',
  'complainant-invalid',
  'commune-invalid',
  'reference-invalid',
  'category-mismatch',
  'household-required',
  'cycle-required',
  'amount-invalid',
  'payment-pending',
  'no-proposal',
  'four-eyes',
  'changes-required',
  'already-referred',
] as const;
export type GrievanceRule = (typeof GRIEVANCE_RULES)[number];

export interface GrievanceRefusal {
  rule: GrievanceRule;
  message: string;
}

const refusal = (rule: GrievanceRule, message: string): GrievanceRefusal => ({ rule, message });
const iso = (ms: number) => new Date(ms).toISOString();

/** A complaint's reference as the complainant quotes it: `PL-2021-000123`, from a database sequence. */
export function grievanceReference(year: number, sequence: number): string {
  return `PL-${year}-${String(sequence).padStart(6, '0')}`;
}

const REFERENCE = /^PL-(\d{4})-(\d{6,})$/;

export function parseGrievanceReference(value: string): { year: number; sequence: number } | null {
  const match = REFERENCE.exec(value.trim().toUpperCase());
  return match ? { year: Number(match[1]), sequence: Number(match[2]) } : null;
}

/** The case as it is filed: received, its deadline running at the commune level. */
export function openGrievance(
  input: Pick<GrievanceCaseState, 'reference' | 'category' | 'commune'> & { rsuId?: string | null; cycleId?: string | null },
  settings: GrievanceSettings,
  nowMs: number,
): GrievanceCaseState {
  return {
    ...input,
    rsuId: input.rsuId ?? null,
    cycleId: input.cycleId ?? null,
    correctivePayment: null,
    referredAt: null,
    reExamination: null,
    corrections: 0,
    status: 'received',
    level: 'commune',
    deadline: iso(nowMs + settings.deadlineSeconds[input.category] * 1000),
    pausedRemainingMs: null,
    lateAt: null,
    decidedAt: null,
    answer: null,
    final: false,
  };
}

/** What filing needs before anything is written: a known category, a complainant who can be found or called back. */
export function whyCannotFile(input: { category: string; complainant: Complainant; commune: { region: string; commune: string } }): GrievanceRefusal | null {
  if (!(GRIEVANCE_CATEGORIES as readonly string[]).includes(input.category)) return refusal('category-invalid', `Unknown category: choose one of ${GRIEVANCE_CATEGORIES.join(', ')}.`);
  const c = input.complainant;
  if (c.kind === 'household' && !c.rsuId.trim()) return refusal('complainant-invalid', 'Name the household by its RSU id.');
  if (c.kind === 'person' && (!c.name.trim() || !c.phone.trim())) return refusal('complainant-invalid', 'A complainant not in the register gives a name and a phone number to be answered on.');
  if (!input.commune.region.trim() || !input.commune.commune.trim()) return refusal('commune-invalid', 'Name the commune the complaint comes from.');
  return null;
}

/** Two complaints of one household about the same thing are one case: the second links to the first while it is open. */
export function duplicateKey(category: GrievanceCategory, complainant: Complainant): string | null {
  return complainant.kind === 'household' ? `${complainant.rsuId}:${category}` : null;
}

/** Reading a case: its area, and for misconduct or fraud a role allowed to see sensitive cases. */
export function whyCannotSee(principal: Principal, c: Pick<GrievanceCaseState, 'category' | 'commune'>): GrievanceRefusal | null {
  const action: Action = isSensitive(c.category) ? 'grievance.read-sensitive' : 'grievance.read';
  const decision = authorize(principal, action, c.commune);
  return decision.allowed ? null : refusal('not-permitted', decision.message);
}

export function whyCannotFileAs(principal: Principal, commune: CommuneArea): GrievanceRefusal | null {
  const decision = authorize(principal, 'grievance.file', commune);
  return decision.allowed ? null : refusal('not-permitted', decision.message);
}

const DECIDED: readonly GrievanceStatus[] = ['resolved', 'rejected'];
const FROM: Record<Exclude<GrievanceActionKind, 'wait-on-complainant' | 'resume' | 'reopen' | keyof typeof RESOLUTION_CATEGORIES>, readonly GrievanceStatus[]> = {
  acknowledge: ['received'],
  investigate: ['acknowledged'],
  resolve: ['under-investigation'],
  reject: ['acknowledged', 'under-investigation'],
  close: DECIDED,
};

/**
 * Why this person may not take this action on the case now, or null. The same function serves the
 * API (an early 409) and the workflow's Update validator, so the message is the same in both.
 */
export function whyCannotAct(state: GrievanceCaseState, action: GrievanceAction, principal: Principal, settings: GrievanceSettings, nowMs: number): GrievanceRefusal | null {
  if (action.kind === 'approve-payment') return whyCannotApprovePayment(state, principal);
  const decision = authorize(principal, 'grievance.act', state.commune);
  if (!decision.allowed) return refusal('not-permitted', decision.message);
  const hidden = whyCannotSee(principal, state);
  if (hidden) return hidden;
  const waiting = state.pausedRemainingMs !== null;
  switch (action.kind) {
    case 'wait-on-complainant':
      if (!isOpen(state.status)) return refusal('wrong-status', `A ${state.status} case does not wait on the complainant.`);
      if (waiting) return refusal('waiting-on-complainant', 'The case already waits on the complainant.');
      return action.comment.trim() ? null : refusal('comment-required', 'Say what the complainant is asked for.');
    case 'resume':
      return waiting ? null : refusal('not-waiting', 'The case is not waiting on the complainant.');
    case 'reopen': {
      if (state.final) return refusal('reopen-period-over', 'The period to contest this decision is over.');
      if (!DECIDED.includes(state.status) && state.status !== 'closed') return refusal('wrong-status', `A ${state.status} case is still open.`);
      if (state.decidedAt && Date.parse(state.decidedAt) + settings.reopenSeconds * 1000 < nowMs) return refusal('reopen-period-over', 'The period to contest this decision is over.');
      return action.comment.trim() ? null : refusal('comment-required', 'Say why the case is reopened.');
    }
    case 'correct-data':
    case 're-examine':
    case 'refer-to-audit':
    case 'propose-payment':
      return whyCannotResolveWith(state, action, waiting);
    default: {
      if (action.kind === 'resolve' && paymentUnsettled(state)) return refusal('payment-pending', 'The corrective payment is not settled yet: resolve the case once it is paid or has failed.');
      if (!FROM[action.kind].includes(state.status)) return refusal('wrong-status', `A ${state.status} case cannot be ${action.kind}d.`);
      if (waiting && action.kind !== 'reject') return refusal('waiting-on-complainant', 'The case waits on the complainant: resume it first.');
      if ((action.kind === 'resolve' || action.kind === 'reject') && !action.answer.trim()) return refusal('answer-required', 'Write the answer the complainant will be given.');
      return null;
    }
  }
}

const PHONE_E164 = /^\+[1-9][0-9]{7,14}$/;
const paymentUnsettled = (state: GrievanceCaseState) => state.correctivePayment?.status === 'proposed' || state.correctivePayment?.status === 'released';

type Resolution = Extract<GrievanceAction, { kind: 'correct-data' | 're-examine' | 'refer-to-audit' | 'propose-payment' }>;

/** A resolution that acts: on a case under investigation, of a category it answers, with what it needs. */
function whyCannotResolveWith(state: GrievanceCaseState, action: Resolution, waiting: boolean): GrievanceRefusal | null {
  if (!RESOLUTION_CATEGORIES[action.kind].includes(state.category)) {
    return refusal('category-mismatch', `A ${state.category} case cannot take ${action.kind}: it answers ${RESOLUTION_CATEGORIES[action.kind].join(', ')}.`);
  }
  if (state.status !== 'under-investigation') return refusal('wrong-status', `A ${state.status} case takes no resolution: investigate it first.`);
  if (waiting) return refusal('waiting-on-complainant', 'The case waits on the complainant: resume it first.');
  const household = Boolean(state.rsuId);
  switch (action.kind) {
    case 'correct-data': {
      if (!household) return refusal('household-required', 'Only a registered household’s record can be corrected.');
      const fields = Object.entries(action.changes ?? {}).filter(([field]) => (CORRECTABLE_FIELDS as readonly string[]).includes(field));
      if (fields.length === 0 || fields.length !== Object.keys(action.changes ?? {}).length || fields.some(([, v]) => typeof v !== 'string' || !v.trim())) {
        return refusal('changes-required', `Give the new value of at least one of ${CORRECTABLE_FIELDS.join(', ')}.`);
      }
      if (action.changes.phone !== undefined && !PHONE_E164.test(action.changes.phone)) return refusal('changes-required', 'The new phone number must be in international form (+223…).');
      return null;
    }
    case 're-examine':
      if (!household) return refusal('household-required', 'A person not in the register cannot be re-examined: register the household first.');
      return action.finding?.cycleId ? null : refusal('cycle-required', 'Name the cycle whose eligibility rules the household is re-examined against.');
    case 'refer-to-audit':
      if (state.referredAt) return refusal('already-referred', 'The case is already referred to the audit role.');
      return action.comment.trim() ? null : refusal('comment-required', 'Say what the auditors are asked to look at.');
    case 'propose-payment':
      if (!household) return refusal('household-required', 'A corrective payment goes to a registered household.');
      if (!state.cycleId) return refusal('cycle-required', 'A corrective payment belongs to the cycle the complaint is about: the case names none.');
      if (state.correctivePayment && !(state.correctivePayment.status === 'failed' && state.correctivePayment.paymentId === null)) {
        return refusal('payment-pending', 'The case already has a corrective payment.');
      }
      if (!isFcfa(action.amountFcfa) || action.amountFcfa <= 0 || action.amountFcfa > MAX_CORRECTIVE_FCFA) return refusal('amount-invalid', `The amount is a whole number of FCFA from 1 to ${MAX_CORRECTIVE_FCFA}.`);
      return action.reason.trim() ? null : refusal('comment-required', 'Say why this amount is owed.');
  }
}

/** Four eyes on money: a payment operator of the case's area, not the person who proposed it. */
export function whyCannotApprovePayment(state: GrievanceCaseState, principal: Principal): GrievanceRefusal | null {
  const decision = authorize(principal, 'payments.approve', state.commune);
  if (!decision.allowed) return refusal('not-permitted', decision.message);
  const proposal = state.correctivePayment;
  if (!proposal || proposal.status !== 'proposed') return refusal('no-proposal', 'No corrective payment waits for approval on this case.');
  if (state.status !== 'under-investigation') return refusal('wrong-status', `A ${state.status} case releases no payment.`);
  const fourEyes = whyNotFourEyes(proposal.proposedBy, principal.username);
  return fourEyes ? refusal('four-eyes', fourEyes) : null;
}

/** Applies an action whyCannotAct let through; `actor` is who takes it (the proposer of a payment). */
export function applyAction(state: GrievanceCaseState, action: GrievanceAction, settings: GrievanceSettings, nowMs: number, actor = ''): void {
  const stopClock = () => Object.assign(state, { deadline: null, pausedRemainingMs: null });
  switch (action.kind) {
    case 'acknowledge':
      state.status = 'acknowledged';
      break;
    case 'investigate':
      state.status = 'under-investigation';
      break;
    case 'wait-on-complainant':
      // The clock stops with what was left; a case already late at the national level keeps nothing.
      state.pausedRemainingMs = state.deadline ? Math.max(0, Date.parse(state.deadline) - nowMs) : 0;
      state.deadline = null;
      break;
    case 'resume':
      state.deadline = state.lateAt ? null : iso(nowMs + (state.pausedRemainingMs ?? 0));
      state.pausedRemainingMs = null;
      break;
    case 'resolve':
    case 'reject':
      Object.assign(state, { status: action.kind === 'resolve' ? 'resolved' : 'rejected', decidedAt: iso(nowMs), answer: action.answer.trim() });
      stopClock();
      break;
    case 'close':
      state.status = 'closed';
      break;
    case 'reopen':
      // An appeal is investigated again against a fresh deadline, at the level the case had reached.
      Object.assign(state, { status: 'under-investigation', decidedAt: null, answer: null, lateAt: null, pausedRemainingMs: null, deadline: iso(nowMs + settings.deadlineSeconds[state.category] * 1000) });
      break;
    // The effects themselves (register, ledger, audit) are written by the workflow's activity.
    case 'correct-data':
      state.corrections = (state.corrections ?? 0) + 1;
      break;
    case 're-examine':
      state.reExamination = action.finding;
      break;
    case 'refer-to-audit':
      state.referredAt = iso(nowMs);
      break;
    case 'propose-payment':
      state.correctivePayment = { amountFcfa: action.amountFcfa, reason: action.reason.trim(), proposedBy: actor, approvedBy: null, status: 'proposed', listId: null, paymentId: null, tranche: null, problem: null };
      break;
    case 'approve-payment':
      if (state.correctivePayment) Object.assign(state.correctivePayment, { status: 'released', approvedBy: actor });
      break;
  }
}

export type GrievanceTimerKind = 'escalated' | 'late' | 'reopen-period-over';

/** The next moment the case's own clock acts, or null while it is stopped or the case is final. */
export function nextTimer(state: GrievanceCaseState, settings: GrievanceSettings): { atMs: number; kind: GrievanceTimerKind } | null {
  if (state.final) return null;
  if (state.decidedAt) return { atMs: Date.parse(state.decidedAt) + settings.reopenSeconds * 1000, kind: 'reopen-period-over' };
  if (!isOpen(state.status) || !state.deadline) return null;
  return { atMs: Date.parse(state.deadline), kind: state.level === 'national' ? 'late' : 'escalated' };
}

/**
 * Fires the timer that is due: one level up with a fresh deadline, late at the top, or, once the
 * decision can no longer be contested, the case closed for good. Null when nothing was due.
 */
export function applyTimer(state: GrievanceCaseState, settings: GrievanceSettings, nowMs: number): GrievanceTimerKind | null {
  const timer = nextTimer(state, settings);
  if (!timer || timer.atMs > nowMs) return null;
  if (timer.kind === 'reopen-period-over') Object.assign(state, { status: 'closed', final: true });
  else if (timer.kind === 'late') Object.assign(state, { lateAt: iso(nowMs), deadline: null });
  else {
    state.level = nextEscalation(state.level);
    state.deadline = iso(nowMs + settings.deadlineSeconds[state.category] * 1000);
  }
  return timer.kind;
}

/** The area an escalated case is alerted to: its commune, then its region, then the coordination unit. */
export function escalationArea(state: Pick<GrievanceCaseState, 'level' | 'commune'>): Area {
  if (state.level === 'commune') return state.commune;
  if (state.level === 'region') return { level: 'region', region: state.commune.region };
  return { level: 'national' };
}

/** Late for the list's filter: escalated at least once, or past the deadline at the national level. */
export const isLate = (state: Pick<GrievanceCaseState, 'status' | 'level' | 'lateAt'>): boolean =>
  isOpen(state.status) && (state.level !== 'commune' || state.lateAt !== null);

/** The re-examination's answer to the complainant, in French, from the targeting page's explanation. */
export function reExaminationText(f: Omit<ReExamination, 'explanation'>): string {
  const score = Math.round(f.welfareScore * 10) / 10;
  if (!f.meetsCriteria) return `Réexamen : le ménage ne remplit pas les critères retenus pour ce cycle (score de bien-être ${score}). L’exclusion est confirmée.`;
  if (!f.passesThreshold) return `Réexamen : le ménage remplit ${f.criteriaMet.length} critère(s), mais son score de bien-être (${score}) dépasse le seuil du cycle. L’exclusion est confirmée.`;
  if (f.onFrozenList) return 'Réexamen : le ménage est éligible et figure sur la liste des bénéficiaires du cycle.';
  if (f.outcome === 'beyond-quota') return `Réexamen : le ménage est éligible (score ${score}), mais au-delà du quota de son village. Il pourra être ajouté par la validation communautaire.`;
  if (f.outcome === null) return `Réexamen : le ménage est éligible selon les règles du cycle (score ${score}) mais n’était pas dans le dernier calcul ; il sera pris en compte au prochain.`;
  return `Réexamen : le ménage est éligible selon les règles du cycle (score ${score}) et a été retenu, mais ne figure pas sur la liste gelée.`;
}
