import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  try {
    const api = createApi(fetch);
    const [cycle, figures, lists] = await Promise.all([api.getCycle(params.id), api.paymentFigures(params.id), api.paymentLists(params.id)]);
    return { cycle, figures, lists };
  } catch (err) {
    failLoad(err, url);
  }
};
