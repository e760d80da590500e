import { expect } from "chai";
import request from "supertest";
import { eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeStaff, makeSubject } from "../support/factories.js";
import { signedInAgent, type Agent } from "../support/http.js";
import { complaints, type StaffRole } from "../../src/db/schema/index.js";
import { complaintStaffRoutes, complaintsStaffRouter, type ComplaintStaffRoute } from "../../src/complaints/routes.js";
import { canOnComplaint } from "../../src/complaints/policies.js";
import { newReference } from "../../src/platform/codes.js";
import { buildApp, countryOrg, freshComplaintsContext, insertRequest, type Org } from "./helpers.js";

const roles: StaffRole[] = ["reviewer", "dpo", "admin"];
const SECRET_TEXT = "SENTINEL-matrix-complaint-text";

/** The form each POST needs to succeed. */
const fixtures: Record<string, Record<string, string>> = {
  "post /staff/complaints/:id/answer": { answer: "We looked at it again and agree with you." },
};

describe("complaints authorization matrix: every staff route × role × organization, plus anonymous", function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let orgA: Org;
  let orgB: Org;
  let subjectA: Awaited<ReturnType<typeof makeSubject>>;
  const staffIn: Record<string, Record<StaffRole, string>> = {};

  before(async () => {
    ctx = await freshComplaintsContext();
    orgA = await countryOrg(ctx, "FI", { slug: "complaints-matrix-a" });
    orgB = await countryOrg(ctx, "SE", { slug: "complaints-matrix-b" });
    subjectA = await makeSubject(ctx, orgA.id);
    for (const org of [orgA, orgB]) {
      staffIn[org.id] = {} as Record<StaffRole, string>;
      for (const role of roles) staffIn[org.id]![role] = (await makeStaff(ctx, org.id, role)).id;
    }
    app = buildApp(ctx);
  });

  it("lists every route the complaints staff router mounts", () => {
    const mounted = (complaintsStaffRouter(ctx).stack as { route?: { path: string; methods: Record<string, boolean> } }[])
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m} ${l.route!.path}`))
      .sort();
    expect(mounted).to.deep.equal(complaintStaffRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it("the policy is tenant-first: no rule lets anyone act on another organization's complaint", () => {
    for (const role of roles) {
      const actor = { type: "staff" as const, id: "x", orgId: orgA.id, role, name: "n", email: "e" };
      expect(canOnComplaint(actor, "view", { kind: "complaint", orgId: orgB.id, answered: false }), role).to.equal(false);
      expect(canOnComplaint(actor, "viewQueue", { kind: "complaints", orgId: orgB.id }), role).to.equal(false);
      expect(canOnComplaint(actor, "unknownAction", { kind: "complaints", orgId: orgA.id }), role).to.equal(false);
    }
  });

  function expected(route: ComplaintStaffRoute, who: StaffRole | "anonymous", own: boolean): number {
    if (who === "anonymous") return route.method === "get" ? 303 : 401;
    if (route.onComplaint && !own) return 404;
    if (!route.roles.includes(who)) return 403;
    return route.method === "get" ? 200 : 303;
  }

  async function csrfOf(agent: Agent): Promise<string> {
    const page = await agent.get("/staff/sign-in");
    return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  }

  for (const route of complaintStaffRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const cells: { who: StaffRole | "anonymous"; own: boolean }[] = [
        { who: "anonymous", own: false },
        ...roles.flatMap((who) => [{ who, own: true }, { who, own: false }]),
      ];
      const results: string[] = [];
      for (const cell of cells) {
        // A fresh, unanswered complaint of organization A per cell.
        const r = await insertRequest(ctx, orgA, { subjectId: subjectA.id, status: "rejected" });
        const [c] = await ctx.db
          .insert(complaints)
          .values({ orgId: orgA.id, requestId: r.id, reference: newReference("CP"), grounds: "rejected", body: SECRET_TEXT, receivedAt: ctx.clock.now(), dueDate: "2026-04-02" })
          .returning();
        const org = cell.own ? orgA : orgB;
        const agent: Agent = cell.who === "anonymous"
          ? request.agent(app).host(`${org.slug}.test`)
          : await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: staffIn[org.id]![cell.who], host: `${org.slug}.test` });
        const url = route.path.replace(":id", c!.id);
        const token = route.method === "post" ? await csrfOf(agent) : "";
        const res = route.method === "get" ? await agent.get(url) : await agent.post(url).type("form").send({ ...(fixtures[`${route.method} ${route.path}`] ?? {}), _csrf: token });
        const want = expected(route, cell.who, cell.own);
        const label = `${cell.who}/${cell.own ? "own" : "other"}`;
        if (res.status !== want) results.push(`${label}: got ${res.status}, want ${want}`);
        if (res.status >= 500) results.push(`${label}: server error ${res.status}`);
        // Only a DPO of the organization ever sees the complaint, or changes it.
        const sees = cell.who === "dpo" && cell.own;
        for (const secret of [SECRET_TEXT, c!.reference, r.reference]) {
          if (!sees && res.text.includes(secret)) results.push(`${label}: leaks ${secret}`);
        }
        const [after] = await ctx.db.select().from(complaints).where(eq(complaints.id, c!.id));
        const changed = after!.answeredAt !== null;
        if (changed !== (sees && route.method === "post")) results.push(`${label}: answered=${changed}`);
      }
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }
});
