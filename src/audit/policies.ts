import { policy, roles, type RulesByKind } from "../platform/policy.js";

/** The audit log of one organization, or one entry of it. */
export type AuditResource = { kind: "auditLog"; orgId: string } | { kind: "auditEntry"; orgId: string | null };

/** The DPO answers for accountability: only they browse and export the trail of who did what. */
const logRules = { browse: roles.decides, export: roles.decides };
const entryRules = { view: roles.decides };
const rules = { auditLog: logRules, auditEntry: entryRules } satisfies RulesByKind<AuditResource>;

/** Tenant first: another organization's entry (or a system-wide one) is "not found"; a role without the right is "forbidden". */
export const auditPolicy = policy<AuditResource, typeof rules>(rules);
export const { can: canAudit, authorize: authorizeAudit } = auditPolicy;
