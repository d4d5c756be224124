import type { Api } from '$lib/api/client';
import type { AuditEntry, AuditFilters, AuditPage } from '$lib/api/types';

/** The entries shown so far for one set of filters, older pages appended on request. */
export class AuditTrail {
  entries: AuditEntry[];
  nextBefore: number | null;
  loading = $state(false);
  loadError: unknown = $state.raw(null);
  readonly #filters: AuditFilters;
  readonly #api: Api;

  constructor(first: AuditPage, filters: AuditFilters, api: Api) {
    this.entries = $state.raw(first.entries);
    this.nextBefore = $state(first.nextBefore);
    this.#filters = filters;
    this.#api = api;
  }

  async loadMore() {
    if (this.loading || this.nextBefore === null) return;
    this.loading = true;
    this.loadError = null;
    try {
      const next = await this.#api.auditTrail(this.#filters, this.nextBefore);
      this.entries = [...this.entries, ...next.entries];
      this.nextBefore = next.nextBefore;
    } catch (err) {
      this.loadError = err;
    } finally {
      this.loading = false;
    }
  }
}
