import { createApi, failLoad } from '$lib/api/client';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  try {
    const api = createApi(fetch);
    const [cycle, cases, gates, figures, training, templates] = await Promise.all([
      api.getCycle(params.id),
      api.listProcurementCases('all', params.id),
      api.procurementGates(params.id),
      api.procurementFigures(params.id),
      api.listWorkshops(params.id),
      api.listProcurementTemplates(),
    ]);
    const regions = training.regions.map((r) => ({ code: r.regionCode, name: r.regionName }));
    return { cycle, board: { cases, gates, figures }, regions, templates };
  } catch (err) {
    failLoad(err, url);
  }
};
