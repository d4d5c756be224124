import type { ClientResponse } from 'hono/client';
import { hc } from 'hono/client';
import { error } from '@sveltejs/kit';
import type { AppType } from '../../../../api/app';
import type { CycleDetail, CycleSummary } from '../../../../api/schemas';
import type { CycleState, Phase } from '../../../../domain/cycle';
import { ApiError } from './api-error';

type Fetch = typeof globalThis.fetch;

/**
 * The one place an answer is read: a 2xx gives its typed body, anything else an ApiError carrying
 * the API's message and details; a request that never reached the server is a network ApiError.
 */
async function read<R extends ClientResponse<unknown, number, string>>(call: () => Promise<R>): Promise<SuccessBody<R>> {
  let response: Response;
  try {
    response = (await call()) as unknown as Response;
  } catch (cause) {
    throw new ApiError(0, 'network', cause instanceof Error ? cause.message : 'The server could not be reached.');
  }
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) throw ApiError.fromBody(response.status, payload);
  return payload as SuccessBody<R>;
}

/** The body of a route's 2xx answer, as the API's route declares it. */
type SuccessBody<R> = R extends ClientResponse<infer B, infer S, string> ? (S extends 200 | 201 ? B : never) : never;

/** The API's routes through Hono's typed client (`AppType`); pass SvelteKit's `fetch` in load functions. */
export function createApi(fetch: Fetch = globalThis.fetch) {
  const cycles = hc<AppType>('/', { fetch }).api.cycles;
  const one = (cycleId: string) => ({ param: { cycleId } });

  return {
    async listCycles(): Promise<CycleSummary[]> {
      return (await read(() => cycles.$get())).cycles;
    },
    async getCycle(cycleId: string): Promise<CycleDetail> {
      return (await read(() => cycles[':cycleId'].$get(one(cycleId)))).cycle;
    },
    async completePhase(cycleId: string, phase: Phase, comment?: string): Promise<CycleState> {
      const json = comment ? { comment } : {};
      return (await read(() => cycles[':cycleId'].phases[':phase'].complete.$post({ param: { cycleId, phase }, json }))).state;
    },
    async pause(cycleId: string, reason: string): Promise<CycleState> {
      return (await read(() => cycles[':cycleId'].pause.$post({ ...one(cycleId), json: { reason } }))).state;
    },
    async resume(cycleId: string, reason = ''): Promise<CycleState> {
      return (await read(() => cycles[':cycleId'].resume.$post({ ...one(cycleId), json: { reason } }))).state;
    },
    async cancel(cycleId: string, reason: string): Promise<CycleState> {
      return (await read(() => cycles[':cycleId'].cancel.$post({ ...one(cycleId), json: { reason } }))).state;
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** In a load function: shows SvelteKit's error page with the API's status and message. */
export function failLoad(err: unknown): never {
  if (err instanceof ApiError) error(err.status || 503, { message: err.message, code: err.code });
  throw err;
}
