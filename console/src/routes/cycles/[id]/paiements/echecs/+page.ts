import { createApi, failLoad } from '$lib/api/client';
import type { PendingPaymentAction } from '$lib/api/types';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  try {
    const api = createApi(fetch);
    const [cycle, figures, queue, pending] = await Promise.all([
      api.getCycle(params.id),
      api.paymentFigures(params.id),
      api.paymentsQueue(params.id, { queue: 'failed' }),
      // Null where the operators' actions are not served: the queue still shows, without them.
      api.pendingPaymentActions(params.id).catch((): PendingPaymentAction[] | null => null),
    ]);
    return { cycle, figures, queue, pending };
  } catch (err) {
    failLoad(err, url);
  }
};
