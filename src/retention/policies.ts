import { ForbiddenError, NotFoundError } from "../platform/errors.js";
import type { StaffActor } from "../staff/policies.js";

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

export function canRetention(actor: StaffActor, action: string, resource: RetentionResource): boolean {
  if (resource.orgId !== actor.orgId) return false;
  return rules[action]?.(actor, resource) ?? false;
}

/** Tenant first: another organization's settings are "not found"; a role without the right is "forbidden". */
export function authorizeRetention(actor: StaffActor, action: string, resource: RetentionResource): void {
  if (resource.orgId !== actor.orgId) throw new NotFoundError(resource.kind);
  if (!canRetention(actor, action, resource)) throw new ForbiddenError(`${resource.kind}.${action}`);
}
