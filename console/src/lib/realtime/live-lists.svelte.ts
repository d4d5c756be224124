import type { Api } from '../api/client';
import type { CommuneList, CommuneListDetail, ListsSummary } from '../api/types';
import { refresher } from './coalesce';
import { watchLists } from './watch';

/**
 * A cycle's community validation kept current: every `lists:changed` and every (re)join refetch the
 * per-region summary, the open region's communes and the open commune's list.
 */
export class LiveLists {
  summary: ListsSummary;
  region: string | null = $state(null);
  regionLists: CommuneList[] = $state.raw([]);
  commune: string | null = $state(null);
  detail: CommuneListDetail | null = $state.raw(null);
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly #api: Api;
  readonly #cycleId: string;

  constructor(cycleId: string, initial: ListsSummary, api: Api) {
    this.#cycleId = cycleId;
    this.#api = api;
    this.summary = $state.raw(initial);
    this.refresh = refresher(this, async () => {
      const [summary, regionLists, detail] = await Promise.all([
        this.#api.listsSummary(this.#cycleId),
        this.region ? this.#api.regionLists(this.#cycleId, this.region) : Promise.resolve([]),
        this.commune ? this.#api.communeList(this.#cycleId, this.commune) : Promise.resolve(null),
      ]);
      Object.assign(this, { summary, regionLists, detail });
    });
  }

  async openRegion(region: string | null) {
    this.region = region;
    this.commune = null;
    this.detail = null;
    this.regionLists = [];
    await this.refresh();
  }

  async openCommune(commune: string | null) {
    this.commune = commune;
    this.detail = null;
    await this.refresh();
  }

  connect(): () => void {
    // Every change refetches: a notification names communes, not their new state.
    return watchLists(this.#cycleId, { onEvent: () => void this.refresh(), onJoined: () => void this.refresh() });
  }
}
