import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { cycles: await createApi(fetch).listCycles() };
  } catch (err) {
    failLoad(err, url);
  }
};
