import type { AuditFilters } from '$lib/api/types';

/** The filter form as the URL carries it: dates are calendar days, shareable and kept by Back. */
export interface AuditForm {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  from: string;
  to: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function auditFormOf(params: URLSearchParams): AuditForm {
  const text = (name: keyof AuditForm) => params.get(name)?.trim() ?? '';
  const day = (name: 'from' | 'to') => (DAY.test(text(name)) ? text(name) : '');
  return { actor: text('actor'), action: text('action'), targetType: text('targetType'), targetId: text('targetId'), from: day('from'), to: day('to') };
}

/** What the API filters on: whole days in UTC, the console's time zone, both ends included. */
export function auditFiltersOf(form: AuditForm): AuditFilters {
  return {
    ...(form.actor ? { actor: form.actor } : {}),
    ...(form.action ? { action: form.action } : {}),
    ...(form.targetType ? { targetType: form.targetType } : {}),
    ...(form.targetId ? { targetId: form.targetId } : {}),
    ...(form.from ? { from: `${form.from}T00:00:00.000Z` } : {}),
    ...(form.to ? { to: `${form.to}T23:59:59.999Z` } : {}),
  };
}

export function isFiltered(form: AuditForm): boolean {
  return Object.values(form).some((value) => value !== '');
}
