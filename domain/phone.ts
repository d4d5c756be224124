import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** A phone number in international (E.164) form as the phone-number library reads it, or null when it is not valid. */
export function normalizePhoneWithLibrary(raw: string): string | null {
  const parsed = parsePhoneNumberFromString(raw, 'ML');
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * First digits of Malian national numbers the library accepts. Asked of the library itself, so a new
 * metadata release moves the fast path with it (test/unit/mali-phone.test.ts checks both agree).
 */
const VALID_FIRST_DIGIT = Array.from({ length: 10 }, (_, d) => normalizePhoneWithLibrary(`${d}0000000`) !== null && normalizePhoneWithLibrary(`${d}9999999`) !== null);

/** The eight national digits of "76 54 48 21", "76544821", "+22376544821" or "00223 76 54 48 21", else null. */
function malianDigits(raw: string): string | null {
  const prefix = raw.startsWith('+223') ? 4 : raw.startsWith('00223') ? 5 : 0;
  const rest = prefix === 0 ? raw : raw.slice(prefix);
  const digits = rest.includes(' ') ? rest.replaceAll(' ', '') : rest;
  if (digits.length !== 8) return null;
  for (let i = 0; i < 8; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return digits;
}

/**
 * The phone number in E.164, or null when it is not valid. Nearly every register phone is a Malian
 * mobile in one of four spellings: those take a fast path (the library costs microseconds a call,
 * a million times an import); anything else, and every refusal, is the library's answer.
 */
export function normalizePhone(raw: string): string | null {
  const digits = malianDigits(raw);
  if (digits !== null && VALID_FIRST_DIGIT[digits.charCodeAt(0) - 48]) return `+223${digits}`;
  return normalizePhoneWithLibrary(raw);
}
