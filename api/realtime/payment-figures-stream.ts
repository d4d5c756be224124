import type { PaymentFigures } from '../../domain/payment-figures';
import { areaOfKey, type PaymentFiguresService } from '../services/payment-figures';
import type { RealtimeServer } from './server';

/** The room of one area's view of a cycle's payments: each scope gets its own figures. */
export const paymentsRoom = (cycleId: string, areaKey: string) => `payments:${cycleId}:${areaKey}`;

export interface FiguresStreamOptions {
  /** At most one event per cycle room this often (2 a second). */
  minIntervalMs?: number;
  /** At least one this often while payments of the cycle are in flight and batches keep landing. */
  heartbeatMs?: number;
  /** A run whose batches stopped landing this long ago no longer counts as moving. */
  quietAfterMs?: number;
}

interface CycleState {
  dirty: boolean;
  lastNoticeAt: number;
  lastEmitAt: number;
  moving: boolean;
  busy: boolean;
}

/**
 * Turns the per-batch notices of PAYMENTS_CHANNEL into at most one `payments:figures` event per cycle
 * room every half second, and one a second while a run moves (rate and time left change even between
 * batches): never one event per payment or per batch. Each room is one area's view, read from the
 * batch counters, so a run of a million payments costs a few small queries a second.
 */
export function streamPaymentFigures(io: RealtimeServer, service: PaymentFiguresService, options: FiguresStreamOptions = {}) {
  const minIntervalMs = options.minIntervalMs ?? 500;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const quietAfterMs = options.quietAfterMs ?? 30_000;
  const cycles = new Map<string, CycleState>();

  async function emit(cycleId: string, state: CycleState) {
    state.busy = true;
    state.dirty = false;
    state.lastEmitAt = Date.now();
    try {
      const prefix = paymentsRoom(cycleId, '');
      const rooms = [...io.sockets.adapter.rooms.keys()].filter((room) => room.startsWith(prefix));
      let moving = false;
      for (const room of rooms) {
        const area = areaOfKey(room.slice(prefix.length));
        if (!area) continue;
        const figures: PaymentFigures = await service.figures(cycleId, area);
        if (figures.totals.inFlight > 0) moving = true;
        io.to(room).emit('payments:figures', figures);
      }
      state.moving = moving;
    } catch {
      // A failed read (database restarting) is retried on the next tick.
      state.dirty = true;
    } finally {
      state.busy = false;
    }
  }

  const tick = setInterval(() => {
    const now = Date.now();
    for (const [cycleId, state] of cycles) {
      if (state.busy) continue;
      const quiet = now - state.lastNoticeAt > quietAfterMs;
      if (quiet && !state.dirty) {
        cycles.delete(cycleId);
        continue;
      }
      const since = now - state.lastEmitAt;
      if ((state.dirty && since >= minIntervalMs) || (state.moving && !quiet && since >= heartbeatMs)) void emit(cycleId, state);
    }
  }, Math.min(250, minIntervalMs / 2));
  tick.unref();

  return {
    /** A batch of this cycle was written. */
    noticed(cycleId: string) {
      const state = cycles.get(cycleId) ?? { dirty: false, lastNoticeAt: 0, lastEmitAt: 0, moving: true, busy: false };
      state.dirty = true;
      state.lastNoticeAt = Date.now();
      cycles.set(cycleId, state);
    },
    close() {
      clearInterval(tick);
    },
  };
}
