import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { parse as parseCookie } from 'hono/utils/cookie';
import { Server } from 'socket.io';
import type { CycleEvent } from '../../domain/events';
import {
  CONTROL_CHANNEL,
  EVENTS_CHANNEL,
  IMPORTS_CHANNEL,
  LISTS_CHANNEL,
  PAYMENT_ACTIONS_CHANNEL,
  TARGETING_CHANNEL,
  PROCUREMENT_CHANNEL,
  GRIEVANCE_CHANNEL,
  WORKSHOPS_CHANNEL,
  type GrievanceChanged,
  type ControlMessage,
  type ImportProgress,
  type ListsChanged,
  type PaymentActionsChanged,
  type TargetingProgress,
  type ProcurementChanged,
  type WorkshopEvent,
} from '../../domain/events';
import { can } from '../../domain/policy';
import type { Area } from '../../domain/roles';
import type { Database } from '../../db/client';
import { principalOf, type SessionStore } from '../auth/session-store';
import { SESSION_COOKIE, SOCKET_UNAUTHENTICATED } from '../../domain/wire';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from './contract';
import { isUuid } from '../../domain/ids';
import { PAYMENTS_CHANNEL, type PaymentsChanged } from '../../domain/payments';
import { areaKey, type PaymentFiguresService } from '../services/payment-figures';
import { paymentsRoom, streamPaymentFigures, type FiguresStreamOptions } from './payment-figures-stream';
import { OVERVIEW_CHANNEL } from '../../domain/overview';
import { viewerOf, type OverviewService } from '../services/overview';
import { overviewRoom, streamOverview } from './overview-stream';

const ALL_CYCLES_ROOM = 'cycles';
const IMPORTS_ROOM = 'imports';
const PROCUREMENT_ROOM = 'procurement';
const cycleRoom = (cycleId: string) => `cycle:${cycleId}`;
const workshopsRoom = (cycleId: string) => `workshops:${cycleId}`;
const targetingRoom = (cycleId: string) => `targeting:${cycleId}`;
/** One room per area and sensitivity: a notice goes to the rooms of the areas that contain its commune. */
const grievanceRoom = (area: Area, sensitive: boolean) =>
  `grievances${sensitive ? '-sensitive' : ''}:${area.level === 'national' ? 'national' : area.level === 'region' ? `region:${area.region}` : `commune:${area.region}:${area.commune}`}`;
const grievanceRoomsOf = (change: GrievanceChanged) =>
  ([{ level: 'national' }, { level: 'region', region: change.region }, { level: 'commune', region: change.region, commune: change.commune }] as Area[]).map((area) => grievanceRoom(area, change.sensitive === true));
const sessionRoom = (sessionId: string) => `session:${sessionId}`;
const userRoom = (userId: string) => `user:${userId}`;
/** How often open sockets are checked against their sessions (idle or absolute expiry). */
const SESSION_SWEEP_MS = 30_000;

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface RealtimeOptions {
  database: Database;
  sessions: SessionStore;
  /** Origins a browser may open a socket from; a request with another Origin is refused. */
  allowedOrigins: () => readonly string[];
  paymentFigures: PaymentFiguresService;
  /** How often figures are streamed (defaults: at most twice a second, once a second while a run moves). */
  figuresStream?: FiguresStreamOptions;
  overview: OverviewService;
  /** At most one overview a room this often (default a second). */
  overviewIntervalMs?: number;
}

/**
 * Socket.IO on the API's own HTTP server. Every API node LISTENs to Postgres and emits to its own
 * sockets, so a change recorded by any worker reaches every console with no Socket.IO adapter.
 * The handshake signs in with the session cookie; rooms are granted by the same policy as the API.
 */
export async function attachRealtime(httpServer: HttpServer, { database, sessions, allowedOrigins, paymentFigures, figuresStream, overview, overviewIntervalMs }: RealtimeOptions) {
  const io: RealtimeServer = new Server(httpServer, {
    serveClient: false,
    // WebSockets escape CORS: without this check any site could open one with the user's cookie.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      const allowed = origin === undefined || allowedOrigins().includes(origin);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });

  io.use(async (socket, next) => {
    const token = sessionToken(socket.request);
    const resolved = token ? await sessions.resolve(token).catch(() => null) : null;
    if (!resolved?.complete) return next(new Error(SOCKET_UNAUTHENTICATED));
    socket.data.principal = principalOf(resolved.user);
    socket.data.sessionId = resolved.session.id;
    await socket.join([sessionRoom(resolved.session.id), userRoom(resolved.user.id)]);
    next();
  });

  io.on('connection', (socket) => {
    const mayRead = () => can(socket.data.principal, 'cycle.read');
    socket.on('cycles:watch', async (ack) => {
      if (typeof ack !== 'function') return;
      if (!mayRead()) return ack({ ok: false, error: 'Not allowed to read cycles' });
      await socket.join(ALL_CYCLES_ROOM);
      ack({ ok: true });
    });
    socket.on('cycles:unwatch', async () => {
      await socket.leave(ALL_CYCLES_ROOM);
    });
    socket.on('cycle:watch', async (cycleId, ack) => {
      if (typeof ack !== 'function') return;
      if (!isUuid(cycleId)) return ack({ ok: false, error: 'Unknown cycle id' });
      if (!mayRead()) return ack({ ok: false, error: 'Not allowed to read cycles' });
      await socket.join(cycleRoom(cycleId));
      ack({ ok: true });
    });
    socket.on('imports:watch', async (ack) => {
      if (typeof ack !== 'function') return;
      if (!can(socket.data.principal, 'register.read')) return ack({ ok: false, error: 'Not allowed to read the register' });
      await socket.join(IMPORTS_ROOM);
      ack({ ok: true });
    });
    socket.on('imports:unwatch', async () => {
      await socket.leave(IMPORTS_ROOM);
    });
    socket.on('targeting:watch', async (cycleId, ack) => {
      if (typeof ack !== 'function') return;
      if (!isUuid(cycleId)) return ack({ ok: false, error: 'Unknown cycle id' });
      if (!can(socket.data.principal, 'targeting.read')) return ack({ ok: false, error: 'Not allowed to read targeting' });
      await socket.join(targetingRoom(cycleId));
      ack({ ok: true });
    });
    socket.on('targeting:unwatch', async (cycleId) => {
      if (typeof cycleId === 'string') await socket.leave(targetingRoom(cycleId));
    });
    socket.on('cycle:unwatch', async (cycleId) => {
      if (typeof cycleId === 'string') await socket.leave(cycleRoom(cycleId));
    });
    socket.on('workshops:watch', async (cycleId, ack) => {
      if (typeof ack !== 'function') return;
      if (!isUuid(cycleId)) return ack({ ok: false, error: 'Unknown cycle id' });
      if (!mayRead()) return ack({ ok: false, error: 'Not allowed to read cycles' });
      await socket.join(workshopsRoom(cycleId));
      ack({ ok: true });
    });
    socket.on('workshops:unwatch', async (cycleId) => {
      if (typeof cycleId === 'string') await socket.leave(workshopsRoom(cycleId));
    });
    socket.on('procurement:watch', async (ack) => {
      if (typeof ack !== 'function') return;
      if (!can(socket.data.principal, 'procurement.read')) return ack({ ok: false, error: 'Not allowed to read procurement' });
      await socket.join(PROCUREMENT_ROOM);
      ack({ ok: true });
    });
    socket.on('procurement:unwatch', async () => {
      await socket.leave(PROCUREMENT_ROOM);
    });
    socket.on('grievances:watch', async (ack) => {
      if (typeof ack !== 'function') return;
      const principal = socket.data.principal;
      if (!can(principal, 'grievance.read')) return ack({ ok: false, error: 'Not allowed to read grievances' });
      await socket.join([grievanceRoom(principal.area, false), ...(can(principal, 'grievance.read-sensitive') ? [grievanceRoom(principal.area, true)] : [])]);
      ack({ ok: true });
    });
    socket.on('grievances:unwatch', async () => {
      const principal = socket.data.principal;
      await socket.leave(grievanceRoom(principal.area, false));
      await socket.leave(grievanceRoom(principal.area, true));
    });
    socket.on('payments:watch', async (cycleId, ack) => {
      if (typeof ack !== 'function') return;
      if (!isUuid(cycleId)) return ack({ ok: false, error: 'Unknown cycle id' });
      if (!can(socket.data.principal, 'payments.read')) return ack({ ok: false, error: 'Not allowed to read payments' });
      // One room per area: a regional user receives their region's figures, never the nation's.
      await socket.join(paymentsRoom(cycleId, areaKey(socket.data.principal.area)));
      ack({ ok: true });
    });
    socket.on('payments:unwatch', async (cycleId) => {
      if (typeof cycleId === 'string') await socket.leave(paymentsRoom(cycleId, areaKey(socket.data.principal.area)));
    });
    socket.on('overview:watch', async (ack) => {
      if (typeof ack !== 'function') return;
      if (!can(socket.data.principal, 'overview.read')) return ack({ ok: false, error: 'Not allowed to read the overview' });
      await socket.join(overviewRoom(viewerOf(socket.data.principal)));
      ack({ ok: true });
    });
    socket.on('overview:unwatch', async () => {
      await socket.leave(overviewRoom(viewerOf(socket.data.principal)));
    });
  });

  const figures = streamPaymentFigures(io, paymentFigures, figuresStream);
  const overviewStream = streamOverview(io, overview, { minIntervalMs: overviewIntervalMs ?? 1_000 });
  // NOTIFY is only delivered after commit, so what is emitted here is always durable.
  const events = await database.sql.listen(EVENTS_CHANNEL, (payload) => {
    const event = parseJson<CycleEvent>(payload);
    if (event) io.to(ALL_CYCLES_ROOM).to(cycleRoom(event.cycleId)).emit('cycle:changed', event);
    overviewStream.noticed();
  });
  const imports = await database.sql.listen(IMPORTS_CHANNEL, (payload) => {
    const progress = parseJson<ImportProgress>(payload);
    if (progress) io.to(IMPORTS_ROOM).emit('import:progress', progress);
  });
  const lists = await database.sql.listen(LISTS_CHANNEL, (payload) => {
    const change = parseJson<ListsChanged>(payload);
    if (change) io.to(cycleRoom(change.cycleId)).emit('lists:changed', change);
    overviewStream.noticed();
  });
  const paymentActions = await database.sql.listen(PAYMENT_ACTIONS_CHANNEL, (payload) => {
    const change = parseJson<PaymentActionsChanged>(payload);
    if (!change) return;
    io.to(cycleRoom(change.cycleId)).emit('payments:actions', change);
    // An applied action moved payments: their figures go out with the next tick.
    if (isUuid(change.cycleId)) figures.noticed(change.cycleId);
    overviewStream.noticed();
  });
  const workshopChanges = await database.sql.listen(WORKSHOPS_CHANNEL, (payload) => {
    const event = parseJson<WorkshopEvent>(payload);
    if (event) io.to(workshopsRoom(event.cycleId)).emit('workshop:changed', event);
    overviewStream.noticed();
  });
  const targeting = await database.sql.listen(TARGETING_CHANNEL, (payload) => {
    const progress = parseJson<TargetingProgress>(payload);
    if (progress) io.to(targetingRoom(progress.cycleId)).emit('targeting:progress', progress);
    if (progress?.status === 'completed') overviewStream.noticed();
  });
  const procurement = await database.sql.listen(PROCUREMENT_CHANNEL, (payload) => {
    const change = parseJson<ProcurementChanged>(payload);
    if (change) io.to(PROCUREMENT_ROOM).emit('procurement:changed', change);
    overviewStream.noticed();
  });
  const grievances = await database.sql.listen(GRIEVANCE_CHANNEL, (payload) => {
    const change = parseJson<GrievanceChanged>(payload);
    if (change) io.to(grievanceRoomsOf(change)).emit('grievance:changed', change);
    overviewStream.noticed();
  });
  const paymentNotices = await database.sql.listen(PAYMENTS_CHANNEL, (payload) => {
    const change = parseJson<PaymentsChanged>(payload);
    if (change && isUuid(change.cycleId)) figures.noticed(change.cycleId);
    overviewStream.noticed();
  });
  // Changes only the overview shows (AWPB expenses).
  const overviewNotices = await database.sql.listen(OVERVIEW_CHANNEL, () => overviewStream.noticed());
  // Sign-out, an administrator ending a session or changing roles: drop those sockets on every node.
  const control = await database.sql.listen(CONTROL_CHANNEL, (payload) => {
    const message = parseJson<ControlMessage>(payload);
    if (message?.type === 'session-revoked') io.in(sessionRoom(message.sessionId)).disconnectSockets(true);
    if (message?.type === 'user-access-changed') io.in(userRoom(message.userId)).disconnectSockets(true);
  });
  const sweep = setInterval(() => void dropEndedSessions(io, sessions), SESSION_SWEEP_MS);
  sweep.unref();

  return {
    io,
    async close() {
      clearInterval(sweep);
      await events.unlisten();
      await imports.unlisten();
      await lists.unlisten();
      await paymentActions.unlisten();
      await workshopChanges.unlisten();
      await targeting.unlisten();
      await procurement.unlisten();
      await grievances.unlisten();
      await paymentNotices.unlisten();
      figures.close();
      await overviewNotices.unlisten();
      overviewStream.close();
      await control.unlisten();
      await io.close();
    },
  };
}

async function dropEndedSessions(io: RealtimeServer, sessions: SessionStore) {
  const open = [...new Set([...io.sockets.sockets.values()].map((s) => s.data.sessionId))];
  for (const sessionId of await sessions.ended(open).catch(() => [])) io.in(sessionRoom(sessionId)).disconnectSockets(true);
}

function sessionToken(request: IncomingMessage): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookie(header, SESSION_COOKIE)[SESSION_COOKIE] : undefined;
}

function parseJson<T>(payload: string): T | null {
  try {
    return JSON.parse(payload) as T;
  } catch {
    return null;
  }
}
