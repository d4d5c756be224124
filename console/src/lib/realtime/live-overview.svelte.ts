import type { Api, OverviewQuery } from '../api/client';
import type { Overview } from '../api/types';
import { refresher } from './coalesce';
import { watchOverview } from './watch';

/**
 * The overview kept current: each `overview:changed` event (at most one a second, whatever a run's
 * size) carries it whole for the current year and today; a page showing another year or date
 * refetches its own instead, one read at a time.
 */
export class LiveOverview {
  overview: Overview;
  years: number[];
  query: OverviewQuery;
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;

  constructor(initial: { overview: Overview; years: number[] }, query: OverviewQuery, api: Api) {
    this.overview = $state.raw(initial.overview);
    this.years = $state.raw(initial.years);
    this.query = query;
    this.refresh = refresher(this, async () => {
      const answer = await api.overview(this.query);
      this.years = answer.years;
      this.#take(answer.overview);
    });
  }

  #take(overview: Overview) {
    // An answer older than what is shown (a refetch overtaken by an event) is dropped.
    if (overview.at < this.overview.at) return;
    this.overview = overview;
  }

  connect(): () => void {
    return watchOverview({
      onEvent: (overview) => {
        if (!this.query.year && !this.query.asOf) this.#take(overview);
        else void this.refresh();
      },
      onJoined: () => void this.refresh(),
    });
  }
}
