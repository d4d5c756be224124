// A household's targeting explanation in plain words, from the codes and numbers the API returns.
import type { TargetingOutcome } from '../../../../../../domain/targeting';
import type { TargetingExplanation } from '../../../../lib/api/types';
import type { Messages } from '../../../../lib/i18n/fr';

export interface ExplanationLine {
  kind: 'outcome' | 'criteria' | 'score' | 'need' | 'rank' | 'note' | 'validation';
  text: string;
  outcome?: TargetingOutcome;
}

/** Numbers with up to two decimals, in the reader's language ("64,55" in French). */
export function decimals(locale: 'fr' | 'en'): (value: number) => string {
  const format = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 2 });
  return (value) => format.format(value);
}

/** The outcome first, then each step that led to it: criteria, score, need, rank against the quota. */
export function explanationLines(e: TargetingExplanation, m: Messages['targeting'], number: (value: number) => string, statuses: Messages['lists']['statuses']): ExplanationLine[] {
  if (!e.run || !e.assessment) return [{ kind: 'note', text: m.noRunYet }];
  const lines: ExplanationLine[] = [];
  if (e.result) lines.push({ kind: 'outcome', text: m.outcomes[e.result.outcome], outcome: e.result.outcome });
  else lines.push({ kind: 'note', text: m.noResult });

  const rules = e.run.rules;
  const a = e.assessment;
  const names = (list: readonly (keyof Messages['targeting']['criteriaNames'])[]) => list.map((c) => m.criteriaNames[c]).join(', ');
  if (!a.meetsCriteria && rules.match === 'all' && a.criteriaMet.length > 0) lines.push({ kind: 'criteria', text: `${m.criteriaMet(names(a.criteriaMet))} ${m.criteriaAllMissing(names(rules.criteria))}` });
  else if (!a.meetsCriteria) lines.push({ kind: 'criteria', text: rules.match === 'all' ? m.criteriaAllMissing(names(rules.criteria)) : m.criteriaNone });
  else lines.push({ kind: 'criteria', text: m.criteriaMet(names(a.criteriaMet)) });

  const threshold = rules.maxWelfareScore === null ? null : number(rules.maxWelfareScore);
  lines.push({ kind: 'score', text: a.welfareScoreKnown ? m.scoreKnown(number(a.welfareScore), threshold) : `${m.scoreUnknown(number(a.welfareScore))} ${m.scoreKnown(number(a.welfareScore), threshold)}` });
  lines.push({ kind: 'need', text: m.need(number(a.welfareScore), number(a.sizeWeight), number(a.criterionPoints), number(a.need)) });
  if (e.result?.rank != null) {
    lines.push({ kind: 'rank', text: m.rank(number(e.result.rank), number(e.result.villageEligible ?? e.result.rank), number(e.result.villageQuota)) });
  }
  if (e.result && (e.result.village !== e.village || e.result.communeCode !== e.communeCode)) lines.push({ kind: 'note', text: m.moved(e.result.village) });
  if (e.changedSinceRun) lines.push({ kind: 'note', text: m.changed });
  const v = e.validation;
  if (v) {
    lines.push({ kind: 'validation', text: m.listStatus(statuses[v.listStatus]) });
    if (v.removedInRound !== null) lines.push({ kind: 'validation', text: m.committeeRemoved(v.removedInRound, v.reason ?? '') });
    else if (v.addedInRound !== null) lines.push({ kind: 'validation', text: m.committeeAdded(v.addedInRound, v.reason ?? '') });
  }
  if (e.frozen) lines.push({ kind: 'validation', text: m.onFrozenList });
  return lines;
}
