import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeSubject } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type Matrix, type StaffByOrg } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { recordAudit } from "../../src/platform/audit.js";
import { auditRouter } from "../../src/audit/routes.js";
import type { ExpectedRoute } from "../support/authorization.js";

/** The specification the matrix checks: who may do what on the audit log (the policy must agree). */
const expectedAuditRoles: readonly ExpectedRoute[] = [
  { method: "get", path: "/staff/audit", roles: ["dpo"] },
  { method: "get", path: "/staff/audit/export.ndjson", roles: ["dpo"] },
  { method: "get", path: "/staff/audit/entries/:seq", roles: ["dpo"], onOneResource: true },
];

describe("audit views authorization: every route × role × organization, plus anonymous", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let orgA: Awaited<ReturnType<typeof makeOrg>>;
  let orgB: Awaited<ReturnType<typeof makeOrg>>;
  let entryA: number;
  let systemWide: number;
  const secret = "purpose-only-org-a-may-see";
  let staffIn: StaffByOrg;
  let matrix: Matrix;

  before(async () => {
    ctx = await freshContext();
    orgA = await makeOrg(ctx, { slug: "aud-a" });
    orgB = await makeOrg(ctx, { slug: "aud-b" });
    staffIn = await staffOfEachRole(ctx, [orgA, orgB]);
    const subject = await makeSubject(ctx, orgA.id);
    entryA = await recordAudit(ctx, { orgId: orgA.id, actor: { type: "staff", id: staffIn[orgA.id]!.dpo.id, role: "dpo" }, action: "conversation.viewed", subjectId: subject.id, details: { purpose: secret } });
    systemWide = await recordAudit(ctx, { actor: { type: "system" }, action: "audit.pruned", details: { note: secret } });
    app = buildApp(ctx);
    matrix = { ctx, app, orgA, orgB, staffIn, anonymousOwn: true };
  });

  it("lists every staff route the audit router mounts", () => {
    expect(mountedRoutes(auditRouter(ctx), (path) => path.startsWith("/staff"))).to.deep.equal(declaredRoutes(expectedAuditRoles));
  });

  for (const route of expectedAuditRoles) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const results = await walkRoute(
        matrix,
        route.method,
        (cell) => ({ url: route.path.replace(":seq", String(entryA)), want: expectedStatus(route, cell, !!route.onOneResource) }),
        (res, cell) => (!cell.own && res.text.includes(secret) ? [`${cell.label}: leaks organization A's entry`] : []),
      );
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }

  it("entries of no organization are not shown to any organization's DPO", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: orgA.id, kind: "staff", staffId: staffIn[orgA.id]!.dpo.id, host: `${orgA.slug}.test` });
    expect((await agent.get(`/staff/audit/entries/${systemWide}`)).status).to.equal(404);
    expect((await agent.get("/staff/audit")).text).not.to.include("audit.pruned");
  });
});
