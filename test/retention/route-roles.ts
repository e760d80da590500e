import type { StaffRole } from "../../src/db/schema/index.js";

/**
 * Every route of the retention screen with the roles allowed (on their own organization); the
 * authorization test (test/retention/authorization.test.ts) walks this list.
 */
export interface RetentionRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
  /** Changes what the next sweep deletes: asks for the password again first. */
  reauth?: boolean;
}
const OVERSIGHT = ["dpo", "admin"] as const;
const ADMIN = ["admin"] as const;
export const retentionRoutes: readonly RetentionRoute[] = [
  { method: "get", path: "/staff/retention", roles: OVERSIGHT },
  { method: "post", path: "/staff/retention/preview", roles: OVERSIGHT },
  { method: "post", path: "/staff/retention/preset", roles: ADMIN, reauth: true },
  { method: "post", path: "/staff/retention/policies/:category", roles: ADMIN, reauth: true },
  { method: "post", path: "/staff/retention/policies/:category/remove", roles: ADMIN, reauth: true },
];
