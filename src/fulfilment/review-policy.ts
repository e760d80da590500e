import { policy, roles, type RulesByKind } from "../platform/policy.js";

/** A request's package review: reading its chats, redacting and releasing are the DPO's. */
export type ReviewResource = { kind: "packageReview"; orgId: string };

const rules = {
  packageReview: { view: roles.decides, redact: roles.decides, release: roles.decides },
} satisfies RulesByKind<ReviewResource>;

export const reviewPolicy = policy<ReviewResource, typeof rules>(rules);
