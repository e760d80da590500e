import { policy, roles, type RulesByKind } from "../platform/policy.js";

/**
 * A request's package review, and the organization's research excerpts: reading chats for a
 * review, redacting, releasing and disclosing excerpts to a researcher are the DPO's.
 */
export type ReviewResource = { kind: "packageReview"; orgId: string } | { kind: "research"; orgId: string };

const rules = {
  packageReview: { view: roles.decides, redact: roles.decides, release: roles.decides },
  research: { view: roles.decides, export: roles.decides },
} satisfies RulesByKind<ReviewResource>;

export const reviewPolicy = policy<ReviewResource, typeof rules>(rules);
