/**
 * Who on staff may see and answer complaints. Decision: the DPO only, reviewers included out.
 * A complaint is addressed to the data protection officer (GDPR Art. 38(4)) and is often about
 * how a reviewer handled the request; keeping reviewers out of the complaint (not the request
 * itself, which they still see) keeps the review independent. Administrators manage staff and
 * settings, not cases. Same shape as staff/policies.ts: the tenant is checked first, for every rule.
 */
import { policy, roles, type RulesByKind } from "../platform/policy.js";

export type ComplaintResource =
  | { kind: "complaints"; orgId: string }
  | { kind: "complaint"; orgId: string; answered: boolean };


const rules: RulesByKind<ComplaintResource> = {
  complaints: {
    viewQueue: roles.decides,
  },
  complaint: {
    view: roles.decides,
    /** One answer per complaint; a follow-up goes through the request's messages. */
    answer: (a, c) => roles.decides(a) && !c.answered,
    /** Reopen the request's decision and decide again (once per complaint, checked under lock). */
    reopen: roles.decides,
  },
};

/** Another organization's complaint is "not found" (no leak that it exists); a refused action is "forbidden". */
export const complaintPolicy = policy<ComplaintResource>(rules);
export const { can: canOnComplaint, authorize: authorizeComplaint } = complaintPolicy;
