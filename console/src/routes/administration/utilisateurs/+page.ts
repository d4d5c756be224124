import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { users: await createApi(fetch).listUsers() };
  } catch (err) {
    failLoad(err, url);
  }
};
