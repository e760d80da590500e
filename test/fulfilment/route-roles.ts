import type { StaffRole } from "../../src/db/schema/index.js";

/**
 * Every route of this router with the roles allowed on their own organization's data; the
 * authorization test (test/fulfilment/authorization.test.ts) walks this list.
 */
export interface FulfilmentRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
  /** The route acts on one request or one recipient: another organization's → 404. */
  on?: "request" | "recipient";
  /** Asks for a fresh password first (destructive or protection-ending actions). */
  reauth?: boolean;
}
const DPO = ["dpo"] as const;
const PREPARERS = ["reviewer", "dpo"] as const;
const ADMIN = ["admin"] as const;
export const fulfilmentRoutes: readonly FulfilmentRoute[] = [
  { method: "post", path: "/staff/requests/:id/fulfil", roles: DPO, on: "request", reauth: true },
  { method: "post", path: "/staff/requests/:id/conversations/:conversationId/legal-hold", roles: DPO, on: "request" },
  { method: "post", path: "/staff/requests/:id/conversations/:conversationId/legal-hold/renew", roles: DPO, on: "request" },
  { method: "post", path: "/staff/requests/:id/conversations/:conversationId/legal-hold/lift", roles: DPO, on: "request", reauth: true },
  { method: "post", path: "/staff/requests/:id/restriction/notify-lift", roles: DPO, on: "request" },
  { method: "post", path: "/staff/requests/:id/restriction/lift", roles: DPO, on: "request", reauth: true },
  { method: "post", path: "/staff/requests/:id/recipient-tasks/:taskId/confirm", roles: PREPARERS, on: "request" },
  { method: "get", path: "/staff/recipients", roles: ADMIN },
  { method: "post", path: "/staff/recipients", roles: ADMIN },
  { method: "get", path: "/staff/recipients/:recipientId/edit", roles: ADMIN, on: "recipient" },
  { method: "post", path: "/staff/recipients/:recipientId", roles: ADMIN, on: "recipient" },
  { method: "post", path: "/staff/recipients/:recipientId/deactivate", roles: ADMIN, on: "recipient" },
];
