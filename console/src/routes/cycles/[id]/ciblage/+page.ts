import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  const api = createApi(fetch);
  try {
    const [cycle, targeting] = await Promise.all([api.getCycle(params.id), api.getTargeting(params.id)]);
    return { cycle, targeting };
  } catch (err) {
    failLoad(err, url);
  }
};
