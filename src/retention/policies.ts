import { policy, type StaffActor } from "../staff/policies.js";

/** Retention settings and runs of one organization. */
export type RetentionResource = { kind: "retention"; orgId: string };

const administers = (a: StaffActor) => a.role === "admin";
const overseesOrAdministers = (a: StaffActor) => a.role === "dpo" || a.role === "admin";

/** Admins set the rules; the DPO, who answers for them, sees them and every run's counts. */
const rules: Record<string, (actor: StaffActor, resource: RetentionResource) => boolean> = {
  view: overseesOrAdministers,
  preview: overseesOrAdministers,
  edit: administers,
};

/** Tenant first: another organization's settings are "not found"; a role without the right is "forbidden". */
export const { can: canRetention, authorize: authorizeRetention } = policy<RetentionResource>({ retention: rules });
