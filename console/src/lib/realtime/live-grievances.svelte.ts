import type { GrievanceChanged } from '../../../../domain/events';
import { coalesce } from './coalesce';
import { watchGrievances } from './watch';

/** Something about grievances kept current: each `grievance:changed` the filter keeps, and each (re)join, refetches it. */
export class LiveGrievances<T> {
  value: T;
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly #concerns: (change: GrievanceChanged) => boolean;

  constructor(initial: T, load: () => Promise<T>, concerns: (change: GrievanceChanged) => boolean = () => true) {
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
    return watchGrievances({ onEvent: (change) => void (this.#concerns(change) && this.refresh()), onJoined: () => void this.refresh() });
  }
}
