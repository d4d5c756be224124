// Personal data is masked by default; only the last digits help an officer match a record.

/** "•••• 4821": the last four digits of a national ID (NINA) or phone number. */
export function maskIdentifier(value: string | null | undefined): string | null {
  if (!value) return null;
  const digits = value.replace(/\D/g, '');
  return `•••• ${digits.slice(-4).padStart(4, '•')}`;
}
