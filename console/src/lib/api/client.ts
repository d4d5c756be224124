import type { z } from '@hono/zod-openapi';
import type {
  CompletePhaseSchema,
  CycleDetail,
  CycleSummary,
  OptionalReasonSchema,
  ReasonSchema,
} from '../../../../api/schemas';
import type { CycleState, Phase } from '../../../../domain/cycle';
import { error } from '@sveltejs/kit';
import { ApiError } from './api-error';

type Fetch = typeof globalThis.fetch;
type Reason = z.input<typeof ReasonSchema>;
type OptionalReason = z.input<typeof OptionalReasonSchema>;
type CompletePhase = z.input<typeof CompletePhaseSchema>;

/**
 * The one place a request is made and its answer read: a 2xx gives the body, anything else an ApiError
 * carrying the API's message. Not `hc<AppType>`: AppType widens /cycles/{cycleId}/… to `${string}`
 * (api/routes/cycles.ts types actionRoute's path as string), which hides GET /cycles/{cycleId}.
 */
async function request<T>(fetch: Fetch, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new ApiError(0, 'network', cause instanceof Error ? cause.message : 'The server could not be reached.');
  }
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) throw ApiError.fromBody(response.status, payload);
  return payload as T;
}

const cyclePath = (cycleId: string) => `/cycles/${encodeURIComponent(cycleId)}`;

/** The API's cycle routes, typed by the API's own schemas; pass SvelteKit's `fetch` in load functions. */
export function createApi(fetch: Fetch = globalThis.fetch) {
  const post = async (path: string, body: Reason | OptionalReason | CompletePhase) =>
    (await request<{ state: CycleState }>(fetch, 'POST', path, body)).state;

  return {
    async listCycles(): Promise<CycleSummary[]> {
      return (await request<{ cycles: CycleSummary[] }>(fetch, 'GET', '/cycles')).cycles;
    },
    async getCycle(cycleId: string): Promise<CycleDetail> {
      return (await request<{ cycle: CycleDetail }>(fetch, 'GET', cyclePath(cycleId))).cycle;
    },
    completePhase(cycleId: string, phase: Phase, comment?: string): Promise<CycleState> {
      return post(`${cyclePath(cycleId)}/phases/${phase}/complete`, comment ? { comment } : {});
    },
    pause(cycleId: string, reason: string): Promise<CycleState> {
      return post(`${cyclePath(cycleId)}/pause`, { reason });
    },
    resume(cycleId: string, reason = ''): Promise<CycleState> {
      return post(`${cyclePath(cycleId)}/resume`, { reason });
    },
    cancel(cycleId: string, reason: string): Promise<CycleState> {
      return post(`${cyclePath(cycleId)}/cancel`, { reason });
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** In a load function: shows SvelteKit's error page with the API's status and message. */
export function failLoad(err: unknown): never {
  if (err instanceof ApiError) error(err.status || 503, { message: err.message, code: err.code });
  throw err;
}
