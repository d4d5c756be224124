// The one place that decides who may do what where: used by the API, Socket.IO room joins and
// workflow Update validators, so no rule is written twice.
import { areaContains, describeArea, NATIONAL, type Area, type Principal, type Role } from './roles';

export const ACTIONS = [
  'cycle.read',
  'cycle.create',
  'cycle.advance',
  'cycle.pause',
  'cycle.cancel',
  'audit.read',
  'audit.export',
  'user.read',
  'user.manage',
  'session.manage',
  'token.manage',
  'personal-data.reveal',
  'register.read',
  'register.import',
  'list.read',
  'list.send',
  'list.decide',
  'list.change.review',
  'list.close',
  'workshop.manage',
  'duplicate.read',
  'duplicate.review',
  'targeting.read',
  'targeting.configure',
  'procurement.read',
  'procurement.prepare',
  'procurement.approve',
  'procurement.manage',
  'procurement.template.manage',
  'payments.read',
  'payments.approve',
  'payments.authorize',
  'payments.release-funds',
  'payments.act',
  'grievance.file',
  'grievance.read',
  'grievance.read-sensitive',
  'grievance.act',
  'overview.read',
  'awpb.manage',
  'partner.read',
] as const;
export type Action = (typeof ACTIONS)[number];

const EVERY_ROLE: readonly Role[] = [
  'coordinator',
  'me-officer',
  'procurement-officer',
  'payment-operator',
  'grievance-officer',
  'focal-point',
  'auditor',
  'admin',
];

/** Which roles hold each action. Auditors read everything and change nothing. */
export const GRANTS: Record<Action, readonly Role[]> = {
  'cycle.read': EVERY_ROLE,
  'cycle.create': ['coordinator'],
  'cycle.advance': ['coordinator'],
  'cycle.pause': ['coordinator'],
  'cycle.cancel': ['coordinator'],
  'audit.read': ['auditor', 'admin', 'coordinator'],
  'audit.export': ['auditor'],
  'user.read': ['admin', 'auditor'],
  'user.manage': ['admin'],
  'session.manage': ['admin'],
  'token.manage': ['admin'],
  'personal-data.reveal': ['grievance-officer', 'payment-operator', 'focal-point'],
  'register.read': ['coordinator', 'me-officer', 'payment-operator', 'grievance-officer', 'focal-point', 'auditor'],
  'register.import': ['me-officer', 'coordinator'],
  'list.read': EVERY_ROLE,
  'list.send': ['coordinator', 'me-officer'],
  // The commune's focal point decides; its region's, and the coordinator once a list escalates.
  'list.decide': ['focal-point', 'coordinator'],
  'list.change.review': ['me-officer', 'coordinator', 'focal-point'],
  'list.close': ['coordinator'],
  // Regional focal points plan and report their own region's workshop; the area is checked per region.
  'workshop.manage': ['coordinator', 'me-officer', 'focal-point'],
  'duplicate.read': ['me-officer', 'coordinator', 'focal-point', 'auditor'],
  // A focal point reviews the pairs of their own area only (both households in it).
  'duplicate.review': ['me-officer', 'coordinator', 'focal-point'],
  'targeting.read': ['coordinator', 'me-officer', 'payment-operator', 'grievance-officer', 'focal-point', 'auditor'],
  /** Rules, hand-set quotas and runs: they shape the whole country's quotas. */
  'targeting.configure': ['coordinator', 'me-officer'],
  'procurement.read': EVERY_ROLE,
  // An officer opens cases, prepares steps and records the funder's answers; a second officer approves.
  'procurement.prepare': ['procurement-officer'],
  'procurement.approve': ['procurement-officer'],
  // The coordinator cancels a case or restarts it from a step, with a reason.
  'procurement.manage': ['coordinator'],
  'procurement.template.manage': ['admin'],
  // Who follows payments: operators act on them, the coordination unit watches, auditors read.
  'payments.read': ['payment-operator', 'coordinator', 'me-officer', 'grievance-officer', 'focal-point', 'auditor'],
  // Release controls: distinct people per stage (domain/payment-release.ts). There is no finance role
  // yet, so the coordinator both authorises and releases funds, never twice on the same list.
  'payments.approve': ['payment-operator'],
  'payments.authorize': ['coordinator'],
  'payments.release-funds': ['coordinator'],
  // Retry, re-route or cancel failed payments; a bulk action takes a second operator (domain/payment-actions.ts).
  // Also resolving what reconciliation found, and gathering a list's failed payments into a follow-up list.
  'payments.act': ['payment-operator'],
  // A hotline's service token files with one of these roles; domain/grievances.ts keeps tokens to filing.
  'grievance.file': ['grievance-officer', 'focal-point'],
  'grievance.read': ['grievance-officer', 'focal-point', 'coordinator', 'auditor'],
  // Misconduct and fraud: focal points work beside the agents complained about, so they do not read these.
  'grievance.read-sensitive': ['grievance-officer', 'auditor'],
  'grievance.act': ['grievance-officer'],
  // The overview and the steering committee's report: aggregates, scoped to the reader's area.
  'overview.read': EVERY_ROLE.filter((role) => role !== 'admin'),
  // The AWPB's forecasts and recorded expenses: the coordination unit (RAF has no role yet).
  'awpb.manage': ['coordinator', 'me-officer'],
  // Funders' systems pull aggregate figures only; the coordination unit and auditors may check what they see.
  'partner.read': ['partner', 'coordinator', 'me-officer', 'auditor'],
};

/** Actions whose target is the whole program: only a national user may take them. */
const NATIONAL_ACTIONS: readonly Action[] = [
  'cycle.create',
  'cycle.advance',
  'cycle.pause',
  'cycle.cancel',
  'list.send',
  'list.close',
  'targeting.configure',
  'procurement.template.manage',
  'awpb.manage',
];

/** Complaints carry complainants' personal data: a hotline's service token files them and reads or handles none. */
const PEOPLE_ONLY_ACTIONS: readonly Action[] = ['grievance.read', 'grievance.read-sensitive', 'grievance.act'];

export type Decision =
  | { allowed: true }
  | { allowed: false; status: 401 | 403; code: 'unauthenticated' | 'forbidden'; message: string };

const ALLOWED: Decision = { allowed: true };

/**
 * May this principal take this action, on something in `area` when the thing has a place?
 * Program-wide actions (a cycle's course) always target the whole country.
 */
export function authorize(principal: Principal | null, action: Action, area?: Area): Decision {
  if (!principal) return { allowed: false, status: 401, code: 'unauthenticated', message: 'Sign in to continue.' };
  if (!principal.roles.some((role) => GRANTS[action].includes(role))) {
    return { allowed: false, status: 403, code: 'forbidden', message: `Your role does not allow ${action}.` };
  }
  if (principal.kind === 'service' && PEOPLE_ONLY_ACTIONS.includes(action)) {
    return { allowed: false, status: 403, code: 'forbidden', message: `A service token may not take ${action}: it files complaints only.` };
  }
  const target = NATIONAL_ACTIONS.includes(action) ? NATIONAL : area;
  if (target && !areaContains(principal.area, target)) {
    return { allowed: false, status: 403, code: 'forbidden', message: `${action} on ${describeArea(target)} is outside your area (${describeArea(principal.area)}).` };
  }
  return ALLOWED;
}

export function can(principal: Principal | null, action: Action, area?: Area): boolean {
  return authorize(principal, action, area).allowed;
}

/** Four eyes: whoever prepared something cannot be the one who approves it. */
export function whyNotFourEyes(preparedBy: string, approvedBy: string): string | null {
  return preparedBy === approvedBy ? 'You prepared this yourself: another authorised person must approve it.' : null;
}
