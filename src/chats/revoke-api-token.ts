import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { apiTokens } from "../db/schema/index.js";
import { NotFoundError } from "../platform/errors.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { assertTokenAdmin } from "./api-tokens.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Revokes a token at once; revoking a revoked token changes nothing. Audited. */
export async function revokeApiToken(ctx: AppContext, actor: Actor, input: { orgId: string; tokenId: string }): Promise<{ revokedAt: Date }> {
  return ctx.db.transaction(async (tx) => {
    await assertTokenAdmin(tx, actor, input.orgId);
    if (!UUID.test(input.tokenId)) throw new NotFoundError("api token");
    const [row] = await tx
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.id, input.tokenId), eq(apiTokens.orgId, input.orgId)))
      .for("update");
    if (!row) throw new NotFoundError("api token");
    if (row.revokedAt) return { revokedAt: row.revokedAt };
    const revokedAt = ctx.clock.now();
    await tx.update(apiTokens).set({ revokedAt }).where(eq(apiTokens.id, row.id));
    await appendAudit(tx, ctx, { orgId: input.orgId, actor, action: "api_token.revoked", target: { type: "api_token", id: row.id }, details: { name: row.name } });
    return { revokedAt };
  });
}
