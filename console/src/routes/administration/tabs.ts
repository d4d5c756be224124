import type { Action } from '../../../../domain/policy';

/** The sections of the administration, each shown to those the API lets use it. */
export const ADMIN_TABS = [
  { key: 'users', path: '/administration/utilisateurs', permission: 'user.read' },
  { key: 'sessions', path: '/administration/sessions', permission: 'session.manage' },
  { key: 'tokens', path: '/administration/jetons', permission: 'token.manage' },
] as const satisfies readonly { key: string; path: string; permission: Action }[];

export type AdminTab = (typeof ADMIN_TABS)[number];

export function tabsAllowed(permissions: readonly Action[]): AdminTab[] {
  return ADMIN_TABS.filter((tab) => permissions.includes(tab.permission));
}
