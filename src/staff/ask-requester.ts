import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { ValidationError } from "../platform/errors.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "./policies.js";
import { sendDecision } from "./decision-notice.js";

/**
 * Asks the requester something. Asking for identity information pauses the deadline clock
 * (awaiting_identity); asking for anything else does not (awaiting_requester).
 */
export async function askRequester(ctx: AppContext, actor: StaffActor, org: Organization, requestId: string, what: "information" | "identity", message: string): Promise<RequestRow> {
  const text = message.trim();
  if (text.length < 1) throw new ValidationError({ message: "platform.errors.required" });
  if (text.length > 10_000) throw new ValidationError({ message: "platform.errors.tooLong" });
  const to = what === "identity" ? "awaiting_identity" : "awaiting_requester";
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, org.id);
    const updated = await changeStatus(tx, ctx, actor, current, { to, kind: what === "identity" ? "identity_requested" : "info_requested" });
    await sendDecision(tx, ctx, org, actor, current, to, text);
    return updated;
  });
}
