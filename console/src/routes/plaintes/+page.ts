import { createApi, failLoad } from '$lib/api/client';
import type { GrievanceFilters } from '$lib/api/types';
import { GRIEVANCE_CATEGORIES, GRIEVANCE_STATUSES } from '../../../../domain/grievances';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const q = url.searchParams;
  const category = GRIEVANCE_CATEGORIES.find((c) => c === q.get('categorie'));
  const status = GRIEVANCE_STATUSES.find((s) => s === q.get('statut'));
  const region = q.get('region')?.trim() || undefined;
  const filters: GrievanceFilters = { ...(category ? { category } : {}), ...(status ? { status } : {}), ...(region ? { region } : {}), ...(q.get('retard') === '1' ? { late: 'true' as const } : {}) };
  try {
    const api = createApi(fetch);
    const [cases, figures] = await Promise.all([api.listGrievances(filters), api.grievanceFigures()]);
    return { filters, cases, figures };
  } catch (err) {
    failLoad(err, url);
  }
};
