// A second demo cycle, already in targeting: a generated register imported, eligibility run, commune
// lists sent and a few approved, so the targeting and validation pages have something to show.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from '@hono/zod-openapi';
import type { CreateCycleSchema } from '../api/schemas';
import { REGISTER_UPLOAD_PATH } from '../domain/wire';

type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

const REGISTER_HOUSEHOLDS = 20_000;

export const demoPilotCycle: z.input<typeof CreateCycleSchema> = {
  name: 'Cycle pilote — registre de démonstration',
  description: 'Un registre synthétique de 20 000 ménages, ciblé pour 8 000 transferts : listes communales en cours de validation.',
  transferAmountFcfa: 90_000,
  targetHouseholds: 8_000,
  fundingSources: [{ source: 'world-bank-af2', amountFcfa: 720_000_000 }],
  // The demo's workshops are those of the main cycle: this one does not wait for them.
  settings: { trainingGateWaived: true },
};

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`demo: ${what} took longer than ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function expectStatus(answer: { status: number; body: unknown }, expected: number, what: string) {
  if (answer.status !== expected) throw new Error(`demo: ${what} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** Generates and imports the register, then runs the pilot cycle through eligibility into validation. */
export async function seedDemoTargeting(call: Call, workDir: string, say: (line: string) => void) {
  const file = join(workDir, 'demo-rsu.csv');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/gen-rsu.ts', '--households', String(REGISTER_HOUSEHOLDS), '--out', file, '--seed', '2021'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gen:rsu exited with ${code}`))));
  });
  const query = new URLSearchParams({ fileName: 'rsu-demo.csv', format: 'csv', kind: 'initial' });
  const upload = await call('POST', `${REGISTER_UPLOAD_PATH}?${query}`, await readFile(file, 'utf8'), { 'content-type': 'text/csv' });
  expectStatus(upload, 202, 'uploading the demo register');
  const imported = await until('the demo register import', async () => {
    const { body } = await call('GET', `/api/register/imports/${upload.body.import.id}`);
    return body.import?.status === 'completed' || body.import?.status === 'failed' ? body.import : null;
  });
  say(`demo register imported: ${imported.rowsAccepted.toLocaleString('en')} households, ${imported.rowsRejected} rows refused (deliberate defects)`);

  const created = await call('POST', '/api/cycles', demoPilotCycle);
  expectStatus(created, 201, 'creating the pilot cycle');
  const id = created.body.cycle.id as string;
  await until('the pilot cycle to start', async () => ((await call('GET', `/api/cycles/${id}`)).body.cycle?.currentPhase === 'training' ? true : null));
  expectStatus(await call('POST', `/api/cycles/${id}/phases/training/complete`, { comment: 'Formation commune avec le cycle principal' }), 200, 'closing the pilot training');
  expectStatus(await call('POST', `/api/cycles/${id}/targeting/runs`, {}), 202, 'starting eligibility');
  const run = await until('the eligibility run', async () => {
    const { body } = await call('GET', `/api/cycles/${id}/targeting`);
    return body.targeting?.run?.status === 'completed' || body.targeting?.run?.status === 'failed' ? body.targeting.run : null;
  });
  say(`pilot eligibility: ${run.eligible?.toLocaleString('en')} eligible, ${run.selected?.toLocaleString('en')} selected for ${demoPilotCycle.targetHouseholds.toLocaleString('en')}`);

  expectStatus(await call('POST', `/api/cycles/${id}/lists/send`), 200, 'sending the commune lists');
  // A few Kayes communes have held their assemblies and committees already.
  const kayes = await call('GET', `/api/cycles/${id}/lists/regions/KAY`);
  const meetings = { assemblyOn: '2021-02-15', assemblyAttendees: 140, committeeOn: '2021-02-18', comment: 'Liste lue et validée en assemblée villageoise.' };
  for (const list of (kayes.body.lists ?? []).slice(0, 6)) {
    expectStatus(await call('POST', `/api/cycles/${id}/lists/communes/${list.commune}/decision`, { decision: 'approve', meetings }), 200, `approving ${list.commune}`);
  }
  say('pilot commune lists sent for validation; six Kayes lists approved');
}
