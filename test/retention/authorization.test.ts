import { expect } from "chai";
import request from "supertest";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff } from "../support/factories.js";
import { signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { retentionPolicies, sessions, type StaffRole } from "../../src/db/schema/index.js";
import { retentionRouter, retentionRoutes, type RetentionRoute } from "../../src/retention/routes.js";

const roles: StaffRole[] = ["reviewer", "dpo", "admin"];

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
  const staffIn: Record<string, Record<StaffRole, string>> = {};

  before(async () => {
    ctx = await freshContext();
    orgA = await makeOrg(ctx, { slug: "ret-a" });
    orgB = await makeOrg(ctx, { slug: "ret-b" });
    for (const org of [orgA, orgB]) {
      staffIn[org.id] = {} as Record<StaffRole, string>;
      for (const role of roles) staffIn[org.id]![role] = (await makeStaff(ctx, org.id, role)).id;
    }
    app = buildApp(ctx);
  });

  it("lists every route the retention router mounts", () => {
    const mounted = (retentionRouter(ctx).stack as { route?: { path: string; methods: Record<string, boolean> } }[])
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m} ${l.route!.path}`))
      .sort();
    expect(mounted).to.deep.equal(retentionRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  function expected(route: RetentionRoute, who: StaffRole | "anonymous"): number {
    if (who === "anonymous") return route.method === "get" ? 303 : 401;
    if (!route.roles.includes(who)) return 403;
    return route.method === "get" ? 200 : 303;
  }

  async function csrfOf(agent: Agent): Promise<string> {
    const page = await agent.get("/staff/sign-in");
    return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  }

  for (const route of retentionRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const fx = fixtures[`${route.method} ${route.path}`] ?? {};
      const results: string[] = [];
      const cells: { who: StaffRole | "anonymous"; own: boolean }[] = [{ who: "anonymous", own: true }, ...roles.flatMap((who) => [{ who, own: true }, { who, own: false }])];
      for (const cell of cells) {
        const org = cell.own ? orgA : orgB;
        const agent: Agent = cell.who === "anonymous"
          ? request.agent(app).host(`${org.slug}.test`)
          : await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: staffIn[org.id]![cell.who], host: `${org.slug}.test` });
        const token = route.method === "post" ? await csrfOf(agent) : "";
        const url = fx.url ?? route.path;
        const res = route.method === "get" ? await agent.get(url) : await agent.post(url).type("form").send({ ...(fx.body ?? {}), _csrf: token });
        const want = expected(route, cell.who);
        if (res.status !== want) results.push(`${cell.who}/${cell.own ? "own" : "other"}: got ${res.status}, want ${want}`);
      }
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }

  it("a staff session of one organization cannot change another's rules (its host signs it out)", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: orgB.id, kind: "staff", staffId: staffIn[orgB.id]!.admin, host: `${orgA.slug}.test` });
    const token = await csrfOf(agent);
    const before = await ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgA.id));
    const res = await agent.post("/staff/retention/preset").type("form").send({ preset: "logs_15_months", _csrf: token });
    expect(res.status).to.equal(401);
    expect(await ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgA.id))).to.deep.equal(before);
  });

  it("an admin whose password check is not fresh is sent to confirm it first", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: orgA.id, kind: "staff", staffId: staffIn[orgA.id]!.admin, host: `${orgA.slug}.test` });
    await ctx.db.update(sessions).set({ reauthAt: null }).where(eq(sessions.staffId, staffIn[orgA.id]!.admin));
    const token = await csrfOf(agent);
    const res = await agent.post("/staff/retention/policies/exports").type("form").send({ periodDays: "10", basis: "created", action: "delete", _csrf: token });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.match(/^\/staff\/reauth\?next=/);
    const rows = await ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, orgA.id));
    expect(rows.find((r) => r.category === "exports" && r.periodDays === 10)).to.equal(undefined);
  });
});
