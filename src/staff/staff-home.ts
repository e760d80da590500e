import type { StaffRole } from "../db/schema/index.js";

/** Where a staff member lands after signing in: admins on their home (the set-up checklist), the others in the queue. */
export function staffHome(role: StaffRole): string {
  return role === "admin" ? "/staff/admin" : "/staff";
}
