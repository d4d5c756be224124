import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url, params }) => {
  try {
    return { detail: await createApi(fetch).getGrievance(params.reference) };
  } catch (err) {
    failLoad(err, url);
  }
};
