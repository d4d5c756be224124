import type { ProcurementInboxFilter } from '$lib/api/types';

/** The inbox's tabs, in the order an officer works through them. */
export const FILTERS: readonly ProcurementInboxFilter[] = ['mine', 'second-signature', 'late', 'all'];
