import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client.js";
import type { TestContext } from "./context.js";

/** Rows of a raw query on either engine. */
export async function rows<T>(ctx: TestContext, query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await ctx.db.execute(query));
}

export async function count(ctx: TestContext, table: string, where = "true"): Promise<number> {
  const [r] = await rows<{ n: number | string }>(ctx, sql.raw(`select count(*)::int as n from ${table} where ${where}`));
  return Number(r?.n ?? 0);
}
