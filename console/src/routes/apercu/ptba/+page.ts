import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const api = createApi(fetch);
  const asked = Number(url.searchParams.get('annee'));
  try {
    if (Number.isInteger(asked) && asked >= 2013 && asked <= 2100) return { plan: await api.forecastPlan(asked) };
    // Without a year: this year's plan, or the latest on record when this year has none yet.
    const current = await api.forecastPlan(new Date().getUTCFullYear());
    const latest = current.years[0];
    return { plan: current.lines.length === 0 && latest !== undefined ? await api.forecastPlan(latest) : current };
  } catch (err) {
    failLoad(err, url);
  }
};
