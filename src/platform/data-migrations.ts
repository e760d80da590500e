import { eq, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { dataMigrations } from "../db/schema/index.js";

/**
 * A migration that needs code rather than SQL alone: recomputing dates with the holiday
 * calendars, encrypting existing rows in place. `run` does every write through `tx`, so its
 * changes, its audit entries and the row marking it applied commit together or not at all.
 */
export interface DataMigration {
  /** Unique and never renamed once shipped: data_migrations is keyed by it. */
  name: string;
  run(ctx: AppContext, tx: Tx): Promise<void>;
}

/** Serializes data migrations across instances (see audit.ts and retention for the others). */
const DATA_MIGRATION_LOCK = 7_202_304;

/**
 * Applies, in list order, each migration not applied yet: each in its own transaction together
 * with its data_migrations row, under an advisory lock, so two instances starting at once never
 * run one twice (the second waits for the lock, then finds the row). A failure rolls that
 * migration back and stops here; later ones wait for the next start. Returns the names applied.
 */
export async function runDataMigrations(ctx: AppContext, migrations: readonly DataMigration[]): Promise<string[]> {
  const names = migrations.map((m) => m.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`data migration "${duplicate}" is listed twice`);
  // Without the lock: on a start with nothing to do this is the only query.
  const done = new Set((await ctx.db.select({ name: dataMigrations.name }).from(dataMigrations)).map((r) => r.name));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    const ran = await ctx.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${DATA_MIGRATION_LOCK})`);
      const [already] = await tx.select({ name: dataMigrations.name }).from(dataMigrations).where(eq(dataMigrations.name, migration.name));
      if (already) return false;
      await migration.run(ctx, tx);
      await tx.insert(dataMigrations).values({ name: migration.name, appliedAt: ctx.clock.now() });
      return true;
    });
    if (ran) {
      applied.push(migration.name);
      ctx.logger.info({ migration: migration.name }, "data migration applied");
    }
  }
  return applied;
}
