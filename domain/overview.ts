// The coordination unit's overview and the steering committee's report: one shape, read by both.
import type { CycleStatus, Phase, PhaseStatus } from './cycle';
import type { GrievanceCategory } from './grievances';
import type { FundingSource } from './funding';
import type { Area } from './roles';

/** Components of the annual work plan and budget (AWPB, French PTBA). */
export const AWPB_COMPONENTS = ['cash-transfers', 'accompanying-measures', 'public-works', 'register', 'monitoring'] as const;
export type AwpbComponent = (typeof AWPB_COMPONENTS)[number];

/** Components in French, as the AWPB names them (console and reports). */
export const AWPB_COMPONENT_NAMES_FR: Record<AwpbComponent, string> = {
  'cash-transfers': 'Transferts monétaires',
  'accompanying-measures': 'Mesures d’accompagnement',
  'public-works': 'Travaux publics HIMO',
  register: 'Registre social unifié',
  monitoring: 'Suivi-évaluation',
};

/** Confirmed payments of the ledger are achievements of this component. */
export const LEDGER_COMPONENT: AwpbComponent = 'cash-transfers';

/** Achievements ÷ forecast; null without a forecast. Never stored: always computed from the two. */
export function executionRate(achievedFcfa: number, forecastFcfa: number | null): number | null {
  return forecastFcfa && forecastFcfa > 0 ? achievedFcfa / forecastFcfa : null;
}

/** "17,11 %" / "17.11%": two decimals, as the committee reads it. */
export function formatRate(rate: number | null, locale: 'fr' | 'en' = 'fr'): string {
  if (rate === null) return '—';
  const n = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(rate * 100);
  return locale === 'fr' ? `${n}\u00a0%` : `${n}%`;
}

/** Forecast, achievements (ledger + recorded expenses) and the rate, for one line of a breakdown. */
export interface BudgetLine {
  key: string;
  forecastFcfa: number;
  /** Confirmed payments of the ledger (cash transfers only). */
  ledgerFcfa: number;
  /** Expenses recorded against the AWPB. */
  expensesFcfa: number;
  achievedFcfa: number;
  executionRate: number | null;
}

export interface BudgetFigures {
  year: number;
  /** Achievements count up to this day (inclusive). */
  asOf: string;
  total: BudgetLine;
  byComponent: BudgetLine[];
  byFundingSource: BudgetLine[];
  byRegion: BudgetLine[];
}

/** Households of the open cycles at each step, and what was paid. */
export interface HouseholdFigures {
  targeted: number;
  validated: number;
  paid: number;
  failed: number;
  inFlight: number;
  disbursedFcfa: number;
}

export interface RegionFigures extends HouseholdFigures {
  code: string;
  name: string;
  /** Paid ÷ targeted, 0..1; null when nothing is targeted. */
  progress: number | null;
}

export interface OverviewCycle {
  id: string;
  name: string;
  status: CycleStatus;
  targetHouseholds: number;
  startsOn: string | null;
  endsOn: string | null;
  phases: Array<{ phase: Phase; status: PhaseStatus; startedAt: string | null; completedAt: string | null }>;
}

/** The tables of the steering committee's report, each also a CSV. */
export const REPORT_TABLES = ['components', 'funding-sources', 'regions', 'disbursed-by-day', 'procurement-delays', 'grievances'] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

export const ALERT_KINDS = ['workshop-late', 'procurement-late', 'payments-failed', 'grievances-late'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Something stuck, with where it is acted on (a console path). */
export interface OverviewAlert {
  kind: AlertKind;
  cycleId: string | null;
  cycleName: string | null;
  /** Region code, or the case's title for procurement. */
  subject: string;
  count: number;
  /** Since when, ISO-8601, when known. */
  since: string | null;
  href: string;
}

export interface DayFigures {
  day: string;
  payments: number;
  amountFcfa: number;
  cumulativeFcfa: number;
}

export interface ProcurementDelay {
  caseId: string;
  cycleId: string;
  title: string;
  step: string;
  stepLabel: { fr: string; en: string };
  deadlineAt: string | null;
  escalated: boolean;
  daysLate: number;
}

export interface GrievanceSummary {
  total: number;
  open: number;
  late: number;
  byCategory: Array<{ category: GrievanceCategory; cases: number; open: number }>;
}

/** One line of a year's AWPB: what a component is forecast to cost a funding source, in a region or nationally (null). */
export interface AwpbForecastLine {
  component: AwpbComponent;
  fundingSource: FundingSource;
  regionCode: string | null;
  amountFcfa: number;
}

/** A year's AWPB as its editor reads it: `updatedAt` is what a replacement names as the plan it started from. */
export interface AwpbForecastPlan {
  year: number;
  lines: AwpbForecastLine[];
  updatedAt: string | null;
  updatedBy: string | null;
  /** Every year with a plan on record, newest first. */
  years: number[];
  /** The regions a line may name. */
  regions: Array<{ code: string; name: string }>;
}

/** The key that makes a forecast line one of a kind within its year. */
export const forecastLineKey = (l: Pick<AwpbForecastLine, 'component' | 'fundingSource' | 'regionCode'>) => `${l.component}|${l.fundingSource}|${l.regionCode ?? ''}`;

export interface Overview {
  area: Area;
  at: string;
  asOf: string;
  year: number;
  cycles: OverviewCycle[];
  households: HouseholdFigures;
  budget: BudgetFigures;
  regions: RegionFigures[];
  disbursedByDay: DayFigures[];
  grievances: GrievanceSummary;
  procurementDelays: ProcurementDelay[];
  alerts: OverviewAlert[];
  /** The threshold of the failed-payments alert (share of a region's settled payments). */
  failedShareThreshold: number;
}

/** Postgres channel for changes only the overview shows (AWPB expenses); its other sources have channels of their own. */
export const OVERVIEW_CHANNEL = 'jigi_overview';

/** A region's failed payments alert when more than this share of its settled payments failed. */
export const DEFAULT_FAILED_SHARE_THRESHOLD = 0.05;

/** Partners see aggregates only: no people, no alerts' links into the console. */
export type PartnerFigures = Pick<Overview, 'at' | 'asOf' | 'year' | 'budget' | 'regions' | 'disbursedByDay'> & {
  households: HouseholdFigures;
  cycles: Array<Pick<OverviewCycle, 'id' | 'name' | 'status' | 'targetHouseholds'>>;
};
