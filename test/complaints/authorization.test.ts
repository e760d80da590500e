import { complaintKeyFor, sealComplaintBody } from "../../src/complaints/complaint-texts.js";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeSubject } from "../support/factories.js";
import { declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, staffRoles, walkRoute, type Matrix } from "../support/authorization.js";
import { complaints } from "../../src/db/schema/index.js";
import { complaintsStaffRouter } from "../../src/complaints/routes.js";
import { complaintStaffRoutes } from "./route-roles.js";
import { canOnComplaint } from "../../src/complaints/policies.js";
import { newReference } from "../../src/platform/codes.js";
import { buildApp, countryOrg, freshComplaintsContext, insertRequest, type Org } from "./helpers.js";

const SECRET_TEXT = "SENTINEL-matrix-complaint-text";

/** The form each POST needs to succeed. */
const fixtures: Record<string, Record<string, string>> = {
  "post /staff/complaints/:id/answer": { answer: "We looked at it again and agree with you." },
};

describe("complaints authorization matrix: every staff route × role × organization, plus anonymous", function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let orgA: Org;
  let orgB: Org;
  let subjectA: Awaited<ReturnType<typeof makeSubject>>;
  let matrix: Matrix;

  before(async () => {
    ctx = await freshComplaintsContext();
    orgA = await countryOrg(ctx, "FI", { slug: "complaints-matrix-a" });
    orgB = await countryOrg(ctx, "SE", { slug: "complaints-matrix-b" });
    subjectA = await makeSubject(ctx, orgA.id);
    const staffIn = await staffOfEachRole(ctx, [orgA, orgB]);
    matrix = { ctx, app: buildApp(ctx), orgA, orgB, staffIn, anonymousOwn: false };
  });

  it("lists every route the complaints staff router mounts", () => {
    expect(mountedRoutes(complaintsStaffRouter(ctx))).to.deep.equal(declaredRoutes(complaintStaffRoutes));
  });

  it("the policy is tenant-first: no rule lets anyone act on another organization's complaint", () => {
    for (const role of staffRoles) {
      const actor = { type: "staff" as const, id: "x", orgId: orgA.id, role, name: "n", email: "e" };
      expect(canOnComplaint(actor, "view", { kind: "complaint", orgId: orgB.id, answered: false }), role).to.equal(false);
      expect(canOnComplaint(actor, "viewQueue", { kind: "complaints", orgId: orgB.id }), role).to.equal(false);
      expect(canOnComplaint(actor, "unknownAction", { kind: "complaints", orgId: orgA.id }), role).to.equal(false);
    }
  });

  for (const route of complaintStaffRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const results = await walkRoute(
        matrix,
        route.method,
        async (cell) => {
          // A fresh, unanswered complaint of organization A per cell.
          const r = await insertRequest(ctx, orgA, { subjectId: subjectA.id, status: "rejected" });
          const key = await complaintKeyFor(ctx.db, ctx.keys, r);
          const [c] = await ctx.db
            .insert(complaints)
            .values({ orgId: orgA.id, requestId: r.id, reference: newReference("CP"), grounds: "rejected", subjectKeyId: key.id, bodyEnc: sealComplaintBody(key, SECRET_TEXT), receivedAt: ctx.clock.now(), dueDate: "2026-04-02" })
            .returning();
          const body = fixtures[`${route.method} ${route.path}`];
          return { r, c: c!, url: route.path.replace(":id", c!.id), body, want: expectedStatus(route, cell, !!route.onComplaint) };
        },
        async (res, cell, { r, c }) => {
          const problems: string[] = [];
          // Only a DPO of the organization ever sees the complaint, or changes it.
          const sees = cell.who === "dpo" && cell.own;
          for (const secret of [SECRET_TEXT, c.reference, r.reference]) {
            if (!sees && res.text.includes(secret)) problems.push(`${cell.label}: leaks ${secret}`);
          }
          const [after] = await ctx.db.select().from(complaints).where(eq(complaints.id, c.id));
          const changed = after!.answeredAt !== null;
          if (changed !== (sees && route.method === "post")) problems.push(`${cell.label}: answered=${changed}`);
          return problems;
        },
      );
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }
});
