import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { imports: await createApi(fetch).listImports() };
  } catch (err) {
    failLoad(err, url);
  }
};
