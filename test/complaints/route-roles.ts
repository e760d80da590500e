import type { StaffRole } from "../../src/db/schema/index.js";

/** The staff complaint routes with the roles allowed: the specification test/complaints/authorization.test.ts checks. */
export interface ComplaintStaffRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
  /** Acts on one complaint: another organization's is "not found". */
  onComplaint?: boolean;
}
export const complaintStaffRoutes: readonly ComplaintStaffRoute[] = [
  { method: "get", path: "/staff/complaints", roles: ["dpo"] },
  { method: "get", path: "/staff/complaints/:id", roles: ["dpo"], onComplaint: true },
  { method: "post", path: "/staff/complaints/:id/answer", roles: ["dpo"], onComplaint: true },
];
