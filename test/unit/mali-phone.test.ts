import { describe, expect, it } from 'vitest';
import { normalizePhone, normalizePhoneWithLibrary } from '../../activities/register/mali-phone';

/** Deterministic, so a failure names a number that fails again. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

const digits = (next: () => number, n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
const spaced = (d: string) => d.replace(/(\d{2})(?=\d)/g, '$1 ');

describe('normalizePhone (fast path for Malian numbers)', () => {
  it('gives the phone-number library’s answer on every two-digit prefix, in every spelling the register uses', () => {
    const next = rng(2020);
    const spellings: string[] = [];
    for (let prefix = 0; prefix < 100; prefix++) {
      for (let k = 0; k < 40; k++) {
        const national = String(prefix).padStart(2, '0') + digits(next, 6);
        spellings.push(national, spaced(national), `+223${national}`, `+223 ${spaced(national)}`, `00223 ${spaced(national)}`, `00223${national}`);
      }
    }
    let fast = 0;
    for (const raw of spellings) {
      expect(normalizePhone(raw), raw).toBe(normalizePhoneWithLibrary(raw));
      if (normalizePhone(raw) !== null) fast += 1;
    }
    expect(fast).toBeGreaterThan(spellings.length / 2);
  });

  it('leaves every other shape to the library and agrees with it', () => {
    const next = rng(7);
    const odd: string[] = ['12', '', '+', '+223', '00223', '7654482', '765448211', '+33612345678', '+33 6 12 34 56 78', '+2237654482a', '76-54-48-21', '(76) 54 48 21', '76.54.48.21', '０７６５４４８２１', '+224 62 12 34 56', '0022376544821', '223 76 54 48 21', '+223  76544821', ' 76544821'];
    for (let k = 0; k < 3_000; k++) {
      const n = 1 + Math.floor(next() * 12);
      const d = digits(next, n);
      const cut = Math.floor(next() * n);
      odd.push(d, `+${d}`, `00${d}`, `${d.slice(0, cut)} ${d.slice(cut)}`, `+223${d}`, `0${d}`);
    }
    for (const raw of odd) expect(normalizePhone(raw), JSON.stringify(raw)).toBe(normalizePhoneWithLibrary(raw));
  });
});
