import { expect } from "chai";
import { eq } from "drizzle-orm";
import { signedInAgent } from "../support/http.js";
import { csrfOf, describeOwnOrgScreen } from "../support/authorization.js";
import { retentionPolicies, sessions } from "../../src/db/schema/index.js";
import { retentionRouter } from "../../src/retention/routes.js";
import { retentionRoutes } from "./route-roles.js";

describeOwnOrgScreen("retention screen authorization: every route × role × organization, plus anonymous", {
  slugs: ["ret-a", "ret-b"],
  router: retentionRouter,
  routes: retentionRoutes,
  fixtures: {
    "post /staff/retention/preset": { body: { preset: "chats_2_months" } },
    "post /staff/retention/policies/:category": { url: "/staff/retention/policies/conversations", body: { periodDays: "60", basis: "created", action: "delete" } },
    "post /staff/retention/policies/:category/remove": { url: "/staff/retention/policies/outbox/remove" },
  },
  attack: {
    path: "/staff/retention/preset",
    body: { preset: "logs_15_months" },
    snapshot: (ctx, orgId) => ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgId)),
  },
  more: (matrix) => {
    it("an admin whose password check is not fresh is sent to confirm it first", async () => {
      const { ctx, app, orgA, staffIn } = matrix();
      const agent = await signedInAgent(ctx, app, { orgId: orgA.id, kind: "staff", staffId: staffIn[orgA.id]!.admin.id, host: `${orgA.slug}.test` });
      await ctx.db.update(sessions).set({ reauthAt: null }).where(eq(sessions.staffId, staffIn[orgA.id]!.admin.id));
      const token = await csrfOf(agent);
      const res = await agent.post("/staff/retention/policies/exports").type("form").send({ periodDays: "10", basis: "created", action: "delete", _csrf: token });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.match(/^\/staff\/reauth\?next=/);
      const rows = await ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgA.id));
      expect(rows.find((r) => r.category === "exports" && r.periodDays === 10)).to.equal(undefined);
    });
  },
});
