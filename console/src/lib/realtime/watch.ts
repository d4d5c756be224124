import type { WatchResult } from '../../../../api/realtime/contract';
import type { CycleEvent } from '../../../../domain/events';
import { realtimeSocket, type RealtimeSocket } from './socket';

const ACK_TIMEOUT_MS = 5_000;

export interface WatchHandlers {
  /** A change pushed by the API. */
  onEvent: (event: CycleEvent) => void;
  /** Joined the room, on the first connection and after every reconnection: read the state again now. */
  onJoined: () => void;
  /** The API refused to watch. */
  onRefused?: (error: string) => void;
}

type Join = (socket: RealtimeSocket, done: (err: Error | null, result?: WatchResult) => void) => void;

/**
 * Joins a room on every 'connect': rooms do not survive a reconnection, and events sent while
 * disconnected are lost, so each join is followed by a refetch (onJoined).
 */
function watch(join: Join, handlers: WatchHandlers): () => void {
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
  socket.on('cycle:changed', handlers.onEvent);
  if (socket.connected) joinRoom();
  return () => {
    stopped = true;
    socket.off('connect', joinRoom);
    socket.off('cycle:changed', handlers.onEvent);
  };
}

/** Changes of every cycle (the list); leaving the list leaves the room. */
export function watchCycles(handlers: WatchHandlers): () => void {
  const stop = watch((socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('cycles:watch', done), handlers);
  return () => {
    stop();
    const socket = realtimeSocket();
    if (socket.connected) socket.emit('cycles:unwatch');
  };
}

/** Changes of one cycle (its page); events of other cycles are filtered out. */
export function watchCycle(cycleId: string, handlers: WatchHandlers): () => void {
  const stop = watch((socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('cycle:watch', cycleId, done), {
    ...handlers,
    onEvent: (event) => {
      if (event.cycleId === cycleId) handlers.onEvent(event);
    },
  });
  return () => {
    stop();
    const socket = realtimeSocket();
    if (socket.connected) socket.emit('cycle:unwatch', cycleId);
  };
}
