import type { ProcurementChanged } from '../../../../domain/events';
import { coalesce } from './coalesce';
import { watchProcurement } from './watch';

/**
 * Something about procurement kept current: every `procurement:changed` the filter keeps, and every
 * (re)join, refetches it with the loader (an inbox, a case, a cycle's board).
 */
export class LiveProcurement<T> {
  value: T;
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly #concerns: (change: ProcurementChanged) => boolean;

  constructor(initial: T, load: () => Promise<T>, concerns: (change: ProcurementChanged) => boolean = () => true) {
    this.value = $state.raw(initial);
    this.#concerns = concerns;
    this.refresh = coalesce(async () => {
      try {
        this.value = await load();
        this.refreshError = null;
      } catch (err) {
        this.refreshError = err;
      }
    });
  }

  connect(): () => void {
    return watchProcurement({ onEvent: (change) => void (this.#concerns(change) && this.refresh()), onJoined: () => void this.refresh() });
  }
}
