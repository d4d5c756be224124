/** A list the page's load fetched, fetched again after each change made here or on request. */
export class Listing<T> {
  items: T[];
  refreshing = $state(false);
  refreshError: unknown = $state.raw(null);
  readonly #fetch: () => Promise<T[]>;
  #latest = 0;

  constructor(first: T[], fetch: () => Promise<T[]>) {
    this.items = $state.raw(first);
    this.#fetch = fetch;
  }

  async refresh() {
    // Two refreshes in flight: only the last one started is shown.
    const call = ++this.#latest;
    this.refreshing = true;
    this.refreshError = null;
    try {
      const items = await this.#fetch();
      if (call === this.#latest) this.items = items;
    } catch (err) {
      if (call === this.#latest) this.refreshError = err;
    } finally {
      if (call === this.#latest) this.refreshing = false;
    }
  }
}
