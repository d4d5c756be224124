import type { ProcurementChanged } from '../../../../domain/events';
import { LiveQuery } from './live-query.svelte';
import { watchProcurement } from './watch';

/** Something about procurement kept current (an inbox, a case, a cycle's board): see LiveQuery. */
export class LiveProcurement<T> extends LiveQuery<T, ProcurementChanged> {
  constructor(initial: T, load: () => Promise<T>, concerns?: (change: ProcurementChanged) => boolean) {
    super(initial, load, watchProcurement, concerns);
  }
}
