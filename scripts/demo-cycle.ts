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

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Prepares the current step of a case with what its kind needs; the second officer approves it, or records the funder's no-objection. */
async function advanceStep(preparer: Call, approver: Call, caseId: string, approve = true) {
  const { body } = await preparer('GET', `/api/procurement/cases/${caseId}`);
  const step = body.steps[body.case.currentIndex];
  const data =
    step.kind === 'call'
      ? { bidDeadline: new Date(Date.now() + 2000).toISOString() }
      : step.kind === 'bids'
        ? { bidders: ['Orange Money', 'BNDA', 'BMS'] }
        : step.kind === 'contract'
          ? { contract: { agency: 'Orange Money', amountFcfa: 1_250_000_000, feesFcfa: 25_000_000 } }
          : undefined;
  const submitted = await preparer('POST', `/api/procurement/cases/${caseId}/prepare`, { kind: 'submit', comment: step.label.fr, documents: [`${step.key}-2021.pdf`], ...(data ? { data } : {}) });
  if (submitted.status !== 200) throw new Error(`submitting ${step.key} failed: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  if (!approve) return;
  const second =
    step.kind === 'no-objection'
      ? await approver('POST', `/api/procurement/cases/${caseId}/prepare`, { kind: 'record-no-objection', granted: true, reference: `BM/NO/2021/${step.key}` })
      : await approver('POST', `/api/procurement/cases/${caseId}/review`, { kind: 'approve', comment: 'Vu et approuvé' });
  if (second.status !== 200) throw new Error(`approving ${step.key} failed: ${second.status} ${JSON.stringify(second.body)}`);
  // A published call holds its step until the bid deadline.
  for (let tries = 0; step.kind === 'call' && tries < 50; tries++) {
    if ((await preparer('GET', `/api/procurement/cases/${caseId}`)).body.case.currentIndex > body.case.currentIndex) break;
    await pause(200);
  }
}

/**
 * The demo cycle's procurement (DOMAIN.md): the south's payment agency mobilised, the centre and the
 * north behind and soon late (the 2020 delays), and an NGO for Mopti's accompanying measures just started.
 */
/**
 * The emergency chain of the demo: the World Bank request for proposals with deadlines in minutes, so
 * that the centre and the north turn late, then escalate, while someone watches the console.
 */
export const DEMO_EMERGENCY_CHAIN = 'wb-rfp-urgence-demo';

export async function seedDemoProcurement(officer: Call, secondOfficer: Call, admin: Call, cycleId: string) {
  const templates = (await admin('GET', '/api/procurement/templates')).body.templates as Array<{ key: string; steps: Array<Record<string, unknown>> }>;
  const rfp = templates.find((t) => t.key === 'wb-rfp')!;
  const minutes = rfp.steps.map((s, i) => ({ ...s, deadlineSeconds: 120 + 60 * i, escalationSeconds: 180 }));
  const chain = await admin('PUT', `/api/procurement/templates/${DEMO_EMERGENCY_CHAIN}`, {
    name: { fr: 'Demande de propositions — procédure d’urgence (démo : délais en minutes)', en: 'Request for proposals — emergency procedure (demo: deadlines in minutes)' },
    steps: minutes,
  });
  if (chain.status !== 200) throw new Error(`saving the demo chain failed: ${chain.status} ${JSON.stringify(chain.body)}`);
  const open = async (title: string, kind: 'payment-agency' | 'ngo', templateKey: string, regions: string[]) => {
    const created = await officer('POST', '/api/procurement/cases', { cycleId, kind, title, templateKey, lot: regions.map((region) => ({ level: 'region', region })) });
    if (created.status !== 201) throw new Error(`opening "${title}" failed: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.case.id as string;
    for (let tries = 0; tries < 50 && !(await officer('GET', `/api/procurement/cases/${id}`)).body.steps?.length; tries++) await pause(200);
    return id;
  };
  const south = await open('Agence de paiement — lot Sud', 'payment-agency', 'rfq', ['KAY', 'KOU', 'SIK', 'BKO']);
  for (let i = 0; i < 5; i++) await advanceStep(officer, secondOfficer, south);
  const centre = await open('Agence de paiement — lot Centre', 'payment-agency', DEMO_EMERGENCY_CHAIN, ['SEG', 'MOP']);
  for (let i = 0; i < 2; i++) await advanceStep(officer, secondOfficer, centre);
  await advanceStep(officer, secondOfficer, centre, false);
  const north = await open('Agence de paiement — lot Nord', 'payment-agency', DEMO_EMERGENCY_CHAIN, ['TOM', 'GAO', 'KID']);
  await advanceStep(officer, secondOfficer, north, false);
  await open('ONG — mesures d’accompagnement, Mopti', 'ngo', 'rfq', ['MOP']);
}
