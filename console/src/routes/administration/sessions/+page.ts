import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { sessions: await createApi(fetch).listSessions() };
  } catch (err) {
    failLoad(err, url);
  }
};
