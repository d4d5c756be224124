import type { GrievanceChanged } from '../../../../domain/events';
import { coalesce } from './coalesce';
import { watchGrievances } from './watch';

/** Something about grievances kept current: each `grievance:changed` the filter keeps, and each (re)join, refetches it. */
export class LiveGrievances<T> {
  value: T;
  refreshError: unknown = $state.raw(null);
  /** Escalations and lateness pushed to this console since it opened, newest first. */
  alerts: GrievanceChanged[] = $state.raw([]);
  /** In the room: changes from now on reach this console. */
  joined = $state(false);
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

  dismiss(change: GrievanceChanged) {
    this.alerts = this.alerts.filter((a) => a !== change);
  }

  connect(): () => void {
    return watchGrievances({
      onEvent: (change) => {
        if (change.alert && !this.alerts.some((a) => a.reference === change.reference && a.version === change.version)) this.alerts = [change, ...this.alerts].slice(0, 5);
        if (this.#concerns(change)) void this.refresh();
      },
      onJoined: () => {
        this.joined = true;
        void this.refresh();
      },
    });
  }
}
