/**
 * The staff area's navigation, one registry: each entry names the page and the policy action that
 * lets a staff member use it, so the layout shows exactly what the policies allow and holds no
 * role of its own. It reaches every capability's policy, so it lives at the top with routers.ts.
 */
import type { RequestHandler } from "express";
import { auditPolicy } from "./audit/policies.js";
import { canOnComplaint } from "./complaints/policies.js";
import { canFulfil } from "./fulfilment/policies.js";
import { reviewPolicy } from "./fulfilment/review-policy.js";
import type { StaffActor } from "./platform/policy.js";
import { canRetention } from "./retention/policies.js";
import { canSettings } from "./settings/policies.js";
import { can as canStaff } from "./staff/policies.js";

interface NavEntry {
  href: string;
  label: string;
  /** Whether the entry is the current page: its own address, or any below it. */
  matches: "exact" | "prefix";
  allowed(actor: StaffActor): boolean;
}

const org = (a: StaffActor) => ({ orgId: a.orgId });

export const staffNavEntries: readonly NavEntry[] = [
  { href: "/staff", label: "staff.nav.queue", matches: "exact", allowed: (a) => canStaff(a, "viewQueue", { kind: "org", ...org(a) }) },
  { href: "/staff/dashboard", label: "staff.nav.dashboard", matches: "exact", allowed: (a) => canStaff(a, "viewDashboard", { kind: "org", ...org(a) }) },
  { href: "/staff/complaints", label: "staff.nav.complaints", matches: "exact", allowed: (a) => canOnComplaint(a, "viewQueue", { kind: "complaints", ...org(a) }) },
  { href: "/staff/research", label: "fulfilment.research.nav", matches: "exact", allowed: (a) => reviewPolicy.can(a, "view", { kind: "research", ...org(a) }) },
  { href: "/staff/audit", label: "staff.nav.audit", matches: "exact", allowed: (a) => auditPolicy.can(a, "browse", { kind: "auditLog", ...org(a) }) },
  { href: "/staff/admin", label: "staff.nav.adminHome", matches: "exact", allowed: (a) => canSettings(a, "manage", { kind: "settings", ...org(a) }) },
  { href: "/staff/admin/settings", label: "staff.nav.settings", matches: "prefix", allowed: (a) => canSettings(a, "manage", { kind: "settings", ...org(a) }) },
  { href: "/staff/admin/staff", label: "staff.nav.staff", matches: "exact", allowed: (a) => canStaff(a, "manageStaff", { kind: "org", ...org(a) }) },
  { href: "/staff/recipients", label: "staff.nav.recipients", matches: "exact", allowed: (a) => canFulfil(a, "manageRecipients", { kind: "org", ...org(a) }) },
  { href: "/staff/retention", label: "staff.nav.retention", matches: "exact", allowed: (a) => canRetention(a, "view", { kind: "retention", ...org(a) }) },
  { href: "/staff/account", label: "staff.nav.account", matches: "exact", allowed: (a) => canStaff(a, "manageOwnAccount", { kind: "org", ...org(a) }) },
];

export interface NavLink { href: string; label: string; current: boolean }

/** The links a staff member may follow, the current one marked. */
export function staffNav(actor: StaffActor, currentPath: string): NavLink[] {
  return staffNavEntries
    .filter((e) => e.allowed(actor))
    .map((e) => ({ href: e.href, label: e.label, current: e.matches === "exact" ? currentPath === e.href : currentPath.startsWith(e.href) }));
}

/** Gives every page `staffNavFor(staff)`, which the layout calls once a staff member is signed in. */
export function staffNavLocals(): RequestHandler {
  return (req, res, next) => {
    res.locals.staffNavFor = (staff: { id: string; orgId: string; role: StaffActor["role"]; name: string; email: string }) =>
      staffNav({ type: "staff", id: staff.id, orgId: staff.orgId, role: staff.role, name: staff.name, email: staff.email }, req.path);
    next();
  };
}
