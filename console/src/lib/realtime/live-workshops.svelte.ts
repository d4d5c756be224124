import { msUntilNextDay, todayInMali, trainingCounts, workshopStatus } from '../../../../domain/training';
import type { Api } from '../api/client';
import type { TrainingOverview } from '../api/types';
import { refresher } from './coalesce';
import { watchWorkshops } from './watch';

/**
 * A cycle's training workshops kept current: every pushed change refetches the list; statuses are
 * re-derived from the dates on this browser's clock, so a workshop turns late at midnight with no request.
 */
export class LiveWorkshops {
  readonly cycleId: string;
  overview: TrainingOverview;
  /** Today in Mali (UTC), moved on by a timer at each midnight. */
  today: string = $state(todayInMali());
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly regions = $derived(this.#regions());
  readonly counts = $derived(trainingCounts(this.regions, this.today));
  readonly lateRegionNames = $derived(this.regions.filter((r) => r.status === 'late').map((r) => r.regionName));

  constructor(cycleId: string, initial: TrainingOverview, api: Api) {
    this.cycleId = cycleId;
    this.overview = $state.raw(initial);
    this.refresh = refresher(this, async () => {
      this.overview = await api.listWorkshops(this.cycleId);
    });
  }

  #regions() {
    return this.overview.regions.map((r) => ({ ...r, status: workshopStatus(r.workshop, this.today) }));
  }

  /** Starts receiving pushes and the midnight timer; returns the function that stops both. */
  connect(): () => void {
    const stopWatching = watchWorkshops(this.cycleId, { onEvent: () => void this.refresh(), onJoined: () => void this.refresh() });
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      this.today = todayInMali();
      // A little past midnight, so the new day has begun whatever the timer's rounding.
      timer = setTimeout(tick, msUntilNextDay(Date.now()) + 1_000);
    };
    tick();
    return () => {
      stopWatching();
      clearTimeout(timer);
    };
  }
}
