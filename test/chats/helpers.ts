import { sql } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeOrg, makeStaff } from "../support/factories.js";
import { createApiToken } from "../../src/chats/create-api-token.js";

/** An organization with an admin and an ingest token. */
export async function orgWithToken(ctx: TestContext, slug?: string) {
  const org = await makeOrg(ctx, slug ? { slug } : {});
  const admin = await makeStaff(ctx, org.id, "admin");
  const actor = { type: "staff" as const, id: admin.id, role: "admin" };
  const created = await createApiToken(ctx, actor, { orgId: org.id, name: "chat platform", scopes: ["ingest"] });
  return { org, admin, actor, token: created.token, tokenId: created.id };
}

/** Rows of a raw query on either engine. */
export async function rows<T>(ctx: TestContext, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await ctx.db.execute(query)) as unknown as { rows?: T[] } | T[];
  return Array.isArray(result) ? result : (result.rows ?? []);
}

export async function count(ctx: TestContext, table: string, where = "true"): Promise<number> {
  const [r] = await rows<{ n: number | string }>(ctx, sql.raw(`select count(*)::int as n from ${table} where ${where}`));
  return Number(r?.n ?? 0);
}
