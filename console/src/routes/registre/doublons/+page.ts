import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';
import { PAGE_SIZE, queueViewOf } from './queue';

export const load: PageLoad = async ({ fetch, url }) => {
  const view = queueViewOf(url.searchParams);
  try {
    return { view, queue: await createApi(fetch).listDuplicates(view.status, view.offset, PAGE_SIZE) };
  } catch (err) {
    failLoad(err, url);
  }
};
