import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  try {
    return { detail: await createApi(fetch).getProcurementCase(params.caseId) };
  } catch (err) {
    failLoad(err, url);
  }
};
