import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { createDatabase, type Database } from './client';
import { loadGeography } from './geography';
import { loadProcurementTemplates } from './procurement-templates';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
/** Key of the session advisory lock every node takes around migrating ("jigi" + "migr" as 32-bit words). */
export const MIGRATION_LOCK_KEY = 0x6a696769_6d696772n;

/**
 * Applies the checked-in migrations; safe to run at every start and on several nodes at once:
 * the pool holds one connection, which takes a session advisory lock first, so a second node
 * waits, then finds every migration recorded and applies none.
 */
export async function migrateDatabase(url: string, afterMigrations?: (database: Database) => Promise<void>): Promise<void> {
  const database = createDatabase(url, { max: 1 });
  try {
    await database.sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    try {
      await migrate(database.db, { migrationsFolder });
      await afterMigrations?.(database);
    } finally {
      await database.sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    }
  } finally {
    await database.close();
  }
}

/** What a node needs before it serves: the schema, the geography and the shipped procurement chains. */
export async function prepareDatabase(url: string): Promise<{ regions: number; communes: number; villages: number }> {
  let loaded = { regions: 0, communes: 0, villages: 0 };
  await migrateDatabase(url, async (database) => {
    loaded = await loadGeography(database);
    await loadProcurementTemplates(database);
  });
  return loaded;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The one reader of process.env here: `npm run db:migrate` is run by hand or as a deployment job.
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set: point it at the Postgres database to migrate.');
    process.exit(1);
  }
  const loaded = await prepareDatabase(url);
  console.log(`Migrations applied; geography: ${loaded.regions} regions, ${loaded.communes} communes, ${loaded.villages} villages.`);
}
