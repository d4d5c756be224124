import { LIST_RULES, type ListRule } from '../../../../domain/beneficiary-list';
import { CYCLE_RULES, isPhase, type CycleRule, type Phase } from '../../../../domain/cycle';
import { formatFcfa } from '../../../../domain/money';
import { PROCUREMENT_RULES, type ProcurementRule } from '../../../../domain/procurement';
import { ROLES, type Area, type Role } from '../../../../domain/roles';
import { ApiError } from '../api/api-error';
import { en } from './en';
import { fr, type Messages } from './fr';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const dictionaries: Record<Locale, Messages> = { fr, en };
const STORAGE_KEY = 'jigi.locale';
// Mali is on UTC+0 all year: every time is shown in UTC, whatever the browser's zone.
const TIME_ZONE = 'UTC';
const DATE_TIME: Intl.DateTimeFormatOptions = {
  timeZone: TIME_ZONE,
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
};

function formatsFor(tag: string) {
  return {
    dateTime: new Intl.DateTimeFormat(tag, DATE_TIME),
    dateTimeSeconds: new Intl.DateTimeFormat(tag, { ...DATE_TIME, second: '2-digit' }),
    date: new Intl.DateTimeFormat(tag, { timeZone: TIME_ZONE, dateStyle: 'medium' }),
    count: new Intl.NumberFormat(tag, { maximumFractionDigits: 0 }),
    percent: new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 1 }),
  };
}
// Built once per language, not on every switch.
const formats: Record<Locale, ReturnType<typeof formatsFor>> = { fr: formatsFor('fr-FR'), en: formatsFor('en-GB') };

function storedLocale(): Locale {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return (LOCALES as readonly string[]).includes(value ?? '') ? (value as Locale) : 'fr';
  } catch {
    return 'fr';
  }
}

/** The chosen language, its dictionary and its formats; French unless the user chose otherwise. */
class I18n {
  locale = $state<Locale>(storedLocale());
  m: Messages = $derived(dictionaries[this.locale]);

  #formats = $derived(formats[this.locale]);

  constructor() {
    document.documentElement.lang = this.locale;
  }

  setLocale(locale: Locale) {
    this.locale = locale;
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // Private browsing may refuse storage: the choice then lasts for this visit only.
    }
  }

  /** An ISO-8601 instant, e.g. "29 nov. 2026, 14:05". */
  dateTime(iso: string, { seconds = false } = {}): string {
    return (seconds ? this.#formats.dateTimeSeconds : this.#formats.dateTime).format(new Date(iso));
  }

  /** A YYYY-MM-DD calendar date. */
  date(isoDate: string): string {
    return this.#formats.date.format(new Date(`${isoDate}T00:00:00Z`));
  }

  fcfa(amount: number): string {
    return formatFcfa(amount, this.locale);
  }

  count(value: number): string {
    return this.#formats.count.format(value);
  }

  percent(ratio: number): string {
    return this.#formats.percent.format(ratio);
  }

  /** "Région de Mopti", "National"… */
  area(area: Area): string {
    if (area.level === 'national') return this.m.areas.national;
    return area.level === 'region' ? this.m.areas.region(area.region) : this.m.areas.commune(area.commune, area.region);
  }

  /** The area as the audit trail recorded it (domain/roles describeArea), translated when recognised. */
  recordedArea(recorded: string): string {
    const area = parseRecordedArea(recorded);
    return area ? this.area(area) : recorded;
  }

  /** Role names, unknown ones as they came (an old audit entry may name a retired role). */
  roles(roles: readonly string[]): string {
    return roles.map((role) => (isRole(role) ? this.m.roles[role] : role)).join(', ');
  }

  auditAction(action: string): string | null {
    return (this.m.audit.actions as Record<string, string>)[action] ?? null;
  }

  targetType(type: string): string {
    return (this.m.audit.targetTypes as Record<string, string>)[type] ?? type;
  }

  /** What to tell the user about a failed call: the API's own message, or that the server is unreachable. */
  errorMessage(err: unknown): string {
    if (err instanceof ApiError) {
      if (err.code === 'network') return this.m.errors.network;
      if (err.code === 'forbidden') return this.m.errors.forbidden;
      if (err.code === 'csrf_failed') return this.m.errors.csrfFailed;
      if (err.code === 'throttled') return this.m.signIn.throttled(retryMinutes(err.details));
      const procurementRule = procurementRuleOf(err.details);
      if (procurementRule) return this.m.procurementRules[procurementRule];
      const listRefusal = listRuleOf(err.details);
      if (listRefusal) return this.m.listRules[listRefusal.rule](listRefusal.commune);
      const refusal = ruleOf(err.details);
      if (refusal) return this.m.rules[refusal.rule](refusal.phase ? this.m.phases[refusal.phase] : '');
      return err.message;
    }
    return err instanceof Error ? err.message : String(err);
  }
}

export const i18n = new I18n();

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Minutes to wait, rounded up, from a throttled answer's details. */
function retryMinutes(details: unknown): number {
  const seconds = (details as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds / 60) : 1;
}

function parseRecordedArea(recorded: string): Area | null {
  if (recorded === 'national') return { level: 'national' };
  const region = /^region (.+)$/.exec(recorded);
  if (region) return { level: 'region', region: region[1]! };
  const commune = /^commune (.+) \((.+)\)$/.exec(recorded);
  return commune ? { level: 'commune', commune: commune[1]!, region: commune[2]! } : null;
}

/** A procurement case's refusal names the case beside its rule. */
function procurementRuleOf(details: unknown): ProcurementRule | null {
  if (typeof details !== 'object' || details === null) return null;
  const { rule, caseId } = details as { rule?: unknown; caseId?: unknown };
  return typeof caseId === 'string' && typeof rule === 'string' && (PROCUREMENT_RULES as readonly string[]).includes(rule) ? (rule as ProcurementRule) : null;
}

/** The rule a refusal names in its details, when the API sent one this console knows. */
function listRuleOf(details: unknown): { rule: ListRule; commune: string } | null {
  if (typeof details !== 'object' || details === null) return null;
  const { rule, commune } = details as { rule?: unknown; commune?: unknown };
  if (typeof rule !== 'string' || !(LIST_RULES as readonly string[]).includes(rule)) return null;
  return { rule: rule as ListRule, commune: typeof commune === 'string' ? commune : '' };
}

function ruleOf(details: unknown): { rule: CycleRule; phase?: Phase } | null {
  if (typeof details !== 'object' || details === null) return null;
  const { rule, phase } = details as { rule?: unknown; phase?: unknown };
  if (typeof rule !== 'string' || !(CYCLE_RULES as readonly string[]).includes(rule)) return null;
  return { rule: rule as CycleRule, ...(typeof phase === 'string' && isPhase(phase) ? { phase } : {}) };
}
