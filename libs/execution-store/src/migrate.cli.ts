// Applies pending store migrations and exits: `node -r @swc-node/register libs/execution-store/src/migrate.cli.ts`.
// Reads DATABASE_URL (embedded Postgres under $MOCKOPS_DATA_DIR/pgdata when unset) and MOCKOPS_DB_SCHEMA.
import { createDataSource, runMigrations } from './lib/data-source';
import { resolveDatabase } from './lib/embedded-postgres';

async function main(): Promise<void> {
  const db = await resolveDatabase(process.env);
  const ds = createDataSource({ url: db.url, schema: process.env['MOCKOPS_DB_SCHEMA'] || 'public', poolSize: 1 });
  try {
    await ds.initialize();
    const applied = await runMigrations(ds);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'no pending migrations\n');
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await db.embedded?.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`migration failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
