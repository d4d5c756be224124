import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../../api/realtime/contract';
import { SOCKET_UNAUTHENTICATED } from '../../../../domain/wire';
import { sessionEnded } from '../session/session-ended';
import { connection } from './connection.svelte';

export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;


let socket: RealtimeSocket | undefined;

/**
 * The one Socket.IO connection of the console, to the API that served it (same origin), signed in by
 * the session cookie: open it only once signed in.
 */
export function realtimeSocket(): RealtimeSocket {
  if (socket) return socket;
  const created: RealtimeSocket = io({ path: '/socket.io' });
  socket = created;
  connection.status = 'connecting';
  created.on('connect', () => (connection.status = 'live'));
  created.on('disconnect', (reason) => {
    // The server drops a session's sockets when it ends (sign-out, an administrator, a role change)
    // and the client does not reconnect by itself then.
    if (reason === 'io server disconnect') {
      closeRealtime();
      void sessionEnded();
    } else if (reason !== 'io client disconnect') {
      connection.status = 'reconnecting';
    }
  });
  created.on('connect_error', (err) => {
    if (err.message === SOCKET_UNAUTHENTICATED) {
      closeRealtime();
      void sessionEnded();
    } else if (connection.status === 'live') {
      connection.status = 'reconnecting';
    }
  });
  created.io.on('reconnect_attempt', () => (connection.status = 'reconnecting'));
  return created;
}

/** Closes the connection (sign-out, session over); the next realtimeSocket() opens a new one. */
export function closeRealtime(): void {
  const closing = socket;
  socket = undefined;
  closing?.disconnect();
  closing?.removeAllListeners();
  connection.status = 'connecting';
}
