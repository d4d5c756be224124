import { createApi, failLoad } from '$lib/api/client';
import type { GrievanceFilters } from '$lib/api/types';
import { GRIEVANCE_CATEGORIES, GRIEVANCE_STATUSES } from '../../../../domain/grievances';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const q = url.searchParams;
  const category = GRIEVANCE_CATEGORIES.find((c) => c === q.get('categorie'));
  const status = GRIEVANCE_STATUSES.find((s) => s === q.get('statut'));
  const region = q.get('region')?.trim() || undefined;
  const cycleId = /^[0-9a-f-]{36}$/i.test(q.get('cycle') ?? '') ? q.get('cycle')! : undefined;
  const filters: GrievanceFilters = { ...(category ? { category } : {}), ...(status ? { status } : {}), ...(region ? { region } : {}), ...(q.get('retard') === '1' ? { late: 'true' as const } : {}), ...(cycleId ? { cycleId } : {}) };
  try {
    const api = createApi(fetch);
    // Figures per cycle when one is chosen: the cases filed about it.
    const [cases, figures, cycles] = await Promise.all([api.listGrievances(filters), api.grievanceFigures(cycleId), api.listCycles()]);
    return { filters, cases, figures, cycles: cycles.map((c) => ({ id: c.id, name: c.name })) };
  } catch (err) {
    failLoad(err, url);
  }
};
