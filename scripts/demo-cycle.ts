import type { z } from '@hono/zod-openapi';
import type { CreateCycleSchema } from '../api/schemas';

/**
 * The demo cycle, from the seed press file (DOMAIN.md): the 2021 COVID-19 emergency transfer,
 * six monthly transfers of 15,000 FCFA paid at once to 1,000,000 households across 703 communes.
 * The split between World Bank AF2 and the government's PGFS is illustrative: the press file
 * names both sources without giving their shares.
 */
export const demoCycle: z.input<typeof CreateCycleSchema> = {
  name: 'Transfert monétaire d’urgence COVID-19 — 2021',
  description:
    'Six mois d’allocations (6 × 15 000 FCFA) versés en une tranche à 1 000 000 de ménages pauvres des 703 communes, ' +
    'par Orange Money, BMS et BNDA.',
  transferAmountFcfa: 90_000,
  targetHouseholds: 1_000_000,
  startsOn: '2021-01-01',
  endsOn: '2021-12-31',
  fundingSources: [
    { source: 'world-bank-af2', amountFcfa: 60_000_000_000 },
    { source: 'pgfs', amountFcfa: 30_000_000_000 },
  ],
};
