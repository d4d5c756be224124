import type { Api } from '../api/client';
import type { PaymentFigures } from '../api/types';
import { refresher } from './coalesce';
import { watchPaymentFigures } from './watch';

/**
 * A cycle's payment figures kept current: each `payments:figures` event carries them whole (the
 * API sends at most two a second), each (re)join refetches them; `onchange` lets a page refetch
 * what the figures do not carry (the failed queue) when they move.
 */
export class LivePaymentFigures {
  figures: PaymentFigures;
  refreshError: unknown = $state.raw(null);
  readonly refresh: () => Promise<void>;
  readonly #cycleId: string;
  readonly #onchange: ((figures: PaymentFigures) => void) | undefined;

  constructor(cycleId: string, initial: PaymentFigures, api: Api, onchange?: (figures: PaymentFigures) => void) {
    this.#cycleId = cycleId;
    this.#onchange = onchange;
    this.figures = $state.raw(initial);
    this.refresh = refresher(this, async () => {
      this.#take(await api.paymentFigures(this.#cycleId));
    });
  }

  #take(figures: PaymentFigures) {
    // An answer older than what is shown (a refetch overtaken by an event) is dropped.
    if (figures.at < this.figures.at) return;
    const before = this.figures.totals;
    this.figures = figures;
    const t = figures.totals;
    if (t.paid !== before.paid || t.failed !== before.failed || t.inFlight !== before.inFlight || t.cancelled !== before.cancelled) this.#onchange?.(figures);
  }

  connect(): () => void {
    return watchPaymentFigures(this.#cycleId, {
      onEvent: (figures) => this.#take(figures),
      onJoined: () => {
        void this.refresh();
        this.#onchange?.(this.figures);
      },
    });
  }
}
