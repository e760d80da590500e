import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { ValidationError, type FieldErrors } from "../platform/errors.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { decisionTemplate, legalGrounds, refusalNotice, sendDecision, type LegalGround } from "./decision-notice.js";

export interface RejectInput {
  legalGround: string;
  reason: string;
  message: string;
}

/** A refusal always has a legal ground and a reason, and always tells of the right to complain (Art. 12(4)). */
export async function rejectRequest(ctx: AppContext, actor: StaffActor, org: Organization, requestId: string, input: RejectInput): Promise<RequestRow> {
  const errors: FieldErrors = {};
  const ground = input.legalGround as LegalGround;
  if (!legalGrounds.includes(ground)) errors.legalGround = "staff.errors.legalGround";
  const reason = (input.reason ?? "").trim();
  if (reason.length < 10) errors.reason = "staff.errors.reasonRequired";
  if (reason.length > 5000 || (input.message ?? "").length > 10_000) errors.message = "platform.errors.tooLong";
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, org.id);
    const updated = await changeStatus(tx, ctx, actor, current, {
      to: "rejected", kind: "rejected", note: reason,
      set: { decision: "rejected", legalGround: ground, decisionReason: reason, decidedAt: ctx.clock.now(), decidedBy: actor.id },
    });
    const body = (input.message ?? "").trim() || decisionTemplate("reject", current, org, ground);
    await sendDecision(tx, ctx, org, actor, current, "rejected", `${body}\n\n${reason}\n\n${refusalNotice(current, org)}`);
    return updated;
  });
}
