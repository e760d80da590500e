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

export { count, rows } from "../support/db.js";
