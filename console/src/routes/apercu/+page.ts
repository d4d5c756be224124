import { createApi, failLoad, type OverviewQuery } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const year = Number(url.searchParams.get('annee'));
  const asOf = url.searchParams.get('date') ?? '';
  const query: OverviewQuery = { ...(Number.isInteger(year) && year >= 2013 && year <= 2100 ? { year } : {}), ...(/^\d{4}-\d{2}-\d{2}$/.test(asOf) ? { asOf } : {}) };
  try {
    return { query, ...(await createApi(fetch).overview(query)) };
  } catch (err) {
    failLoad(err, url);
  }
};
