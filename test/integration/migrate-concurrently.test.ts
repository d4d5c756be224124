import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import postgres from 'postgres';
import { MIGRATION_LOCK_KEY } from '../../db/migrate';
import { dropDatabase, ensureDatabase } from '../../scripts/stack/postgres';

const name = `jigi_test_${inject('runId')}_migrate_race`;
afterAll(() => dropDatabase(inject('postgresAdminUrl'), name));

/** `npm run db:migrate` as a node runs it at start: its own process, its own connection. */
function migrator(url: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'db/migrate.ts'], { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

const waitersOnLock = (sql: postgres.Sql) => sql<Array<{ n: number }>>`
  select count(*)::int as n from pg_locks
  where locktype = 'advisory' and not granted
    and classid = ${Number(MIGRATION_LOCK_KEY >> 32n)}::oid and objid = ${Number(MIGRATION_LOCK_KEY & 0xffffffffn)}::oid`;

describe('migrations on several nodes at once', () => {
  it('two nodes starting together on an empty database both start, and each migration is applied once', { timeout: 60_000 }, async () => {
    const url = await ensureDatabase(inject('postgresAdminUrl'), name);
    const journal = JSON.parse(await readFile('db/migrations/meta/_journal.json', 'utf8')) as { entries: unknown[] };
    const holder = postgres(url, { max: 1, onnotice: () => {} });
    try {
      // Hold the lock so both nodes are surely waiting on it together, then let them race.
      await holder`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
      const nodes = [migrator(url), migrator(url)];
      const deadline = Date.now() + 30_000;
      while ((await waitersOnLock(holder))[0]!.n < 2) {
        if (Date.now() > deadline) throw new Error('the two migrators never both waited on the migration lock');
        await new Promise((r) => setTimeout(r, 100));
      }
      await holder`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
      const results = await Promise.all(nodes);
      for (const result of results) expect(result, result.output).toMatchObject({ code: 0 });

      const applied = await holder<Array<{ hash: string }>>`select hash from drizzle.__drizzle_migrations`;
      expect(applied).toHaveLength(journal.entries.length);
      expect(new Set(applied.map((r) => r.hash)).size).toBe(journal.entries.length);
      // The reference data loaded under the same lock, once.
      const [counts] = await holder<Array<{ regions: number; templates: number }>>`
        select (select count(*) from regions)::int as regions, (select count(*) from procurement_templates)::int as templates`;
      expect(counts!.regions).toBeGreaterThan(8);
      expect(counts!.templates).toBeGreaterThan(0);
    } finally {
      await holder.end();
    }
  });
});
