import { ForbiddenError, NotFoundError } from "../platform/errors.js";
import type { StaffActor } from "../staff/policies.js";

/** The audit log of one organization, or one entry of it. */
export type AuditResource = { kind: "auditLog"; orgId: string } | { kind: "auditEntry"; orgId: string | null };

const oversees = (a: StaffActor) => a.role === "dpo";

/** The DPO answers for accountability: only they browse and export the trail of who did what. */
const rules: Record<string, (actor: StaffActor, resource: AuditResource) => boolean> = {
  browse: oversees,
  export: oversees,
  view: oversees,
};

export function canAudit(actor: StaffActor, action: string, resource: AuditResource): boolean {
  if (resource.orgId !== actor.orgId) return false;
  return rules[action]?.(actor, resource) ?? false;
}

/** Tenant first: another organization's entry (or a system-wide one) is "not found"; a role without the right is "forbidden". */
export function authorizeAudit(actor: StaffActor, action: string, resource: AuditResource): void {
  if (resource.orgId !== actor.orgId) throw new NotFoundError(resource.kind);
  if (!canAudit(actor, action, resource)) throw new ForbiddenError(`${resource.kind}.${action}`);
}
