import type { OverviewService, OverviewViewer } from '../services/overview';
import { areaKey, areaOfKey } from '../services/payment-figures';
import type { RealtimeServer } from './server';

/** One room per area and grievance sensitivity: each gets the overview its readers may see. */
export const overviewRoom = (viewer: OverviewViewer) => `overview:${viewer.sensitive ? 's' : 'n'}:${areaKey(viewer.area)}`;

function viewerOfRoom(room: string): OverviewViewer | null {
  const [, sensitive, ...key] = room.split(':');
  const area = areaOfKey(key.join(':'));
  return area ? { area, sensitive: sensitive === 's' } : null;
}

/**
 * Any change the overview shows (a batch of payments, a complaint, a procurement step, a workshop, a
 * cycle's phase, an AWPB expense) marks it dirty; at most one `overview:changed` a second then goes to
 * each watched room, read from the counters. A million-payment run is a few reads a second, whatever
 * the number of batches or browsers.
 */
export function streamOverview(io: RealtimeServer, service: OverviewService, options: { minIntervalMs?: number } = {}) {
  const minIntervalMs = options.minIntervalMs ?? 1_000;
  let dirty = false;
  let busy = false;
  let lastEmitAt = 0;

  async function emit() {
    busy = true;
    dirty = false;
    lastEmitAt = Date.now();
    try {
      const rooms = [...io.sockets.adapter.rooms.keys()].filter((room) => room.startsWith('overview:'));
      for (const room of rooms) {
        const viewer = viewerOfRoom(room);
        if (!viewer) continue;
        const { overview } = await service.overview(viewer, {}, { fresh: true });
        io.to(room).emit('overview:changed', overview);
      }
    } catch {
      // A failed read (database restarting) is retried on the next tick.
      dirty = true;
    } finally {
      busy = false;
    }
  }

  const tick = setInterval(
    () => {
      if (dirty && !busy && Date.now() - lastEmitAt >= minIntervalMs) void emit();
    },
    Math.min(250, minIntervalMs / 2),
  );
  tick.unref();

  return {
    noticed() {
      dirty = true;
    },
    close() {
      clearInterval(tick);
    },
  };
}
