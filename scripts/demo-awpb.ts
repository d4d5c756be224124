// The AWPB of 2020 and 2021 as the steering committee reviewed them (DOMAIN.md): demo data and the
// figures the overview's tests are checked against.
import type { Database } from '../db/client';
import { awpbExpenses, awpbForecasts } from '../db/schema';
import type { FundingSource } from '../domain/funding';
import type { AwpbComponent } from '../domain/overview';

/**
 * Totals from the press file: 15.545 billion FCFA forecast for 2020, 2.659 billion achieved by
 * 30 September 2020 (17.11 %), 19.386 billion for 2021. How they split by component, funding source
 * and region is illustrative: the press file gives totals only.
 */
export const AWPB_2020_FORECAST_FCFA = 15_545_000_000;
export const AWPB_2020_ACHIEVED_30_SEPT_FCFA = 2_659_000_000;
export const AWPB_2021_FORECAST_FCFA = 19_386_000_000;

/** The eight regions of the 2020 register, weighted by their RSU households (15 April 2020). */
const RSU_REGIONS: ReadonlyArray<readonly [string, number]> = [
  ['KAY', 31_530],
  ['KOU', 44_237],
  ['SIK', 93_928],
  ['SEG', 49_801],
  ['MOP', 66_069],
  ['TOM', 15_392],
  ['GAO', 18_646],
  ['KID', 1_764],
];

type Split = ReadonlyArray<readonly [FundingSource, number]>;
interface ComponentPlan {
  component: AwpbComponent;
  amountFcfa: number;
  sources: Split;
  /** Spread over the regions by RSU households, or one national line. */
  regional: boolean;
}

/** How each component is financed and spread (illustrative shares), then each year's amounts. */
const FINANCING: Array<Omit<ComponentPlan, 'amountFcfa'>> = [
  { component: 'cash-transfers', sources: [['world-bank-af2', 55], ['pgfs', 35], ['afd', 10]], regional: true },
  { component: 'accompanying-measures', sources: [['world-bank-af2', 50], ['wfp', 30], ['unicef', 20]], regional: true },
  { component: 'public-works', sources: [['world-bank-af2', 70], ['pdazam', 30]], regional: true },
  { component: 'register', sources: [['world-bank-af2', 60], ['afd', 40]], regional: true },
  { component: 'monitoring', sources: [['world-bank-af2', 100]], regional: false },
];
const plan = (amounts: Record<AwpbComponent, number>): ComponentPlan[] => FINANCING.map((f) => ({ ...f, amountFcfa: amounts[f.component] }));
const PLAN_2020 = plan({ 'cash-transfers': 9_800_000_000, 'accompanying-measures': 2_300_000_000, 'public-works': 1_600_000_000, register: 1_200_000_000, monitoring: 645_000_000 });
const PLAN_2021 = plan({ 'cash-transfers': 12_400_000_000, 'accompanying-measures': 2_900_000_000, 'public-works': 1_900_000_000, register: 1_450_000_000, monitoring: 736_000_000 });

/** Splits a whole amount by weights, largest remainder first, so the parts sum exactly to it. */
export function splitFcfa(amountFcfa: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (amountFcfa * w) / total);
  const parts = exact.map(Math.floor);
  let left = amountFcfa - parts.reduce((s, p) => s + p, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

interface ForecastLine {
  year: number;
  component: AwpbComponent;
  fundingSource: FundingSource;
  regionCode: string | null;
  amountFcfa: number;
}

function forecastLines(year: number, plan: readonly ComponentPlan[]): ForecastLine[] {
  return plan.flatMap((p): ForecastLine[] => {
    const bySource = splitFcfa(
      p.amountFcfa,
      p.sources.map(([, w]) => w),
    );
    return p.sources.flatMap(([fundingSource], i): ForecastLine[] => {
      if (!p.regional) return [{ year, component: p.component, fundingSource, regionCode: null, amountFcfa: bySource[i]! }];
      const byRegion = splitFcfa(
        bySource[i]!,
        RSU_REGIONS.map(([, w]) => w),
      );
      return RSU_REGIONS.map(([regionCode], r) => ({ year, component: p.component, fundingSource, regionCode, amountFcfa: byRegion[r]! }));
    });
  });
}

/** What was spent by 30 September 2020, by the finance unit's statement; the south paid, the centre and north waited on agencies. */
export const DEMO_EXPENSES_2020: Array<{ component: AwpbComponent; fundingSource: FundingSource; regionCode: string | null; amountFcfa: number; spentOn: string; description: string }> = [
  { component: 'cash-transfers', fundingSource: 'world-bank-af2', regionCode: 'KAY', amountFcfa: 310_000_000, spentOn: '2020-03-20', description: 'Transferts réguliers T1 (avant Jigi), relevé RAF' },
  { component: 'cash-transfers', fundingSource: 'world-bank-af2', regionCode: 'KOU', amountFcfa: 420_000_000, spentOn: '2020-03-20', description: 'Transferts réguliers T1 (avant Jigi), relevé RAF' },
  { component: 'cash-transfers', fundingSource: 'world-bank-af2', regionCode: 'SIK', amountFcfa: 760_000_000, spentOn: '2020-06-19', description: 'Transferts réguliers T2 (avant Jigi), relevé RAF' },
  { component: 'cash-transfers', fundingSource: 'pgfs', regionCode: 'SEG', amountFcfa: 410_000_000, spentOn: '2020-06-19', description: 'Transferts réguliers T2 (avant Jigi), relevé RAF' },
  { component: 'accompanying-measures', fundingSource: 'wfp', regionCode: 'MOP', amountFcfa: 180_000_000, spentOn: '2020-08-14', description: 'Nutrition et sensibilisation (PAM)' },
  { component: 'public-works', fundingSource: 'world-bank-af2', regionCode: 'SEG', amountFcfa: 260_000_000, spentOn: '2020-05-29', description: 'HIMO : travaux communautaires engagés' },
  { component: 'register', fundingSource: 'world-bank-af2', regionCode: null, amountFcfa: 214_000_000, spentOn: '2020-07-24', description: 'Ateliers régionaux et formation des formateurs RSU Covid-Lite (21–24 juillet)' },
  { component: 'monitoring', fundingSource: 'world-bank-af2', regionCode: null, amountFcfa: 105_000_000, spentOn: '2020-09-30', description: 'Enquêtes et études, audit' },
];

export const demoAwpb = () => ({
  forecasts: [...forecastLines(2020, PLAN_2020), ...forecastLines(2021, PLAN_2021)],
  expenses: DEMO_EXPENSES_2020,
});

/** Loads the demo AWPB once: a line already there is kept as it is. */
export async function seedDemoAwpb(database: Database, by = 'demo'): Promise<{ forecasts: number; expenses: number }> {
  const { forecasts, expenses } = demoAwpb();
  const inserted = await database.db
    .insert(awpbForecasts)
    .values(forecasts.map((f) => ({ ...f, updatedBy: by })))
    .onConflictDoNothing()
    .returning({ id: awpbForecasts.id });
  // Expenses have no natural key: they are loaded only with a fresh forecast.
  if (inserted.length > 0) await database.db.insert(awpbExpenses).values(expenses.map((e) => ({ ...e, recordedBy: by })));
  return { forecasts: inserted.length, expenses: inserted.length > 0 ? expenses.length : 0 };
}
