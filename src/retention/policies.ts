import { policy, roles, type StaffActor } from "../platform/policy.js";

/** Retention settings and runs of one organization. */
export type RetentionResource = { kind: "retention"; orgId: string };

/** Admins set the rules; the DPO, who answers for them, sees them and every run's counts. */
const rules: Record<string, (actor: StaffActor, resource: RetentionResource) => boolean> = {
  view: roles.oversees,
  preview: roles.oversees,
  edit: roles.administers,
};

/** Tenant first: another organization's settings are "not found"; a role without the right is "forbidden". */
export const retentionPolicy = policy<RetentionResource>({ retention: rules });
export const { can: canRetention, authorize: authorizeRetention } = retentionPolicy;
