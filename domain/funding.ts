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
