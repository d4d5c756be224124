import type { TargetingProgress } from '../../../../domain/events';
import type { Api } from '../api/client';
import type { Targeting } from '../api/types';
import { refresher } from './coalesce';
import { watchTargeting } from './watch';

/**
 * A cycle's targeting kept current: each `targeting:progress` moves the run's step; a finished run,
 * and every (re)join, refetch the settings and bump `resultsVersion` so the quota table reloads.
 */
export class LiveTargeting {
  targeting: Targeting;
  /** The last step pushed for the run in progress. */
  progress: TargetingProgress | null = $state.raw(null);
  resultsVersion = $state(0);
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly #api: Api;

  constructor(initial: Targeting, api: Api) {
    this.targeting = $state.raw(initial);
    this.#api = api;
    this.refresh = refresher(this, async () => {
      this.targeting = await this.#api.getTargeting(this.targeting.cycleId);
    });
  }

  /** Saved rules or a started run: shown at once. */
  replace(targeting: Targeting) {
    this.targeting = targeting;
  }

  started(run: NonNullable<Targeting['run']>) {
    this.targeting = { ...this.targeting, run };
    this.progress = null;
  }

  apply(event: TargetingProgress) {
    this.progress = event;
    if (event.status !== 'running') {
      this.resultsVersion++;
      void this.refresh();
    }
  }

  connect(): () => void {
    return watchTargeting(this.targeting.cycleId, {
      onEvent: (event) => this.apply(event),
      onJoined: () => {
        this.resultsVersion++;
        void this.refresh();
      },
    });
  }
}
