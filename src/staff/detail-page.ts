import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import type { Translate } from "../platform/i18n.js";
import type { Session } from "../platform/session.js";
import type { StaffActor } from "../platform/policy.js";
import { recentlyAuthenticated } from "../identity/staff-session.js";
import type { RequestRow } from "../requests/change-status.js";
import { requestStatusView } from "../requests/status-view.js";
import { identityCheckMethods } from "../requests/identity-check.js";
import { isOpen, type RequestStatus } from "../requests/lifecycle.js";
import { requestDetail } from "./request-detail.js";
import { decisionTemplate, legalGrounds, refusalNotice } from "./decision-notice.js";
import { accountSignInToOverride } from "./ask-for-identity.js";
import { extensionKinds } from "../requests/decision-notices.js";
import { canFulfil, fulfilmentPolicy } from "../fulfilment/policies.js";
import { reviewPolicy } from "../fulfilment/review-policy.js";
import { can } from "./policies.js";
import { CASE_TEXT_LIMITS } from "./schema.js";

export interface DetailCaller {
  ctx: AppContext;
  org: Organization;
  actor: StaffActor;
  t: Translate;
  session: Session | undefined;
}

/** What the case page offers this staff member, from the policies (the view checks no role). */
function caseAbilities(actor: StaffActor, r: RequestRow) {
  const request = { kind: "request" as const, orgId: r.orgId, type: r.type, erasureApprovedBy: r.erasureApprovedBy };
  const restricted = { kind: "conversation" as const, orgId: r.orgId, restrictedAt: new Date(0) };
  return {
    seeRestricted: canFulfil(actor, "viewDetails", restricted),
    openTranscripts: can(actor, "viewTranscript", restricted),
    decide: can(actor, "approve", request),
    askInfo: can(actor, "askInfo", request),
    checkIdentity: can(actor, "checkIdentity", request),
    /** The fulfilment panel's forms (carry out, legal holds, recipient tasks, restriction), from the fulfilment policy. */
    fulfilment: fulfilmentPolicy.abilities(actor, { kind: "request", orgId: r.orgId, type: r.type }),
    reviewPackage: reviewPolicy.can(actor, "view", { kind: "packageReview", orgId: r.orgId }),
  };
}
type Abilities = ReturnType<typeof caseAbilities>;

/** The decisions open to this staff member on this request now, in the order the radio group offers them. */
export function decideOptions(may: Abilities, r: RequestRow): string[] {
  const s = r.status;
  const offered: [string, boolean][] = [
    ["approve", may.decide && s === "in_review"],
    ["askInfo", may.askInfo && s === "in_review"],
    ["askIdentity", may.decide && (s === "in_review" || s === "submitted")],
    ["reject", may.decide && ["submitted", "awaiting_identity", "in_review", "awaiting_requester"].includes(s)],
    ["extend", may.decide && !r.extendedAt && isOpen(s as RequestStatus)],
  ];
  return offered.filter(([, ok]) => ok).map(([o]) => o);
}

/** Whose move it is: the requester's, a second DPO's (erasure's four eyes), a colleague's (assigned to them) or this staff member's. */
export function waitingFor(actor: StaffActor, r: RequestRow): "you" | "secondDpo" | "requester" | "colleague" | null {
  if (!isOpen(r.status as RequestStatus)) return null;
  if (r.status === "awaiting_requester" || r.status === "awaiting_identity") return "requester";
  if (r.type === "erasure" && r.erasureApprovedBy && !r.erasureConfirmedBy) return actor.role === "dpo" && actor.id !== r.erasureApprovedBy ? "you" : "secondDpo";
  if (r.assigneeId && r.assigneeId !== actor.id) return "colleague";
  return "you";
}

/** The staff case page of one request (the old routes and the route tables render it alike). */
export async function detailPageLocals(c: DetailCaller, r: RequestRow, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const detail = await requestDetail(c.ctx, r);
  const templates = {
    approve: decisionTemplate("approve", r, c.org),
    askInfo: decisionTemplate("askInfo", r, c.org),
    askIdentity: decisionTemplate("askIdentity", r, c.org),
    reject: Object.fromEntries(legalGrounds.map((g) => [g, decisionTemplate("reject", r, c.org, g)])),
    rightsNotice: refusalNotice(r, c.org),
  };
  const may = caseAbilities(c.actor, r);
  const assignee = detail.staff.find((s) => s.id === r.assigneeId);
  return {
    title: c.t("staff.show.title", { reference: r.reference }), request: requestStatusView(r, c.org, c.ctx.clock.now()), ...detail,
    actor: c.actor, may, decideOptions: decideOptions(may, r), waitingFor: waitingFor(c.actor, r), assigneeName: assignee?.name ?? null,
    banner: null, queue: "", queueHref: "/staff", templates, legalGrounds, extensionKinds, identityCheckMethods, reauthFresh: recentlyAuthenticated(c.ctx, c.session), values: {}, failedAction: null, caseLimits: CASE_TEXT_LIMITS,
    identityPauseNeedsOverride: accountSignInToOverride(r), ...extra,
  };
}
