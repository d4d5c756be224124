// Who uses the console (DOMAIN.md) and over which part of the country they act.

export const ROLES = [
  'coordinator',
  'me-officer',
  'procurement-officer',
  'payment-operator',
  'grievance-officer',
  'focal-point',
  'auditor',
  'admin',
  /** A funder's system (World Bank, AFD…): reads aggregate figures through the partner API, never people. */
  'partner',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles that approve or move money, and administrators: they sign in with a second factor. */
export const SECOND_FACTOR_ROLES: readonly Role[] = ['coordinator', 'procurement-officer', 'payment-operator', 'admin'];

/** National, one region, or one commune of a region. Region and commune are codes from the geography. */
export type Area =
  | { level: 'national' }
  | { level: 'region'; region: string }
  | { level: 'commune'; region: string; commune: string };

export const NATIONAL: Area = { level: 'national' };

/** True when everything in `inner` lies inside `outer`. */
export function areaContains(outer: Area, inner: Area): boolean {
  if (outer.level === 'national') return true;
  if (inner.level === 'national') return false;
  if (outer.region !== inner.region) return false;
  if (outer.level === 'region') return true;
  return inner.level === 'commune' && inner.commune === outer.commune;
}

export function describeArea(area: Area): string {
  if (area.level === 'national') return 'national';
  return area.level === 'region' ? `region ${area.region}` : `commune ${area.commune} (${area.region})`;
}

/** The person (or integration) behind a request, as every permission check sees it. */
export interface Principal {
  kind: 'user' | 'service';
  id: string;
  username: string;
  roles: Role[];
  area: Area;
}

export function needsSecondFactor(roles: readonly Role[]): boolean {
  return roles.some((role) => SECOND_FACTOR_ROLES.includes(role));
}

/** Who acts and from where: carried into workflows for their checks and into the audit trail. */
export interface ActorContext {
  principal: Principal;
  ip: string | null;
  requestId: string | null;
}
