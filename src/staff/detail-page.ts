import type { AppContext } from "../context.js";
import type { Organization } from "../platform/http/types.js";
import type { Translate } from "../platform/i18n.js";
import type { Session } from "../platform/session.js";
import type { StaffActor } from "../platform/policy.js";
import { recentlyAuthenticated } from "../identity/staff-session.js";
import type { RequestRow } from "../requests/change-status.js";
import { requestStatusView } from "../requests/status-view.js";
import { identityCheckMethods } from "../requests/identity-check.js";
import { requestDetail } from "./request-detail.js";
import { decisionTemplate, legalGrounds, refusalNotice } from "./decision-notice.js";
import { accountSignInToOverride } from "./ask-for-identity.js";
import { extensionKinds } from "../requests/decision-notices.js";
import { canFulfil } from "../fulfilment/policies.js";
import { can } from "./policies.js";

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
    checkIdentity: can(actor, "checkIdentity", request),
  };
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
  return {
    title: c.t("staff.show.title", { reference: r.reference }), request: requestStatusView(r, c.org, c.ctx.clock.now()), ...detail,
    actor: c.actor, may: caseAbilities(c.actor, r), templates, legalGrounds, extensionKinds, identityCheckMethods, reauthFresh: recentlyAuthenticated(c.ctx, c.session), values: {}, failedAction: null,
    identityPauseNeedsOverride: accountSignInToOverride(r), ...extra,
  };
}
