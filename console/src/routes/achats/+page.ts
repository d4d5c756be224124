import { createApi, failLoad } from '$lib/api/client';
import { FILTERS } from './filters';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const asked = url.searchParams.get('filtre');
  const filter = FILTERS.find((f) => f === asked) ?? 'all';
  try {
    return { filter, cases: await createApi(fetch).listProcurementCases(filter) };
  } catch (err) {
    failLoad(err, url);
  }
};
