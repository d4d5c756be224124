import { AsyncLocalStorage } from 'node:async_hooks';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { Context, MiddlewareHandler } from 'hono';
import type { ActorContext, Principal } from '../domain/roles';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set only behind trusted proxies: the caller's address and scheme as the outermost proxy saw them. */
    forwardedFor?: string;
    forwardedProto?: string;
  }
}

/**
 * Behind `hops` reverse proxies that each append the peer they saw to X-Forwarded-For (nginx's
 * $proxy_add_x_forwarded_for): the caller is the entry `hops` from the end. Entries before it were
 * written by the caller and are ignored. With 0 hops, no proxy header is trusted.
 */
export function trustProxies(hops: number): MiddlewareHandler {
  return async (c, next) => {
    if (hops > 0) {
      const chain = (c.req.header('x-forwarded-for') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
      const caller = chain[chain.length - hops];
      if (caller) c.set('forwardedFor', caller);
      const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
      if (proto === 'https' || proto === 'http') c.set('forwardedProto', proto);
    }
    await next();
  };
}

/** Whether the caller reached us over TLS (directly, or at a trusted proxy): cookies are Secure then. */
export function overTls(c: Context): boolean {
  return (c.get('forwardedProto') ?? new URL(c.req.url).protocol.replace(':', '')) === 'https';
}

/** The caller's address: as the outermost trusted proxy saw it, else as this node saw it. */
export function clientIp(c: Context): string | null {
  const forwarded = c.get('forwardedFor');
  if (forwarded) return forwarded;
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
