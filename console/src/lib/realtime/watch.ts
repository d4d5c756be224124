import type { ServerToClientEvents, WatchResult } from '../../../../api/realtime/contract';
import type { CycleEvent, GrievanceChanged, ImportProgress, ListsChanged, PaymentActionsChanged, ProcurementChanged, TargetingProgress, WorkshopEvent } from '../../../../domain/events';
import type { Overview } from '../../../../domain/overview';
import type { PaymentFigures } from '../../../../domain/payment-figures';
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

/** Rooms of one cycle and the events they carry; the joins differ, the filtering does not. */
type CycleRoomEvent = 'cycle:changed' | 'lists:changed' | 'workshop:changed' | 'targeting:progress' | 'payments:figures' | 'payments:actions';
const CYCLE_ROOMS = {
  'cycle:changed': ['cycle:watch', 'cycle:unwatch'],
  // Commune lists travel in the cycle's own room.
  'lists:changed': ['cycle:watch', 'cycle:unwatch'],
  'workshop:changed': ['workshops:watch', 'workshops:unwatch'],
  'targeting:progress': ['targeting:watch', 'targeting:unwatch'],
  // One room per area: the API sends each its own figures.
  'payments:figures': ['payments:watch', 'payments:unwatch'],
  'payments:actions': ['cycle:watch', 'cycle:unwatch'],
} as const satisfies Record<CycleRoomEvent, readonly [string, string]>;

/** One cycle's events of a kind (its pages); events of other cycles are filtered out. */
function watchCycleRoom<K extends CycleRoomEvent>(event: K, cycleId: string, handlers: WatchHandlers<Parameters<ServerToClientEvents[K]>[0]>): () => void {
  const [join, leave] = CYCLE_ROOMS[event];
  return watch(
    event,
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit(join, cycleId, done),
    (socket) => socket.emit(leave, cycleId),
    {
      ...handlers,
      onEvent: (payload) => {
        if (payload.cycleId === cycleId) handlers.onEvent(payload);
      },
    },
  );
}

/** Changes of one cycle (its page). */
export const watchCycle = (cycleId: string, handlers: WatchHandlers) => watchCycleRoom('cycle:changed', cycleId, handlers);

/** The progress of every register import (the register page); leaving the page leaves the room. */
export function watchImports(handlers: WatchHandlers<ImportProgress>): () => void {
  return watch(
    'import:progress',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('imports:watch', done),
    (socket) => socket.emit('imports:unwatch'),
    handlers,
  );
}

/** Changes of one cycle's commune lists (the validation page). */
export const watchLists = (cycleId: string, handlers: WatchHandlers<ListsChanged>) => watchCycleRoom('lists:changed', cycleId, handlers);

/** Changes of one cycle's training workshops (its workshops page, its training phase). */
export const watchWorkshops = (cycleId: string, handlers: WatchHandlers<WorkshopEvent>) => watchCycleRoom('workshop:changed', cycleId, handlers);

/** The eligibility runs of one cycle (its targeting page); leaving the page leaves the room. */
export const watchTargeting = (cycleId: string, handlers: WatchHandlers<TargetingProgress>) => watchCycleRoom('targeting:progress', cycleId, handlers);

/** A cycle's payment figures, at most twice a second and once a second while a run moves (its payments pages). */
export const watchPaymentFigures = (cycleId: string, handlers: WatchHandlers<PaymentFigures>) => watchCycleRoom('payments:figures', cycleId, handlers);

/** Operators' actions on a cycle's payments asked, applied, approved or rejected (its failed-payments page). */
export const watchPaymentActions = (cycleId: string, handlers: WatchHandlers<PaymentActionsChanged>) => watchCycleRoom('payments:actions', cycleId, handlers);

/** Changes of procurement cases (inbox, case page, board); the notice names ids, the API scopes what is refetched. */
export function watchProcurement(handlers: WatchHandlers<ProcurementChanged>): () => void {
  return watch(
    'procurement:changed',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('procurement:watch', done),
    (socket) => socket.emit('procurement:unwatch'),
    handlers,
  );
}

/** Grievance cases of the user's area (the list, a case page, the payment operators' approvals). */
export function watchGrievances(handlers: WatchHandlers<GrievanceChanged>): () => void {
  return watch(
    'grievance:changed',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('grievances:watch', done),
    (socket) => socket.emit('grievances:unwatch'),
    handlers,
  );
}

/** The overview of the user's area, at most once a second (the overview page). */
export function watchOverview(handlers: WatchHandlers<Overview>): () => void {
  return watch(
    'overview:changed',
    (socket, done) => socket.timeout(ACK_TIMEOUT_MS).emit('overview:watch', done),
    (socket) => socket.emit('overview:unwatch'),
    handlers,
  );
}
