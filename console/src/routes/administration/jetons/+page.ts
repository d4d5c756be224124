import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { tokens: await createApi(fetch).listServiceTokens() };
  } catch (err) {
    failLoad(err, url);
  }
};
