import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { ValidationError, type FieldErrors } from "../platform/errors.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { sendDecision } from "./decision-notice.js";
import { REQUESTER_MESSAGE_MAX } from "./schema.js";

/** What is wrong with a message to the requester (trimmed), as field errors. */
export function requesterMessageErrors(text: string): FieldErrors {
  if (text.length < 1) return { message: "platform.errors.required" };
  if (text.length > REQUESTER_MESSAGE_MAX) return { message: "platform.errors.tooLong" };
  return {};
}

/**
 * Asks the requester for information other than identity (awaiting_requester): the deadline
 * clock keeps running. Asking for identity, which pauses it, is ask-for-identity.ts.
 */
export async function askRequester(ctx: AppContext, actor: StaffActor, { org, requestId, message }: { org: Organization; requestId: string; message: string }): Promise<RequestRow> {
  const text = message.trim();
  const errors = requesterMessageErrors(text);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, org.id);
    const updated = await changeStatus(tx, ctx, actor, current, { to: "awaiting_requester", kind: "info_requested" });
    await sendDecision(tx, ctx, org, actor, current, "awaiting_requester", text);
    return updated;
  });
}
