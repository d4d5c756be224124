import type { DuplicateStatus } from '$lib/api/types';
import { DUPLICATE_STATUSES } from '../../../../../domain/duplicates';

export const PAGE_SIZE = 50;

/** The queue as the URL carries it: a status (open unless "all" or another is asked for) and a page start. */
export interface QueueView {
  status: DuplicateStatus | null;
  offset: number;
}

export function queueViewOf(params: URLSearchParams): QueueView {
  const status = params.get('status');
  const offset = Number(params.get('offset'));
  return {
    status: status === 'all' ? null : (DUPLICATE_STATUSES as readonly string[]).includes(status ?? '') ? (status as DuplicateStatus) : 'open',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

/** The query string of a view, for links that keep it shareable and kept by Back. */
export function queueSearch(view: QueueView): string {
  const params = new URLSearchParams({ status: view.status ?? 'all' });
  if (view.offset > 0) params.set('offset', String(view.offset));
  return `?${params}`;
}
