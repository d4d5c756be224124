import type { GrievanceChanged } from '../../../../domain/events';
import { LiveQuery } from './live-query.svelte';
import { watchGrievances } from './watch';

/** Something about grievances kept current (see LiveQuery), with the alerts pushed since the page opened. */
export class LiveGrievances<T> extends LiveQuery<T, GrievanceChanged> {
  /** Escalations and lateness pushed to this console since it opened, newest first. */
  alerts: GrievanceChanged[] = $state.raw([]);

  constructor(initial: T, load: () => Promise<T>, concerns?: (change: GrievanceChanged) => boolean) {
    super(initial, load, watchGrievances, concerns);
  }

  dismiss(change: GrievanceChanged) {
    this.alerts = this.alerts.filter((a) => a !== change);
  }

  protected override received(change: GrievanceChanged): void {
    if (change.alert && !this.alerts.some((a) => a.reference === change.reference && a.version === change.version)) this.alerts = [change, ...this.alerts].slice(0, 5);
  }
}
