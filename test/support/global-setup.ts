import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { prepareDatabase } from '../../db/migrate';
import { dropDatabase, ensureDatabase, startEmbeddedPostgres } from '../../scripts/stack/postgres';
import { freePort, startTemporalDevServer } from '../../scripts/stack/temporal-dev-server';
import { bundleWorkflows } from '../../worker/create-worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    postgresAdminUrl: string;
    templateDatabase: string;
    runId: string;
    workflowBundlePath: string;
  }
}

const log = (line: string) => process.stderr.write(`[test-setup] ${line}\n`);

/**
 * Starts what the whole run shares: Temporal (a fresh in-memory dev server unless TEMPORAL_ADDRESS
 * is set), Postgres (DATABASE_URL's server, else an embedded one), a migrated template database
 * that each test file copies, and the workflow bundle built once.
 */
export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<void>> = [];
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const workDir = await mkdtemp(join(tmpdir(), 'jigi-test-'));
  stops.push(() => rm(workDir, { recursive: true, force: true }));

  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  } else {
    const pg = await startEmbeddedPostgres({ dataDir: join(process.cwd(), '.data', 'test-postgres'), port: await freePort(), log });
    stops.push(pg.stop);
    const url = new URL(pg.url);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  }

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  const temporalStart = temporalAddress
    ? Promise.resolve()
    : startTemporalDevServer({ uiPort: false, log }).then((server) => {
        temporalAddress = server.address;
        stops.push(server.stop);
      });

  const templateDatabase = `jigi_test_${runId}_template`;
  const [bundle] = await Promise.all([
    bundleWorkflows(),
    temporalStart,
    ensureDatabase(adminUrl, templateDatabase).then((url) => prepareDatabase(url)),
  ]);
  const workflowBundlePath = join(workDir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', temporalAddress!);
  project.provide('postgresAdminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runId', runId);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await dropDatabase(adminUrl, templateDatabase).catch((err) => log(`could not drop ${templateDatabase}: ${err}`));
    for (const stop of stops.reverse()) await stop().catch((err) => log(`teardown: ${err}`));
  };
}
