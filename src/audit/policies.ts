import { policy, roles, type StaffActor } from "../platform/policy.js";

/** The audit log of one organization, or one entry of it. */
export type AuditResource = { kind: "auditLog"; orgId: string } | { kind: "auditEntry"; orgId: string | null };

/** The DPO answers for accountability: only they browse and export the trail of who did what. */
const rules: Record<string, (actor: StaffActor, resource: AuditResource) => boolean> = {
  browse: roles.decides,
  export: roles.decides,
  view: roles.decides,
};

/** Tenant first: another organization's entry (or a system-wide one) is "not found"; a role without the right is "forbidden". */
export const { can: canAudit, authorize: authorizeAudit } = policy<AuditResource>({ auditLog: rules, auditEntry: rules });
