import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  try {
    return { cycle: await createApi(fetch).getCycle(params.id) };
  } catch (err) {
    failLoad(err, url);
  }
};
