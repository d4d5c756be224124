// Funding sources named in the program's own documents (DOMAIN.md).
export const FUNDING_SOURCES = [
  'world-bank-af2',
  'pgfs',
  'afd',
  'pdazam',
  'wfp',
  'unicef',
  'fao',
] as const;
export type FundingSource = (typeof FUNDING_SOURCES)[number];

/** The sources' names in French, as the program's documents write them (console and reports). */
export const FUNDING_SOURCE_NAMES_FR: Record<FundingSource, string> = {
  'world-bank-af2': 'Banque mondiale – FA2',
  pgfs: 'PGFS (État)',
  afd: 'AFD',
  pdazam: 'PDAZAM',
  wfp: 'PAM',
  unicef: 'UNICEF',
  fao: 'FAO',
};
