import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { proposals: await createApi(fetch).correctivePaymentProposals() };
  } catch (err) {
    failLoad(err, url);
  }
};
