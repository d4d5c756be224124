import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  try {
    const api = createApi(fetch);
    const [cycle, lists] = await Promise.all([api.getCycle(params.id), api.listsSummary(params.id)]);
    return { cycle, lists };
  } catch (err) {
    failLoad(err, url);
  }
};
