// `npm start`: provisions Temporal and Postgres, migrates, starts worker + API + console, seeds the demo.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '../db/client';
import { prepareDatabase } from '../db/migrate';
import { signIn } from './api-session';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, seedDemoUsers } from './demo-users';
import { seedDemoAwpb } from './demo-awpb';
import { demoCycle, seedDemoProcurement, seedDemoWorkshops } from './demo-cycle';
import { seedDemoTargeting } from './demo-targeting';
import { createLauncher, startChild } from './stack/child-process';
import { consoleBuildDir, ensureConsoleBuilt } from './stack/console-build';
import { startEmbeddedPostgres } from './stack/postgres';
import { startTemporalDevServer } from './stack/temporal-dev-server';
import { workerNodeArgs } from '../worker/heap';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = join(root, '.data');
const port = Number(process.env.PORT ?? 3000);

const say = (line: string) => process.stdout.write(`[jigi] ${line}\n`);
// Ctrl-C reaches every process of the terminal's group: what the servers say while stopping is noise.
const sayUnlessStopping = (line: string) => {
  if (!launcher.shuttingDown) say(line);
};
const launcher = createLauncher(say);
const { children, stops } = launcher;
const shutdown = (code: number) => launcher.shutdown(code);
const onSignals = () => launcher.onSignals();

/** A long-running child whose lines are prefixed, and which takes the launcher down if it dies. */
async function startChildOf(name: string, script: string, env: NodeJS.ProcessEnv, readyLine: string, nodeArgs: string[] = []): Promise<ChildProcess> {
  const { child } = await startChild({
    name,
    script,
    env,
    readyLine,
    nodeArgs,
    print: (line) => process.stdout.write(`${line}\n`),
    onExit: (code, signal) => {
      if (launcher.shuttingDown) return;
      say(`${name} stopped unexpectedly (${signal ?? `exit ${code}`}); shutting everything down.`);
      void shutdown(1);
    },
  });
  children.push(child);
  return child;
}

/** The demo cycle goes in through the API, as its coordinator would create it. */
async function seedDemoCycle(apiUrl: string) {
  const coordinator = await signIn(apiUrl, 'coordination', DEMO_PASSWORD, DEMO_TOTP_SECRET);
  const list = await coordinator.call('GET', '/api/cycles');
  if (list.body.cycles.length === 0) {
    const created = await coordinator.call('POST', '/api/cycles', demoCycle);
    if (created.status !== 201) throw new Error(`seeding the demo cycle failed: ${created.status} ${JSON.stringify(created.body)}`);
    say(`demo cycle created: ${demoCycle.name}`);
    await seedDemoWorkshops(coordinator.call, created.body.cycle.id);
    say('demo training workshops planned (21–24 July 2020), five reports recorded');
    const procurement = await Promise.all(['passation', 'passation-2', 'admin-demo'].map((username) => signIn(apiUrl, username, DEMO_PASSWORD, DEMO_TOTP_SECRET)));
    const [officer, secondOfficer, admin] = procurement;
    await seedDemoProcurement(officer!.call, secondOfficer!.call, admin!.call, created.body.cycle.id);
    say('demo procurement: the south’s payment agency mobilised, the centre and the north behind (late within minutes), an NGO for Mopti');
    await Promise.all(procurement.map((s) => s.call('POST', '/api/auth/logout')));
    await seedDemoTargeting(coordinator.call, dataDir, say);
  }
  await coordinator.call('POST', '/api/auth/logout');
}

async function main() {
  onSignals();
  await ensureConsoleBuilt(say);

  let databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    say(`Postgres: using DATABASE_URL`);
  } else {
    const pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: Number(process.env.JIGI_POSTGRES_PORT ?? 54329), log: sayUnlessStopping });
    stops.push({ name: 'Postgres', stop: pg.stop });
    onSignals();
    databaseUrl = pg.url;
    say(`Postgres: embedded, data in .data/postgres`);
  }

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (temporalAddress) {
    say(`Temporal: using ${temporalAddress}`);
  } else {
    const temporal = await startTemporalDevServer({
      dbFile: join(dataDir, 'temporal.db'),
      port: Number(process.env.JIGI_TEMPORAL_PORT ?? 7233),
      uiPort: Number(process.env.JIGI_TEMPORAL_UI_PORT ?? 8233),
      log: sayUnlessStopping,
    });
    stops.push({ name: 'Temporal', stop: temporal.stop });
    temporalAddress = temporal.address;
    say(`Temporal: dev server at ${temporalAddress} (state in .data/temporal.db; Web UI ${temporal.uiUrl ?? 'off'})`);
  }

  const geography = await prepareDatabase(databaseUrl);
  say(`database migrated; geography: ${geography.regions} regions, ${geography.communes} communes, ${geography.villages} villages`);
  const demo = process.env.JIGI_DEMO !== '0';
  if (demo) {
    const database = createDatabase(databaseUrl, { max: 1 });
    await seedDemoUsers(database, say)
      .then(() => seedDemoAwpb(database))
      .then((awpb) => awpb.forecasts > 0 && say(`demo AWPB 2020 and 2021: ${awpb.forecasts} forecast lines, ${awpb.expenses} expenses to 30 September 2020`))
      .finally(() => database.close());
  }

  // A terminal reads the children's lines: text, not the JSON a deployment's log collector takes.
  const env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, JIGI_LOG_FORMAT: process.env.JIGI_LOG_FORMAT ?? 'text' };
  // The demo's payment agency: a simulator on its own ledger in .data, as `npm run provider-sim` runs it.
  const providerSim = {
    PROVIDER_SIM_PORT: process.env.JIGI_PROVIDER_SIM_PORT ?? '4100',
    PROVIDER_SIM_LEDGER: join(dataDir, 'provider-sim.jsonl'),
  };
  await Promise.all([
    ...(demo ? [startChildOf('provider-sim', 'scripts/provider-sim.ts', providerSim, 'provider-sim listening')] : []),
    startChildOf('worker', 'worker/main.ts', env, 'polling task queue', workerNodeArgs()),
    startChildOf('api', 'api/main.ts', { ...env, PORT: String(port), CONSOLE_DIR: consoleBuildDir }, 'listening on'),
  ]);
  const url = `http://localhost:${port}`;
  if (demo) await seedDemoCycle(url);
  say(`ready: ${url}  (Ctrl-C stops everything)`);
}

main().catch(async (err: unknown) => {
  say(err instanceof Error ? err.message : String(err));
  await shutdown(1);
});
