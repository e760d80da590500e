import { expect } from "chai";
import request from "supertest";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import type { StaffRole } from "../../src/db/schema/index.js";
import { recordAudit } from "../../src/platform/audit.js";
import { auditRouter, auditRoutes, type AuditRoute } from "../../src/audit/routes.js";

const roles: StaffRole[] = ["reviewer", "dpo", "admin"];

describe("audit views authorization: every route × role × organization, plus anonymous", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let orgA: Awaited<ReturnType<typeof makeOrg>>;
  let orgB: Awaited<ReturnType<typeof makeOrg>>;
  let entryA: number;
  let systemWide: number;
  const secret = "purpose-only-org-a-may-see";
  const staffIn: Record<string, Record<StaffRole, string>> = {};

  before(async () => {
    ctx = await freshContext();
    orgA = await makeOrg(ctx, { slug: "aud-a" });
    orgB = await makeOrg(ctx, { slug: "aud-b" });
    for (const org of [orgA, orgB]) {
      staffIn[org.id] = {} as Record<StaffRole, string>;
      for (const role of roles) staffIn[org.id]![role] = (await makeStaff(ctx, org.id, role)).id;
    }
    const subject = await makeSubject(ctx, orgA.id);
    entryA = await recordAudit(ctx, { orgId: orgA.id, actor: { type: "staff", id: staffIn[orgA.id]!.dpo, role: "dpo" }, action: "conversation.viewed", subjectId: subject.id, details: { purpose: secret } });
    systemWide = await recordAudit(ctx, { actor: { type: "system" }, action: "audit.pruned", details: { note: secret } });
    app = buildApp(ctx);
  });

  it("lists every staff route the audit router mounts", () => {
    const mounted = (auditRouter(ctx).stack as { route?: { path: string; methods: Record<string, boolean> } }[])
      .filter((l) => l.route && l.route.path.startsWith("/staff"))
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m} ${l.route!.path}`))
      .sort();
    expect(mounted).to.deep.equal(auditRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  function expected(route: AuditRoute, who: StaffRole | "anonymous", own: boolean): number {
    if (who === "anonymous") return 303;
    if (route.onEntry && !own) return 404;
    return route.roles.includes(who) ? 200 : 403;
  }

  for (const route of auditRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const results: string[] = [];
      const cells: { who: StaffRole | "anonymous"; own: boolean }[] = [{ who: "anonymous", own: true }, ...roles.flatMap((who) => [{ who, own: true }, { who, own: false }])];
      for (const cell of cells) {
        const org = cell.own ? orgA : orgB;
        const agent: Agent = cell.who === "anonymous"
          ? request.agent(app).host(`${org.slug}.test`)
          : await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: staffIn[org.id]![cell.who], host: `${org.slug}.test` });
        const res = await agent.get(route.path.replace(":seq", String(entryA)));
        const label = `${cell.who}/${cell.own ? "own" : "other"}`;
        const want = expected(route, cell.who, cell.own);
        if (res.status !== want) results.push(`${label}: got ${res.status}, want ${want}`);
        if (!cell.own && res.text.includes(secret)) results.push(`${label}: leaks organization A's entry`);
      }
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }

  it("entries of no organization are not shown to any organization's DPO", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: orgA.id, kind: "staff", staffId: staffIn[orgA.id]!.dpo, host: `${orgA.slug}.test` });
    expect((await agent.get(`/staff/audit/entries/${systemWide}`)).status).to.equal(404);
    expect((await agent.get("/staff/audit")).text).not.to.include("audit.pruned");
  });
});
