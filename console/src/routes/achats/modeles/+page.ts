import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { templates: await createApi(fetch).listProcurementTemplates() };
  } catch (err) {
    failLoad(err, url);
  }
};
