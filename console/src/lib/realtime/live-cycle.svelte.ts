import type { CycleDetail } from '../../../../api/schemas';
import type { CycleState, Phase } from '../../../../domain/cycle';
import type { Api } from '../api/client';
import { refresher } from './coalesce';
import { isNewer, withState } from './cycle-updates';
import { watchCycle } from './watch';

/**
 * One cycle kept current: pushed states apply at once when newer, and each push also refetches the
 * detail (for the transitions log), at most one refetch in flight.
 */
export class LiveCycle {
  readonly id: string;
  cycle: CycleDetail;
  /** The last refetch failure, cleared by the next success; the page shows it. */
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly #api: Api;

  constructor(initial: CycleDetail, api: Api) {
    this.id = initial.id;
    this.cycle = $state.raw(initial);
    this.#api = api;
    this.refresh = refresher(this, async () => {
      const fresh = await this.#api.getCycle(this.id);
      // A fetch that started before a pushed change may answer with the older state: the trailing run catches up.
      if (fresh.version >= this.cycle.version) this.cycle = fresh;
    });
  }

  apply(state: CycleState, at?: string) {
    if (state.cycleId === this.id && isNewer(state, this.cycle)) this.cycle = withState(this.cycle, state, at);
  }

  /** Starts receiving pushes; returns the function that stops. */
  connect(): () => void {
    return watchCycle(this.id, {
      onEvent: (event) => {
        this.apply(event.state, event.at);
        void this.refresh();
      },
      onJoined: () => void this.refresh(),
    });
  }

  async #act(action: Promise<CycleState>) {
    this.apply(await action);
    void this.refresh();
  }

  completePhase(phase: Phase) {
    return this.#act(this.#api.completePhase(this.id, phase));
  }

  pause(reason: string) {
    return this.#act(this.#api.pause(this.id, reason));
  }

  resume() {
    return this.#act(this.#api.resume(this.id));
  }

  cancel(reason: string) {
    return this.#act(this.#api.cancel(this.id, reason));
  }
}
