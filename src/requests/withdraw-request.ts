import type { AppContext } from "../context.js";
import type { Requester } from "../identity/guards.js";
import { changeStatus, lockRequest, type RequestRow } from "./change-status.js";
import { getMyRequest } from "./requester-queries.js";

export async function withdrawRequest(ctx: AppContext, orgId: string, requester: Requester, reference: string): Promise<RequestRow> {
  const mine = await getMyRequest(ctx, orgId, requester, reference);
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, mine.id, orgId);
    return changeStatus(tx, ctx, { type: "subject", id: requester.subjectId }, current, { to: "withdrawn", kind: "withdrawn" });
  });
}
