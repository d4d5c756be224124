// `npm run cluster:local`: several of everything on one machine, no Docker: one Temporal (a dev server,
// or TEMPORAL_ADDRESS), one Postgres (DATABASE_URL, or the embedded one), N workers and M API nodes on
// their own ports, and the payment-agency simulator. Every node migrates at start, all at once.
// Options: --workers 3 --apis 2 --api-port 3001 (then 3002…; 0 picks free ports) --metrics-port 9464
// (each worker takes two: its /metrics and the SDK's; 0 for none) --sim-port 4100 (0 picks one)
// --data-dir .data (the simulator's ledger, the workflow bundle, and Postgres and Temporal when started here).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeWorkflowBundle } from '../worker/create-worker';
import { createLauncher, startChild } from './stack/child-process';
import { startEmbeddedPostgres } from './stack/postgres';
import { freePort, startTemporalDevServer } from './stack/temporal-dev-server';
import { workerNodeArgs } from '../worker/heap';

/** The credential every simulated agency of the cluster is called with (its `credential_ref`). */
export const CLUSTER_AGENCY_CREDENTIAL_ENV = 'JIGI_SIM_AGENCY_CREDENTIAL';
/** The line, followed by JSON, that says the cluster is up and where each node is. */
export const CLUSTER_READY = 'cluster ready';
export interface ClusterLayout {
  apis: string[];
  workers: Array<{ pid: number; metrics: string | null }>;
  providerSim: string;
  temporalAddress: string;
  taskQueue: string | null;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => process.stdout.write(`[cluster] ${line}\n`);
const print = (line: string) => process.stdout.write(`${line}\n`);
const launcher = createLauncher(say);
const shutdown = (code: number) => launcher.shutdown(code);

/** A node of the cluster: one that dies is reported, the others go on (that is what several are for). */
async function node(name: string, script: string, env: NodeJS.ProcessEnv, readyLine: string, nodeArgs: string[] = []) {
  const started = await startChild({
    name,
    script,
    env: { JIGI_LOG_FORMAT: 'text', ...env },
    readyLine,
    nodeArgs,
    print,
    onExit: (code, signal) => {
      if (!launcher.shuttingDown) say(`${name} stopped (${signal ?? `exit ${code}`}); the other nodes go on`);
    },
  });
  launcher.children.push(started.child);
  return started;
}

async function main() {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: join(root, '.data') },
      workers: { type: 'string', default: '3' },
      apis: { type: 'string', default: '2' },
      'api-port': { type: 'string', default: '3001' },
      'metrics-port': { type: 'string', default: '9464' },
      'sim-port': { type: 'string', default: '4100' },
    },
  });
  const dataDir = values['data-dir'];
  const workerCount = Number(values.workers);
  const apiCount = Number(values.apis);
  const apiPort = Number(values['api-port']);
  const metricsPort = Number(values['metrics-port']);
  launcher.onSignals();
  await mkdir(dataDir, { recursive: true });
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'cluster-postgres'), port: Number(process.env.JIGI_POSTGRES_PORT ?? 54330), log: say });
    launcher.stops.push({ name: 'Postgres', stop: pg.stop });
    launcher.onSignals();
    databaseUrl = pg.url;
  }
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const temporal = await startTemporalDevServer({ dbFile: join(dataDir, 'cluster-temporal.db'), port: await freePort(), uiPort: false, log: say });
    launcher.stops.push({ name: 'Temporal', stop: temporal.stop });
    temporalAddress = temporal.address;
  }
  // One bundle for every worker: three webpack runs at once would take minutes and a gigabyte on two cores.
  let bundle = process.env.JIGI_WORKFLOW_BUNDLE;
  if (!bundle) {
    bundle = await writeWorkflowBundle(dataDir);
  }
  const simPort = Number(values['sim-port']) || (await freePort());
  const sim = node('provider-sim', 'scripts/provider-sim.ts', { PROVIDER_SIM_PORT: String(simPort), PROVIDER_SIM_LEDGER: join(dataDir, 'cluster-provider-sim.jsonl') }, 'provider-sim listening');
  const shared = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress };
  const workers = Array.from({ length: workerCount }, (_, i) =>
    node(`worker-${i + 1}`, 'worker/main.ts', {
      ...shared,
      JIGI_WORKFLOW_BUNDLE: bundle,
      [CLUSTER_AGENCY_CREDENTIAL_ENV]: process.env[CLUSTER_AGENCY_CREDENTIAL_ENV] ?? 'jigi-cluster',
      ...(metricsPort ? { JIGI_METRICS_PORT: String(metricsPort + 2 * i) } : {}),
    }, 'polling task queue', workerNodeArgs()),
  );
  const apiPorts = await Promise.all(Array.from({ length: apiCount }, async (_, i) => (apiPort ? apiPort + i : await freePort())));
  // Every node's console may open a socket on every node: the proxy in front of them is one origin in production.
  const origins = apiPorts.flatMap((p) => [`http://localhost:${p}`, `http://127.0.0.1:${p}`]).join(',');
  const apis = apiPorts.map((port, i) => node(`api-${String.fromCharCode(97 + i)}`, 'api/main.ts', { ...shared, PORT: String(port), ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? origins }, 'listening on'));
  const [started, simStarted] = await Promise.all([Promise.all([...workers, ...apis]), sim]);
  const layout: ClusterLayout = {
    apis: apiPorts.map((p) => `http://127.0.0.1:${p}`),
    workers: started.slice(0, workerCount).map((w, i) => ({ pid: w.child.pid!, metrics: metricsPort ? `http://127.0.0.1:${metricsPort + 2 * i}/metrics` : null })),
    providerSim: simStarted.readyLine.match(/listening on (\S+)/)![1]!,
    temporalAddress,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? null,
  };
  say(`${CLUSTER_READY} ${JSON.stringify(layout)}`);
}

// Run, not imported (tests import the layout's type and ready line).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch(async (err: unknown) => {
    say(err instanceof Error ? err.message : String(err));
    await shutdown(1);
  });
}
