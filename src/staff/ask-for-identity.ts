import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import { ValidationError, type FieldErrors } from "../platform/errors.js";
import { atLeast } from "../identity/guards.js";
import { recordEvent } from "../requests/events.js";
import { changeStatus, lockRequest, type RequestRow } from "../requests/change-status.js";
import { requesterMessageErrors } from "./ask-requester.js";
import type { StaffActor } from "../platform/policy.js";
import { sendDecision } from "./decision-notice.js";

export interface AskForIdentityInput {
  /** What the requester is asked for (Art. 12(6)); they receive it. */
  message: string;
  /** Why staff doubt the requester's identity: internal, never shown to the requester. */
  doubtReason: string;
  /** For a requester who signed in with their chat account: staff confirm that is not enough… */
  accountOverride: boolean;
  /** …and say why. */
  accountOverrideReason: string;
}

const MIN_REASON = 10;

/** Whether pausing for identity needs staff to say why the requester's account sign-in is not enough. */
export function accountSignInToOverride(r: Pick<RequestRow, "assurance">): boolean {
  return atLeast(r.assurance, "account");
}

/**
 * Asks the requester to prove their identity, which pauses the deadline clock. Art. 12(6) allows
 * that only with reasonable doubts, so the doubt must be written down; and a requester who signed
 * in with their chat account has already proved who they are in the way the EDPB prefers (reuse
 * the existing sign-in, §§58–79), so pausing for them is refused unless staff say why that is not
 * enough here.
 *
 * The reason stays internal (an event the requester does not see; the audit entry holds its
 * length only, as for staff-verify notes). In a helpline the doubt is often that someone else — a
 * partner, a parent — is posing as the chat user: telling the requester the reason would tell an
 * impersonator what gave them away. The requester gets the message staff write, which says what
 * is needed.
 */
export async function askForIdentity(ctx: AppContext, actor: StaffActor, input: AskForIdentityInput & { org: Organization; requestId: string }): Promise<RequestRow> {
  const { org, requestId } = input;
  const message = input.message.trim();
  const doubt = input.doubtReason.trim();
  const override = input.accountOverrideReason.trim();
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, requestId, org.id);
    const accountSignIn = accountSignInToOverride(current);
    const errors: FieldErrors = { ...requesterMessageErrors(message) };
    if (doubt.length < MIN_REASON) errors.doubtReason = "staff.errors.doubtReason";
    if (accountSignIn && !input.accountOverride) errors.accountOverride = "staff.errors.accountOverride";
    if (accountSignIn && override.length < MIN_REASON) errors.accountOverrideReason = "staff.errors.accountOverrideReason";
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);

    const updated = await changeStatus(tx, ctx, actor, current, {
      to: "awaiting_identity", kind: "identity_requested",
      auditDetails: { assurance: current.assurance, doubtReasonLength: doubt.length, ...(accountSignIn ? { accountSignInOverridden: true, overrideReasonLength: override.length } : {}) },
    });
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "identity_doubt", note: doubt, visibleToRequester: false });
    if (accountSignIn) await recordEvent(tx, ctx.clock, current.id, actor, { kind: "account_sign_in_overridden", note: override, visibleToRequester: false });
    await sendDecision(tx, ctx, org, actor, current, "awaiting_identity", message);
    return updated;
  });
}
