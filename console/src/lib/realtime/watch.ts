import type { ServerToClientEvents, WatchResult } from '../../../../api/realtime/contract';
import type { CycleEvent, ImportProgress, ListsChanged, ProcurementChanged, WorkshopEvent } from '../../../../domain/events';
import { realtimeSocket, type RealtimeSocket } from './socket';

const ACK_TIMEOUT_MS = 5_000;

export interface WatchHandlers<E = CycleEvent> {
  /** A change pushed by the API. */
  onEvent: (event: E) => void;
  /** Joined the room, on the first connection and after every reconnection: read the state again now. */
  onJoined: () => void;
  /** The API refused to watch. */
  onRefused?: (error: string) => void;
}

type Join = (socket: RealtimeSocket, done: (err: Error | null, result?: WatchResult) => void) => void;

type Leave = (socket: RealtimeSocket) => void;

/**
 * Joins a room on every 'connect': rooms do not survive a reconnection, and events sent while
 * disconnected are lost, so each join is followed by a refetch (onJoined).
 */
function watch<K extends keyof ServerToClientEvents>(
  event: K,
  join: Join,
  leave: Leave,
  handlers: WatchHandlers<Parameters<ServerToClientEvents[K]>[0]>,
): () => void {
  // The socket of this watch: after a sign-out it is closed, and stopping must not open a new one.
  const socket = realtimeSocket();
  let stopped = false;
  const joinRoom = () => {
    join(socket, (err, result) => {
      if (stopped) return;
      if (err) {
        if (socket.connected) joinRoom();
        return;
      }
      if (result?.ok) handlers.onJoined();
      else handlers.onRefused?.(result?.error ?? 'refused');
    });
  };
  socket.on('connect', joinRoom);
  // One listener of this watch's own, so that stopping removes it and no other watch's.
  const onEvent = ((payload: Parameters<ServerToClientEvents[K]>[0]) => handlers.onEvent(payload)) as ServerToClientEvents[K];
  socket.on(event, onEvent as never);
  if (socket.connected) joinRoom();
  return () => {
    stopped = true;
    socket.off('connect', joinRoom);
    socket.off(event, onEvent as never);
    if (socket.connected) leave(socket);
  };
}

/** Changes of every cycle (the list); leaving the list leaves the room. */
export function watchCycles(handlers: WatchHandlers): () => void {
  return watch(
    'cycle:changed',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('cycles:watch', done),
    (socket) => socket.emit('cycles:unwatch'),
    handlers,
  );
}

/** Changes of one cycle (its page); events of other cycles are filtered out. */
export function watchCycle(cycleId: string, handlers: WatchHandlers): () => void {
  return watch(
    'cycle:changed',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('cycle:watch', cycleId, done),
    (socket) => socket.emit('cycle:unwatch', cycleId),
    {
      ...handlers,
      onEvent: (event) => {
        if (event.cycleId === cycleId) handlers.onEvent(event);
      },
    },
  );
}

/** The progress of every register import (the register page); leaving the page leaves the room. */
export function watchImports(handlers: WatchHandlers<ImportProgress>): () => void {
  return watch(
    'import:progress',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('imports:watch', done),
    (socket) => socket.emit('imports:unwatch'),
    handlers,
  );
}

/** Changes of one cycle's commune lists (the validation page); they travel in the cycle's room. */
export function watchLists(cycleId: string, handlers: WatchHandlers<ListsChanged>): () => void {
  return watch(
    'lists:changed',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('cycle:watch', cycleId, done),
    (socket) => socket.emit('cycle:unwatch', cycleId),
    {
      ...handlers,
      onEvent: (event) => {
        if (event.cycleId === cycleId) handlers.onEvent(event);
      },
    },
  );
}

/** Changes of one cycle's training workshops (its workshops page, its training phase). */
export function watchWorkshops(cycleId: string, handlers: WatchHandlers<WorkshopEvent>): () => void {
  return watch(
    'workshop:changed',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('workshops:watch', cycleId, done),
    (socket) => socket.emit('workshops:unwatch', cycleId),
    {
      ...handlers,
      onEvent: (event) => {
        if (event.cycleId === cycleId) handlers.onEvent(event);
      },
    },
  );
}

/** Changes of procurement cases (inbox, case page, board); the notice names ids, the API scopes what is refetched. */
export function watchProcurement(handlers: WatchHandlers<ProcurementChanged>): () => void {
  return watch(
    'procurement:changed',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('procurement:watch', done),
    (socket) => socket.emit('procurement:unwatch'),
    handlers,
  );
}
