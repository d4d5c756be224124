// Live disbursement figures as the console shows them: counts and amounts (integer FCFA), per area.
import type { Area } from './roles';

/** Payments and their amounts by where they stand: paid (confirmed and after), failed, in flight (pending, submitted, ambiguous), cancelled. */
export interface PaymentCounts {
  payments: number;
  amountFcfa: number;
  paid: number;
  paidFcfa: number;
  failed: number;
  failedFcfa: number;
  inFlight: number;
  inFlightFcfa: number;
  cancelled: number;
  cancelledFcfa: number;
}

export interface PaymentFiguresRow extends PaymentCounts {
  /** Region code, agency id or funding source. */
  key: string;
  name: string;
}

export interface FundingSourceFigures extends PaymentFiguresRow {
  /** The source's budget line for the cycle; null for an area (the budget is national). */
  budgetFcfa: number | null;
  /** Reserved by the released lists in view. */
  reservedFcfa: number;
  executionRate: number | null;
}

export interface PaymentFigures {
  cycleId: string;
  /** Whose view: a regional user's figures cover their region only. */
  area: Area;
  at: string;
  totals: PaymentCounts;
  /** The cycle's budget (sum of its funding sources); null for an area. */
  budgetFcfa: number | null;
  reservedFcfa: number;
  /** Disbursed ÷ the cycle's budget (an area: ÷ what its released lists reserved); null with no budget. */
  executionRate: number | null;
  byRegion: PaymentFiguresRow[];
  byAgency: PaymentFiguresRow[];
  byFundingSource: FundingSourceFigures[];
  /** Payments settled (paid or failed) a second, over the last seconds; null until two samples. */
  ratePerSecond: number | null;
  /** In flight ÷ rate; null when nothing moves. */
  secondsLeft: number | null;
}

/** Payments settled so far: what the rate is measured on. */
export const settledOf = (c: PaymentCounts) => c.paid + c.failed + c.cancelled;

/** The window over which the rate of payments is measured. */
export const RATE_WINDOW_MS = 10_000;

/**
 * Rate of settled payments from samples (time in ms, settled count), oldest first, over the window
 * ending at the last sample. Pure: the caller keeps the samples and reads the clock.
 */
export function settledRate(samples: ReadonlyArray<{ at: number; settled: number }>, windowMs = RATE_WINDOW_MS): number | null {
  const last = samples.at(-1);
  if (!last) return null;
  const first = samples.find((s) => s.at >= last.at - windowMs);
  if (!first || first === last || last.at - first.at < 250) return null;
  return Math.max(0, ((last.settled - first.settled) * 1000) / (last.at - first.at));
}

export function secondsLeft(inFlight: number, ratePerSecond: number | null): number | null {
  if (inFlight === 0) return 0;
  if (!ratePerSecond || ratePerSecond <= 0) return null;
  return Math.ceil(inFlight / ratePerSecond);
}
