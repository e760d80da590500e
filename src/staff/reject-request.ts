import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { ValidationError, type FieldErrors } from "../platform/errors.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { groundsNamingALaw, isRefusalGround, refusalNoticeText, type RefusalGround } from "../requests/decision-notices.js";
import { sendDecision } from "./decision-notice.js";
import { sealDecisionReason, writableKeyOf } from "../requests/request-texts.js";
import { CASE_TEXT_LIMITS } from "./schema.js";

export interface RejectInput {
  legalGround: string;
  reason: string;
  message: string;
  /** The national law relied on, for a refusal under Art. 23. */
  law?: string;
}

export interface CheckedRefusal {
  ground: RefusalGround;
  reason: string;
  law: string | null;
  /** The whole text the requester will read (what the preview shows and the thread stores). */
  text: string;
}

/**
 * A refusal always has a legal ground and a reason (shown to the requester), a named law for an
 * Art. 23 restriction, and always tells of the authority and the court (Art. 12(4)). One check
 * for the preview and the refusal itself, so what is previewed is what is sent.
 */
export function checkRefusal(r: RequestRow, org: Organization, input: RejectInput): CheckedRefusal {
  const errors: FieldErrors = {};
  const ground = input.legalGround;
  if (!isRefusalGround(ground)) errors.legalGround = "staff.errors.legalGround";
  const reason = (input.reason ?? "").trim();
  if (reason.length < 10) errors.reason = "staff.errors.reasonRequired";
  const law = (input.law ?? "").trim();
  if (isRefusalGround(ground) && groundsNamingALaw.includes(ground) && law.length < 3) errors.law = "staff.errors.lawRequired";
  const max = CASE_TEXT_LIMITS.reject;
  if (reason.length > max.reason) errors.reason = errors.reason ?? "platform.errors.tooLong";
  if (law.length > max.law) errors.law = errors.law ?? "platform.errors.tooLong";
  if ((input.message ?? "").length > max.message) errors.message = "platform.errors.tooLong";
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const g = ground as RefusalGround;
  const text = refusalNoticeText({ locale: r.locale, reference: r.reference, orgName: org.name, authorityCountry: org.authorityCountry, ground: g, reasons: reason, message: input.message, law });
  return { ground: g, reason, law: groundsNamingALaw.includes(g) ? law : null, text };
}

export async function rejectRequest(ctx: AppContext, actor: StaffActor, input: RejectInput & { org: Organization; requestId: string }): Promise<RequestRow> {
  const { org, requestId } = input;
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, org.id);
    const refusal = checkRefusal(current, org, input);
    const key = await writableKeyOf(tx, ctx.keys, current);
    const updated = await changeStatus(tx, ctx, actor, current, {
      to: "rejected", kind: "rejected",
      set: { decision: "rejected", legalGround: refusal.ground, legalGroundLaw: refusal.law, decisionReasonEnc: sealDecisionReason(key, refusal.reason), decidedAt: ctx.clock.now(), decidedBy: actor.id },
      auditDetails: { legalGround: refusal.ground },
    });
    await sendDecision(tx, ctx, org, actor, { ...current, subjectKeyId: key.id }, "rejected", refusal.text);
    return updated;
  });
}
