import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { csrfOf, declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type Matrix, type StaffByOrg } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { organizations } from "../../src/db/schema/index.js";
import { settingsRouter, settingsRoutes } from "../../src/settings/routes.js";

const fixtures: Record<string, { url?: string; body?: Record<string, string> }> = {
  "get /staff/admin/settings/:section": { url: "/staff/admin/settings/mail" },
  "post /staff/admin/settings/:section": { url: "/staff/admin/settings/mail", body: { mailSenderName: "Matrix helpline" } },
};

describe("settings screens authorization: every route × role × organization, plus anonymous", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let orgA: Awaited<ReturnType<typeof makeOrg>>;
  let orgB: Awaited<ReturnType<typeof makeOrg>>;
  let staffIn: StaffByOrg;
  let matrix: Matrix;

  before(async () => {
    ctx = await freshContext();
    orgA = await makeOrg(ctx, { slug: "set-a" });
    orgB = await makeOrg(ctx, { slug: "set-b" });
    staffIn = await staffOfEachRole(ctx, [orgA, orgB]);
    app = buildApp(ctx);
    matrix = { ctx, app, orgA, orgB, staffIn, anonymousOwn: true };
  });

  it("lists every route the settings router mounts", () => {
    expect(mountedRoutes(settingsRouter(ctx))).to.deep.equal(declaredRoutes(settingsRoutes));
  });

  for (const route of settingsRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const fx = fixtures[`${route.method} ${route.path}`] ?? {};
      // The settings belong to the organization of the host: there is no "other organization's" resource to find.
      const results = await walkRoute(matrix, route.method, (cell) => ({ url: fx.url ?? route.path, body: fx.body, want: expectedStatus(route, cell, false) }));
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }

  it("an admin of one organization cannot change another's settings (its host signs the session out)", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: orgB.id, kind: "staff", staffId: staffIn[orgB.id]!.admin.id, host: `${orgA.slug}.test` });
    const token = await csrfOf(agent);
    const before = await ctx.db.select().from(organizations).where(eq(organizations.id, orgA.id));
    const res = await agent.post("/staff/admin/settings/mail").type("form").send({ mailSenderName: "Taken over", _csrf: token });
    expect(res.status).to.equal(401);
    expect(await ctx.db.select().from(organizations).where(eq(organizations.id, orgA.id))).to.deep.equal(before);
  });
});
