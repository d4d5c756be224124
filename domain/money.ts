// Money is a whole number of FCFA: the franc CFA has no minor unit.

export type Fcfa = number;

export const MONTHLY_TRANSFER_FCFA: Fcfa = 15_000;

export function isFcfa(value: number): value is Fcfa {
  return Number.isSafeInteger(value) && value >= 0;
}

export function multiplyFcfa(amount: Fcfa, count: number): Fcfa {
  const total = amount * count;
  if (!Number.isSafeInteger(total)) throw new RangeError(`FCFA total out of range: ${amount} × ${count}`);
  return total;
}

export function sumFcfa(amounts: readonly Fcfa[]): Fcfa {
  return amounts.reduce((sum, amount) => {
    const next = sum + amount;
    if (!Number.isSafeInteger(next)) throw new RangeError('FCFA total out of range');
    return next;
  }, 0);
}

/** "90 000 FCFA" in French, "90,000 FCFA" in English. */
export function formatFcfa(amount: Fcfa, locale: 'fr' | 'en' = 'fr'): string {
  return `${new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-US', { maximumFractionDigits: 0 }).format(amount)} FCFA`;
}
