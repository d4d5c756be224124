import { refresher } from './coalesce';
import type { WatchHandlers } from './watch';

/**
 * A value read from the API and kept current from one room: each change the filter keeps, and each
 * (re)join, refetches it with the loader, one read at a time.
 */
export class LiveQuery<T, E> {
  value: T;
  refreshError: unknown = $state.raw(null);
  /** In the room: changes from now on reach this console. */
  joined = $state(false);
  readonly refresh: () => Promise<void>;
  readonly #watch: (handlers: WatchHandlers<E>) => () => void;
  readonly #concerns: (change: E) => boolean;

  constructor(initial: T, load: () => Promise<T>, watch: (handlers: WatchHandlers<E>) => () => void, concerns: (change: E) => boolean = () => true) {
    this.value = $state.raw(initial);
    this.#watch = watch;
    this.#concerns = concerns;
    this.refresh = refresher(this, async () => {
      this.value = await load();
    });
  }

  /** What a subclass does with every change of the room, whether or not it concerns the value. */
  protected received(_change: E): void {}

  connect(): () => void {
    return this.#watch({
      onEvent: (change) => {
        this.received(change);
        if (this.#concerns(change)) void this.refresh();
      },
      onJoined: () => {
        this.joined = true;
        void this.refresh();
      },
    });
  }
}
