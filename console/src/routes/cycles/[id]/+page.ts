import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  try {
    const api = createApi(fetch);
    const [cycle, workshops, gates] = await Promise.all([api.getCycle(params.id), api.listWorkshops(params.id), api.procurementGates(params.id)]);
    return { cycle, workshops, gates };
  } catch (err) {
    failLoad(err, url);
  }
};
