import { eq } from "drizzle-orm";
import { describeOwnOrgScreen } from "../support/authorization.js";
import { organizations } from "../../src/db/schema/index.js";
import { settingsRouter, settingsRoutes } from "../../src/settings/routes.js";

describeOwnOrgScreen("settings screens authorization: every route × role × organization, plus anonymous", {
  slugs: ["set-a", "set-b"],
  router: settingsRouter,
  routes: settingsRoutes,
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
