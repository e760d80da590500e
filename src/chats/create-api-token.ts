import { z } from "zod";
import type { AppContext } from "../context.js";
import { apiTokens } from "../db/schema/index.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { randomToken } from "../platform/crypto.js";
import { parseInput } from "../platform/http/validate.js";
import { apiScopes, assertTokenAdmin, hashApiToken } from "./api-tokens.js";

export const createApiTokenSchema = z.object({
  orgId: z.uuid(),
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(apiScopes)).min(1),
});

export interface CreatedApiToken {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  /** Shown once: only its hash is stored. */
  token: string;
}

/** Creates an API token for the chat platform; an organization admin's act, audited. */
export async function createApiToken(
  ctx: AppContext,
  actor: Actor,
  input: { orgId: string; name: string; scopes: string[] },
): Promise<CreatedApiToken> {
  const { orgId, name, scopes } = parseInput(createApiTokenSchema, input);
  const token = `rdk_${randomToken(32)}`;
  return ctx.db.transaction(async (tx) => {
    await assertTokenAdmin(tx, actor, orgId);
    const [row] = await tx
      .insert(apiTokens)
      .values({ orgId, name, scopes: [...new Set(scopes)], tokenHash: hashApiToken(token), createdBy: actor.type === "staff" ? actor.id ?? null : null, createdAt: ctx.clock.now() })
      .returning();
    await appendAudit(tx, ctx, { orgId, actor, action: "api_token.created", target: { type: "api_token", id: row!.id }, details: { name, scopes: row!.scopes } });
    return { id: row!.id, name: row!.name, scopes: row!.scopes, createdAt: row!.createdAt, token };
  });
}
