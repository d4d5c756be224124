import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';
import { auditFiltersOf, auditFormOf } from './filters';

export const load: PageLoad = async ({ fetch, url }) => {
  const form = auditFormOf(url.searchParams);
  const filters = auditFiltersOf(form);
  try {
    return { form, filters, first: await createApi(fetch).auditTrail(filters) };
  } catch (err) {
    failLoad(err, url);
  }
};
