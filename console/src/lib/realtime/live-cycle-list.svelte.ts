import type { CycleSummary } from '../../../../api/schemas';
import type { CycleEvent } from '../../../../domain/events';
import type { Api } from '../api/client';
import { refresher } from './coalesce';
import { isNewer, withState } from './cycle-updates';
import { watchCycles } from './watch';

/** The list of cycles kept current: rows change from pushes; a cycle the list does not know refetches it. */
export class LiveCycleList {
  cycles: CycleSummary[];
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly #api: Api;

  constructor(initial: CycleSummary[], api: Api) {
    this.cycles = $state.raw(initial);
    this.#api = api;
    this.refresh = refresher(this, async () => {
      const fresh = await this.#api.listCycles();
      const held = this.cycles;
      // Keep a row a push made newer than this answer.
      this.cycles = fresh.map((row) => {
        const mine = held.find((c) => c.id === row.id);
        return mine && isNewer(mine, row) ? mine : row;
      });
    });
  }

  apply(event: CycleEvent) {
    const index = this.cycles.findIndex((c) => c.id === event.cycleId);
    const row = this.cycles[index];
    if (!row) {
      void this.refresh();
      return;
    }
    if (!isNewer(event.state, row)) return;
    const updated = withState(row, event.state, event.at);
    this.cycles = this.cycles.map((c, i) => (i === index ? updated : c));
  }

  connect(): () => void {
    return watchCycles({ onEvent: (event) => this.apply(event), onJoined: () => void this.refresh() });
  }
}
