import type { Database } from '../../db/client';
import { readPaymentFigures } from '../../db/payment-figures';
import { RATE_WINDOW_MS, secondsLeft, settledOf, settledRate, type PaymentFigures } from '../../domain/payment-figures';
import type { Area } from '../../domain/roles';

/** The key of an area's view of a cycle: also the suffix of its Socket.IO room. */
export function areaKey(area: Area): string {
  if (area.level === 'national') return 'national';
  return area.level === 'region' ? `region:${area.region}` : `commune:${area.region}:${area.commune}`;
}

export function areaOfKey(key: string): Area | null {
  if (key === 'national') return { level: 'national' };
  const [level, region, commune] = key.split(':');
  if (level === 'region' && region) return { level: 'region', region };
  if (level === 'commune' && region && commune) return { level: 'commune', region, commune };
  return null;
}

/** Views not read for this long are forgotten. */
const FORGET_AFTER_MS = 5 * 60_000;

/**
 * Reads a cycle's figures for an area and measures the rate of payments from the successive reads
 * (the stream reads each watched view every second while a run moves), so every API node keeps its
 * own samples in memory: nothing is stored per second.
 */
export function createPaymentFiguresService({ database }: { database: Database }) {
  const samples = new Map<string, Array<{ at: number; settled: number }>>();

  function sample(key: string, at: number, settled: number): number | null {
    for (const [k, list] of samples) if (at - list.at(-1)!.at > FORGET_AFTER_MS) samples.delete(k);
    const list = samples.get(key) ?? [];
    list.push({ at, settled });
    while (list.length > 2 && list[1]!.at < at - RATE_WINDOW_MS) list.shift();
    samples.set(key, list);
    return settledRate(list);
  }

  return {
    async figures(cycleId: string, area: Area): Promise<PaymentFigures> {
      const figures = await readPaymentFigures(database.sql, cycleId, area);
      const rate = sample(`${cycleId}|${areaKey(area)}`, Date.now(), settledOf(figures.totals));
      return { ...figures, ratePerSecond: rate, secondsLeft: secondsLeft(figures.totals.inFlight, rate) };
    },
  };
}

export type PaymentFiguresService = ReturnType<typeof createPaymentFiguresService>;
