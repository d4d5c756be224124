import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { CycleEvent } from '../../domain/events';
import { EVENTS_CHANNEL } from '../../domain/events';
import type { Database } from '../../db/client';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from './contract';

const ALL_CYCLES_ROOM = 'cycles';
const cycleRoom = (cycleId: string) => `cycle:${cycleId}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * Socket.IO on the API's own HTTP server. Every API node LISTENs to Postgres and emits to its own
 * sockets, so a change recorded by any worker reaches every console with no Socket.IO adapter.
 */
export async function attachRealtime(httpServer: HttpServer, database: Database) {
  const io: RealtimeServer = new Server(httpServer, { serveClient: false });

  io.on('connection', (socket) => {
    socket.data.actor = 'coordination.demo';
    socket.on('cycles:watch', async (ack) => {
      await socket.join(ALL_CYCLES_ROOM);
      if (typeof ack === 'function') ack({ ok: true });
    });
    socket.on('cycles:unwatch', async () => {
      await socket.leave(ALL_CYCLES_ROOM);
    });
    socket.on('cycle:watch', async (cycleId, ack) => {
      if (typeof ack !== 'function') return;
      if (typeof cycleId !== 'string' || !UUID.test(cycleId)) return ack({ ok: false, error: 'Unknown cycle id' });
      await socket.join(cycleRoom(cycleId));
      ack({ ok: true });
    });
    socket.on('cycle:unwatch', async (cycleId) => {
      if (typeof cycleId === 'string') await socket.leave(cycleRoom(cycleId));
    });
  });

  // NOTIFY is only delivered after commit, so what is emitted here is always durable.
  const listener = await database.sql.listen(EVENTS_CHANNEL, (payload) => {
    let event: CycleEvent;
    try {
      event = JSON.parse(payload) as CycleEvent;
    } catch {
      return;
    }
    io.to(ALL_CYCLES_ROOM).to(cycleRoom(event.cycleId)).emit('cycle:changed', event);
  });

  return {
    io,
    async close() {
      await listener.unlisten();
      await io.close();
    },
  };
}
