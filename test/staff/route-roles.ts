import type { StaffRole } from "../../src/db/schema/index.js";

/**
 * Every route of the staff area, with the roles allowed (on their own organization's data). The
 * authorization matrix test walks this list; a new route without an entry fails that test.
 */
export interface StaffRoute {
  method: "get" | "post";
  path: string;
  /** Roles allowed; "public" pages need no staff session. */
  roles: readonly StaffRole[] | "public";
  /** Whether the route acts on one request (another organization's → 404). */
  onRequest?: boolean;
  /** Whether the route acts on one staff member (another organization's → 404). */
  onStaffMember?: boolean;
  /** Roles sent elsewhere (303) instead of being refused, e.g. admins from the queue to their home. */
  redirects?: Partial<Record<StaffRole, string>>;
}
const PREPARERS = ["reviewer", "dpo"] as const;
const DPO = ["dpo"] as const;
const ANY = ["reviewer", "dpo", "admin"] as const;
const ADMIN = ["admin"] as const;
export const staffRoutes: readonly StaffRoute[] = [
  { method: "get", path: "/staff/sign-in", roles: "public" },
  { method: "post", path: "/staff/sign-in", roles: "public" },
  { method: "get", path: "/staff/totp/setup", roles: "public" },
  { method: "get", path: "/staff/totp", roles: "public" },
  { method: "post", path: "/staff/totp", roles: "public" },
  { method: "get", path: "/staff/totp/recovery-codes", roles: "public" },
  { method: "post", path: "/staff/totp/recovery-codes", roles: "public" },
  { method: "post", path: "/staff/sign-out", roles: "public" },
  { method: "get", path: "/staff/invite/:token", roles: "public" },
  { method: "get", path: "/staff/invite", roles: "public" },
  { method: "post", path: "/staff/invite", roles: "public" },
  { method: "get", path: "/staff/reauth", roles: ANY },
  { method: "post", path: "/staff/reauth", roles: ANY },
  { method: "get", path: "/staff/reauth/resume", roles: ANY },
  { method: "get", path: "/staff", roles: PREPARERS, redirects: { admin: "/staff/admin" } },
  { method: "post", path: "/staff/requests/assign", roles: PREPARERS, onRequest: true },
  { method: "get", path: "/staff/requests/:id", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/assign", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/notes", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/messages", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/start-review", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/ask-information", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/ask-identity", roles: DPO, onRequest: true },
  { method: "post", path: "/staff/requests/:id/approve", roles: DPO, onRequest: true },
  { method: "post", path: "/staff/requests/:id/reject", roles: DPO, onRequest: true },
  { method: "post", path: "/staff/requests/:id/extend", roles: DPO, onRequest: true },
  { method: "post", path: "/staff/requests/:id/confirm-erasure", roles: DPO, onRequest: true },
  { method: "get", path: "/staff/conversations/:conversationId/transcript", roles: DPO, onRequest: true },
  { method: "get", path: "/staff/dashboard", roles: DPO },
  { method: "get", path: "/staff/requests.csv", roles: DPO },
  { method: "get", path: "/staff/admin/staff", roles: ADMIN },
  { method: "post", path: "/staff/admin/staff/invite", roles: ADMIN },
  { method: "post", path: "/staff/admin/staff/:staffId/disable", roles: ADMIN, onStaffMember: true },
  { method: "post", path: "/staff/admin/staff/:staffId/enable", roles: ADMIN, onStaffMember: true },
  { method: "post", path: "/staff/admin/staff/:staffId/role", roles: ADMIN, onStaffMember: true },
  { method: "post", path: "/staff/admin/staff/:staffId/reset-totp", roles: ADMIN, onStaffMember: true },
  { method: "get", path: "/staff/account", roles: ANY },
  { method: "post", path: "/staff/account/locale", roles: ANY },
];
