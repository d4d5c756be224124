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

/**
 * The demo cycle's information and training-of-trainers workshops (DOMAIN.md): 21 to 24 July 2020,
 * chaired by each governor in the region's main town. Participant numbers are illustrative (the press
 * file gives none); the northern regions have not reported yet, so the console shows them late.
 */
export const demoWorkshops: Array<{
  region: string;
  place: string;
  plannedParticipants: number;
  report?: { actualParticipants: number; trainersTrained: number; notes: string };
}> = [
  { region: 'KAY', place: 'Kayes', plannedParticipants: 60, report: { actualParticipants: 57, trainersTrained: 32, notes: 'Préfets, maires et agents RSU formés à RSU Covid-Lite.' } },
  { region: 'KOU', place: 'Koulikoro', plannedParticipants: 60, report: { actualParticipants: 61, trainersTrained: 30, notes: 'Deux maires représentés par leurs adjoints.' } },
  { region: 'SIK', place: 'Sikasso', plannedParticipants: 70, report: { actualParticipants: 66, trainersTrained: 36, notes: 'Démonstration de la collecte sur tablette.' } },
  { region: 'SEG', place: 'Ségou', plannedParticipants: 60, report: { actualParticipants: 55, trainersTrained: 31, notes: '' } },
  { region: 'MOP', place: 'Mopti', plannedParticipants: 55, report: { actualParticipants: 48, trainersTrained: 27, notes: 'Participants de Bandiagara et Douentza absents (insécurité).' } },
  { region: 'TOM', place: 'Tombouctou', plannedParticipants: 40 },
  { region: 'GAO', place: 'Gao', plannedParticipants: 40 },
  { region: 'KID', place: 'Kidal', plannedParticipants: 25 },
];

/** Plans the demo workshops through the API, as the coordination unit would, and records the reports received. */
export async function seedDemoWorkshops(call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>, cycleId: string) {
  for (let tries = 0; tries < 50; tries++) {
    if ((await call('GET', `/api/cycles/${cycleId}`)).body.cycle?.currentPhase === 'training') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Every workshop planned before any report: the last planned report completes the training phase.
  for (const w of demoWorkshops) {
    const plan = { chair: `Gouverneur de la région de ${w.place}`, place: w.place, plannedStart: '2020-07-21', plannedEnd: '2020-07-24', plannedParticipants: w.plannedParticipants };
    const planned = await call('PUT', `/api/cycles/${cycleId}/workshops/${w.region}`, plan);
    if (planned.status !== 201 && planned.status !== 200) throw new Error(`planning the ${w.place} workshop failed: ${planned.status} ${JSON.stringify(planned.body)}`);
  }
  for (const w of demoWorkshops) {
    if (!w.report) continue;
    const { notes, ...counts } = w.report;
    const reported = await call('POST', `/api/cycles/${cycleId}/workshops/${w.region}/report`, { ...counts, ...(notes ? { notes } : {}) });
    if (reported.status !== 200) throw new Error(`reporting the ${w.place} workshop failed: ${reported.status} ${JSON.stringify(reported.body)}`);
  }
}
