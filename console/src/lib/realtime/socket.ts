import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../../api/realtime/contract';
import { connection } from './connection.svelte';

export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: RealtimeSocket | undefined;

/** The one Socket.IO connection of the console, to the API that served it (same origin). */
export function realtimeSocket(): RealtimeSocket {
  if (socket) return socket;
  socket = io({ path: '/socket.io' });
  socket.on('connect', () => (connection.status = 'live'));
  socket.on('disconnect', () => (connection.status = 'reconnecting'));
  socket.on('connect_error', () => {
    if (connection.status === 'live') connection.status = 'reconnecting';
  });
  socket.io.on('reconnect_attempt', () => (connection.status = 'reconnecting'));
  return socket;
}
