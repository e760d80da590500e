import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { csrfOf, declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type Matrix, type StaffByOrg } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { retentionPolicies, sessions } from "../../src/db/schema/index.js";
import { retentionRouter, retentionRoutes } from "../../src/retention/routes.js";

const fixtures: Record<string, { url?: string; body?: Record<string, string> }> = {
  "post /staff/retention/preset": { body: { preset: "chats_2_months" } },
  "post /staff/retention/policies/:category": { url: "/staff/retention/policies/conversations", body: { periodDays: "60", basis: "created", action: "delete" } },
  "post /staff/retention/policies/:category/remove": { url: "/staff/retention/policies/outbox/remove" },
};

describe("retention screen authorization: every route × role × organization, plus anonymous", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let orgA: Awaited<ReturnType<typeof makeOrg>>;
  let orgB: Awaited<ReturnType<typeof makeOrg>>;
  let staffIn: StaffByOrg;
  let matrix: Matrix;

  before(async () => {
    ctx = await freshContext();
    orgA = await makeOrg(ctx, { slug: "ret-a" });
    orgB = await makeOrg(ctx, { slug: "ret-b" });
    staffIn = await staffOfEachRole(ctx, [orgA, orgB]);
    app = buildApp(ctx);
    matrix = { ctx, app, orgA, orgB, staffIn, anonymousOwn: true };
  });

  it("lists every route the retention router mounts", () => {
    expect(mountedRoutes(retentionRouter(ctx))).to.deep.equal(declaredRoutes(retentionRoutes));
  });

  for (const route of retentionRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const fx = fixtures[`${route.method} ${route.path}`] ?? {};
      // The settings belong to the organization of the host, so there is no "other organization's" resource: no 404.
      const results = await walkRoute(matrix, route.method, (cell) => ({ url: fx.url ?? route.path, body: fx.body, want: expectedStatus(route, cell, false) }));
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }

  it("a staff session of one organization cannot change another's rules (its host signs it out)", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: orgB.id, kind: "staff", staffId: staffIn[orgB.id]!.admin.id, host: `${orgA.slug}.test` });
    const token = await csrfOf(agent);
    const before = await ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgA.id));
    const res = await agent.post("/staff/retention/preset").type("form").send({ preset: "logs_15_months", _csrf: token });
    expect(res.status).to.equal(401);
    expect(await ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgA.id))).to.deep.equal(before);
  });

  it("an admin whose password check is not fresh is sent to confirm it first", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: orgA.id, kind: "staff", staffId: staffIn[orgA.id]!.admin.id, host: `${orgA.slug}.test` });
    await ctx.db.update(sessions).set({ reauthAt: null }).where(eq(sessions.staffId, staffIn[orgA.id]!.admin.id));
    const token = await csrfOf(agent);
    const res = await agent.post("/staff/retention/policies/exports").type("form").send({ periodDays: "10", basis: "created", action: "delete", _csrf: token });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.match(/^\/staff\/reauth\?next=/);
    const rows = await ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgA.id));
    expect(rows.find((r) => r.category === "exports" && r.periodDays === 10)).to.equal(undefined);
  });
});
