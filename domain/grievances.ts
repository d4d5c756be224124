// Grievances: every complaint a durable case with a reference the complainant quotes, a deadline per
// category that escalates commune → region → national when it passes, and a decision the complainant
// may contest within a period. Pure state machine: the workflow, the API and the console apply these rules.
import { ESCALATION_LEVELS, nextEscalation, type EscalationLevel } from './beneficiary-list';
import { authorize, type Action } from './policy';
import type { Area, Principal } from './roles';

export const GRIEVANCE_CATEGORIES = ['non-payment', 'wrong-amount', 'exclusion', 'inclusion-error', 'misconduct', 'fraud', 'data-correction', 'other'] as const;
export type GrievanceCategory = (typeof GRIEVANCE_CATEGORIES)[number];

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
}

export const GRIEVANCE_ACTION_KINDS = ['acknowledge', 'investigate', 'wait-on-complainant', 'resume', 'resolve', 'reject', 'close', 'reopen'] as const;
export type GrievanceActionKind = (typeof GRIEVANCE_ACTION_KINDS)[number];

export type GrievanceAction =
  | { kind: 'acknowledge'; comment?: string }
  | { kind: 'investigate'; comment?: string }
  | { kind: 'wait-on-complainant'; comment: string }
  | { kind: 'resume'; comment?: string }
  | { kind: 'resolve'; answer: string }
  | { kind: 'reject'; answer: string }
  | { kind: 'close'; comment?: string }
  | { kind: 'reopen'; comment: string };

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
export function openGrievance(input: Pick<GrievanceCaseState, 'reference' | 'category' | 'commune'>, settings: GrievanceSettings, nowMs: number): GrievanceCaseState {
  return {
    ...input,
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
const FROM: Record<Exclude<GrievanceActionKind, 'wait-on-complainant' | 'resume' | 'reopen'>, readonly GrievanceStatus[]> = {
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
    default: {
      if (!FROM[action.kind].includes(state.status)) return refusal('wrong-status', `A ${state.status} case cannot be ${action.kind}d.`);
      if (waiting && action.kind !== 'reject') return refusal('waiting-on-complainant', 'The case waits on the complainant: resume it first.');
      if ((action.kind === 'resolve' || action.kind === 'reject') && !action.answer.trim()) return refusal('answer-required', 'Write the answer the complainant will be given.');
      return null;
    }
  }
}

/** Applies an action whyCannotAct let through. */
export function applyAction(state: GrievanceCaseState, action: GrievanceAction, settings: GrievanceSettings, nowMs: number): void {
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
