import { describe, expect, it } from 'vitest';
import { decimals, explanationLines } from '../../console/src/routes/cycles/[id]/ciblage/explanation';
import { en } from '../../console/src/lib/i18n/en';
import { fr } from '../../console/src/lib/i18n/fr';
import type { TargetingExplanation } from '../../console/src/lib/api/types';
import { assessHousehold, DEFAULT_TARGETING_RULES, TARGETING_CRITERIA, TARGETING_OUTCOMES, TARGETING_RUN_STEPS } from '../../domain/targeting';

function explanation(overrides: Partial<TargetingExplanation> = {}): TargetingExplanation {
  const household = { householdSize: 3, foodInsecure: false, covidCase: false, covidHit: true, welfareScore: 30 };
  return {
    rsuId: 'RSU-0000000102',
    regionCode: 'KAY',
    communeCode: 'KAY-001',
    communeName: 'Commune de Bafoulabé',
    village: 'Alpha',
    household,
    run: { id: 'run', finishedAt: '2026-11-29T10:00:00Z', rules: DEFAULT_TARGETING_RULES },
    result: { outcome: 'beyond-quota', eligible: true, need: 80, rank: 3, villageQuota: 2, villageEligible: 4, selected: false, communeCode: 'KAY-001', village: 'Alpha' },
    assessment: assessHousehold(DEFAULT_TARGETING_RULES, household),
    changedSinceRun: false,
    validation: null,
    frozen: false,
    ...overrides,
  };
}

describe('targeting explanation in words', () => {
  it('has French and English words for every outcome, criterion and step', () => {
    for (const m of [fr.targeting, en.targeting]) {
      for (const o of TARGETING_OUTCOMES) expect(m.outcomes[o]).toBeTruthy();
      for (const c of TARGETING_CRITERIA) expect(m.criteriaNames[c]).toBeTruthy();
      for (const s of TARGETING_RUN_STEPS) expect(m.steps[s]).toBeTruthy();
    }
  });

  it('says, in French, why an eligible household beyond its village quota is out', () => {
    const lines = explanationLines(explanation(), fr.targeting, decimals('fr'), fr.lists.statuses).map((l) => l.text);
    expect(lines).toEqual([
      'Non retenu : éligible, mais au-delà du quota du village',
      'Critères remplis : Activités fortement touchées par la COVID-19.',
      'Score de bien-être : 30, pour un seuil de 60.',
      'Besoin : (100 − 30) × 1 + 10 = 80.',
      'Rang 3 sur 4 ménages éligibles du village, pour un quota de 2.',
    ]);
  });

  it('says, in English, that a score was assumed and that the register changed since the run', () => {
    const household = { householdSize: 5, foodInsecure: false, covidCase: true, covidHit: false, welfareScore: null };
    const e = explanation({ household, assessment: assessHousehold(DEFAULT_TARGETING_RULES, household), changedSinceRun: true });
    const lines = explanationLines(e, en.targeting, decimals('en'), en.lists.statuses).map((l) => l.text);
    expect(lines).toContain('No welfare score in the register: the rules assume 50. Welfare score: 50, against a threshold of 60.');
    expect(lines).toContain('Need: (100 − 50) × 1.1 + 15 = 70.');
    expect(lines.at(-1)).toBe(en.targeting.changed);
  });

  it('says a household was not part of the run, or that nothing was computed yet', () => {
    expect(explanationLines(explanation({ result: null }), fr.targeting, decimals('fr'), fr.lists.statuses)[0]!.text).toBe(fr.targeting.noResult);
    expect(explanationLines(explanation({ run: null, assessment: null }), fr.targeting, decimals('fr'), fr.lists.statuses)).toEqual([{ kind: 'note', text: fr.targeting.noRunYet }]);
  });

  it('says what the commune committee did and whether the household is on the frozen list', () => {
    const removed = explanationLines(
      explanation({ validation: { listStatus: 'approved', onList: false, addedInRound: null, removedInRound: 1, reason: 'A quitté le village' } }),
      fr.targeting,
      decimals('fr'),
      fr.lists.statuses,
    ).map((l) => l.text);
    expect(removed.slice(-2)).toEqual(['Liste de la commune : Approuvée.', 'Retiré par le comité communal (tour 1) : A quitté le village.']);
    const added = explanationLines(
      explanation({ validation: { listStatus: 'approved', onList: true, addedInRound: 2, removedInRound: null, reason: 'Oublié' }, frozen: true }),
      en.targeting,
      decimals('en'),
      en.lists.statuses,
    ).map((l) => l.text);
    expect(added.slice(-3)).toEqual(['Commune list: Approved.', 'Added by the commune committee (round 2): Oublié.', 'On the cycle’s frozen beneficiary list.']);
  });
});
