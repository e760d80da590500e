import { eq } from "drizzle-orm";
import { describeOwnOrgScreen, type ExpectedRoute } from "../support/authorization.js";
import { organizations } from "../../src/db/schema/index.js";
import { settingsRouter } from "../../src/settings/routes.js";

/** The specification the matrix checks: only admins keep the organization's settings (the policy must agree). */
const expectedSettingsRoles: readonly ExpectedRoute[] = [
  { method: "get", path: "/staff/admin", roles: ["admin"] },
  { method: "get", path: "/staff/admin/settings", roles: ["admin"] },
  { method: "get", path: "/staff/admin/settings/:section", roles: ["admin"] },
  { method: "post", path: "/staff/admin/settings/:section", roles: ["admin"] },
];

describeOwnOrgScreen("settings screens authorization: every route × role × organization, plus anonymous", {
  slugs: ["set-a", "set-b"],
  router: settingsRouter,
  routes: expectedSettingsRoles,
  fixtures: {
    "get /staff/admin/settings/:section": { url: "/staff/admin/settings/mail" },
    "post /staff/admin/settings/:section": { url: "/staff/admin/settings/mail", body: { mailSenderName: "Matrix helpline" } },
  },
  attack: {
    path: "/staff/admin/settings/mail",
    body: { mailSenderName: "Taken over" },
    snapshot: (ctx, orgId) => ctx.db.select().from(organizations).where(eq(organizations.id, orgId)),
  },
});
