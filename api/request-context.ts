import { AsyncLocalStorage } from 'node:async_hooks';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { Context } from 'hono';
import type { ActorContext, Principal } from '../domain/roles';

/** The caller's address as this node saw it (no proxy headers are trusted yet). */
export function clientIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

export function actorContext(c: Context, principal: Principal): ActorContext {
  return { principal, ip: clientIp(c), requestId: (c.get('requestId') as string | undefined) ?? null };
}

/** What one request did that its log line names: the workflows it started, signalled, updated or queried. */
const requestScope = new AsyncLocalStorage<{ workflowIds: Set<string> }>();

/** Runs a request in a scope of its own and gives the workflow ids it touched. */
export async function withRequestScope(run: () => Promise<void>): Promise<string[]> {
  const scope = { workflowIds: new Set<string>() };
  await requestScope.run(scope, run);
  return [...scope.workflowIds];
}

const touched = (workflowId: string) => requestScope.getStore()?.workflowIds.add(workflowId);

/** Temporal client interceptor: notes the workflow id of every call made while a request is served. */
export const recordWorkflowIds: WorkflowClientInterceptor = {
  start: (input, next) => (touched(input.options.workflowId), next(input)),
  startWithDetails: (input, next) => (touched(input.options.workflowId), next(input)),
  signal: (input, next) => (touched(input.workflowExecution.workflowId), next(input)),
  signalWithStart: (input, next) => (touched(input.options.workflowId), next(input)),
  startUpdate: (input, next) => (touched(input.workflowExecution.workflowId), next(input)),
  query: (input, next) => (touched(input.workflowExecution.workflowId), next(input)),
};
