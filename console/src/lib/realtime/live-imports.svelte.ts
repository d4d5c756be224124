import type { ImportProgress } from '../../../../domain/events';
import type { Api } from '../api/client';
import type { RegisterImport } from '../api/types';
import { refresher } from './coalesce';
import { watchImports } from './watch';

/** What a pushed progress adds to an import: bytes read and time left, which the list does not carry. */
export interface LiveProgress {
  bytesRead: number;
  bytesTotal: number;
  secondsLeft: number;
}

/**
 * The register imports kept current: counters move with each `import:progress`; an import the list
 * does not know, one that ends, and every (re)join refetch the list.
 */
export class LiveImports {
  imports: RegisterImport[];
  /** The last progress pushed for each running import, by id. */
  progress: Record<string, LiveProgress> = $state.raw({});
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly #api: Api;

  constructor(initial: RegisterImport[], api: Api) {
    this.imports = $state.raw(initial);
    this.#api = api;
    this.refresh = refresher(this, async () => {
      this.imports = await this.#api.listImports();
    });
  }

  /** A file just uploaded: shown at once, before its first progress. */
  add(created: RegisterImport) {
    if (!this.imports.some((i) => i.id === created.id)) this.imports = [created, ...this.imports];
  }

  apply(event: ImportProgress) {
    const index = this.imports.findIndex((i) => i.id === event.importId);
    const row = this.imports[index];
    if (!row) {
      void this.refresh();
      return;
    }
    // A late batch must not move the counters back.
    if (event.rowsRead < row.rowsRead) return;
    const { rowsRead, rowsAccepted, rowsRejected, status } = event;
    this.imports = this.imports.map((i, k) => (k === index ? { ...i, rowsRead, rowsAccepted, rowsRejected, status } : i));
    this.progress = { ...this.progress, [event.importId]: { bytesRead: event.bytesRead, bytesTotal: event.bytesTotal, secondsLeft: event.secondsLeft } };
    // Finished: the stored row has the final counters (inserted, updated) and timestamps.
    if (status !== 'running') void this.refresh();
  }

  connect(): () => void {
    return watchImports({ onEvent: (event) => this.apply(event), onJoined: () => void this.refresh() });
  }
}
