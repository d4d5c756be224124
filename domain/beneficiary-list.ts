// Community validation of the beneficiary list: each commune's list goes to its focal point, who records
// the village assembly and the commune committee's decision and approves the list or returns it with
// households to add or remove. A returned list's changes need a second person's approval (four eyes).
import { whyNotFourEyes } from './policy';
import type { Principal } from './roles';

export const LIST_STATUSES = [
  /** The region's workshop report is not recorded yet: the list is held back (unless the cycle waives it). */
  'waiting-training',
  /** With the focal point, who approves it or returns it with changes. */
  'awaiting-decision',
  /** Returned with changes that another person must approve before the list goes back to the focal point. */
  'change-proposed',
  'approved',
] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

/** Who the list now waits on: the commune, then its region, then the coordination unit. */
export const ESCALATION_LEVELS = ['commune', 'region', 'national'] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

export const LIST_CHANGE_ACTIONS = ['remove', 'add'] as const;
export type ListChangeAction = (typeof LIST_CHANGE_ACTIONS)[number];

export interface ListChange {
  rsuId: string;
  action: ListChangeAction;
  reason: string;
}

/** What the village assembly and the commune committee did, as the focal point records it. */
export interface CommunityMeetings {
  /** ISO date of the village assembly that applied the criteria. */
  assemblyOn: string;
  assemblyAttendees: number;
  /** ISO date of the commune committee meeting that decided on the list. */
  committeeOn: string;
  comment?: string;
}

export interface ProposedChange {
  changes: ListChange[];
  preparedBy: string;
  preparedByName: string;
  preparedAt: string;
}

export interface CommuneListState {
  commune: string;
  region: string;
  status: ListStatus;
  escalation: EscalationLevel;
  /** When the list escalates further if nobody decides; null when nothing waits on a person. */
  deadline: string | null;
  /** 1 for the list as targeting made it, +1 each time approved changes send it back. */
  round: number;
  proposal: ProposedChange | null;
}

export const LIST_RULES = [
  'list-unknown',
  'list-waiting-training',
  'list-not-awaiting-decision',
  'list-no-change-proposed',
  'list-already-approved',
  'list-changes-empty',
  'list-changes-repeated',
  'lists-already-sent',
  'lists-not-sent',
  'no-selection',
  'eligibility-running',
  'four-eyes',
] as const;
export type ListRule = (typeof LIST_RULES)[number];

export interface ListRefusal {
  rule: ListRule;
  message: string;
  commune?: string;
}

export function whyCannotDecide(list: CommuneListState | undefined, commune: string): ListRefusal | null {
  if (!list) return { rule: 'list-unknown', message: `Commune ${commune} has no list in this cycle.`, commune };
  if (list.status === 'waiting-training') {
    return { rule: 'list-waiting-training', message: `The list of ${commune} waits for its region's workshop report.`, commune };
  }
  if (list.status === 'approved') return { rule: 'list-already-approved', message: `The list of ${commune} is already approved.`, commune };
  if (list.status !== 'awaiting-decision') {
    return { rule: 'list-not-awaiting-decision', message: `The list of ${commune} has changes waiting for approval.`, commune };
  }
  return null;
}

/** A return must name households, each once, each with a reason. */
export function whyChangesInvalid(changes: readonly ListChange[], commune: string): ListRefusal | null {
  if (changes.length === 0) return { rule: 'list-changes-empty', message: 'A returned list names at least one household to add or remove.', commune };
  const seen = new Set<string>();
  for (const change of changes) {
    if (seen.has(change.rsuId)) return { rule: 'list-changes-repeated', message: `Household ${change.rsuId} appears twice in the changes.`, commune };
    seen.add(change.rsuId);
  }
  return null;
}

/** Four eyes: the changes are approved or rejected by someone other than who prepared them. */
export function whyCannotReviewChange(list: CommuneListState | undefined, commune: string, reviewer: Principal): ListRefusal | null {
  if (!list) return { rule: 'list-unknown', message: `Commune ${commune} has no list in this cycle.`, commune };
  if (list.status !== 'change-proposed' || !list.proposal) {
    return { rule: 'list-no-change-proposed', message: `The list of ${commune} has no changes waiting for approval.`, commune };
  }
  const fourEyes = whyNotFourEyes(list.proposal.preparedBy, reviewer.id);
  return fourEyes ? { rule: 'four-eyes', message: fourEyes, commune } : null;
}

/** The list's deadline once it lands with someone at this escalation level. */
export function deadlineAfter(nowMs: number, escalation: EscalationLevel, settings: { validationDeadlineSeconds: number; escalationDeadlineSeconds: number }): string | null {
  if (escalation === 'national') return null;
  const seconds = escalation === 'commune' ? settings.validationDeadlineSeconds : settings.escalationDeadlineSeconds;
  return new Date(nowMs + seconds * 1000).toISOString();
}

export function nextEscalation(level: EscalationLevel): EscalationLevel {
  return level === 'commune' ? 'region' : 'national';
}

/** Lists still pending when targeting closes: named in the closing record. */
export function pendingCommunes(lists: Iterable<CommuneListState>): string[] {
  return [...lists].filter((l) => l.status !== 'approved').map((l) => l.commune).sort();
}
