import type { Household } from '$lib/api/types';
import type { Messages } from '$lib/i18n/fr';
import type { MergeableField } from '../../../../../domain/duplicates';

/** A household's field as a reviewer reads it: yes/no, the sex spelled out, a dash for nothing. */
export function fieldText(h: Household, field: MergeableField, m: Messages['duplicates']): string {
  const value = h[field];
  if (value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? m.yes : m.no;
  if (field === 'sex') return m.sexes[h.sex];
  return String(value);
}
