import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeSubject } from "../support/factories.js";
import { declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type ExpectedRoute, type Matrix } from "../support/authorization.js";
import { complaints } from "../../src/db/schema/index.js";
import { complaintKeyFor, sealComplaintBody } from "../../src/complaints/complaint-texts.js";
import { newReference } from "../../src/platform/codes.js";
import { reopenRouter } from "../../src/complaints/reopen-routes.js";
import { buildApp, countryOrg, freshComplaintsContext, insertRequest, reload } from "./helpers.js";

/** Only the organization's DPO reopens a decision from a complaint (the complaint policy must agree). */
const expectedRoles: readonly ExpectedRoute[] = [{ method: "post", path: "/staff/complaints/:id/reopen", roles: ["dpo"], onOneResource: true }];

describe("reopening a decision from a complaint: every role × organization, plus anonymous", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let matrix: Matrix;
  let subjectId: string;
  before(async () => {
    ctx = await freshComplaintsContext();
    const orgA = await countryOrg(ctx, "FI", { slug: "reopen-a" });
    const orgB = await countryOrg(ctx, "SE", { slug: "reopen-b" });
    subjectId = (await makeSubject(ctx, orgA.id)).id;
    matrix = { ctx, app: buildApp(ctx), orgA, orgB, staffIn: await staffOfEachRole(ctx, [orgA, orgB]), anonymousOwn: false };
  });

  it("lists every route the reopen router mounts", () => {
    expect(mountedRoutes(reopenRouter(ctx))).to.deep.equal(declaredRoutes(expectedRoles));
  });

  for (const route of expectedRoles) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const results = await walkRoute(
        matrix,
        route.method,
        async (cell) => {
          const r = await insertRequest(ctx, matrix.orgA as never, { subjectId, status: "rejected" });
          const key = await complaintKeyFor(ctx.db, ctx.keys, r);
          const [c] = await ctx.db.insert(complaints).values({ orgId: matrix.orgA.id, requestId: r.id, reference: newReference("CP"), grounds: "rejected", subjectKeyId: key.id, bodyEnc: sealComplaintBody(key, "Complaint text"), receivedAt: ctx.clock.now(), dueDate: "2026-04-02" }).returning();
          return { r, c: c!, url: route.path.replace(":id", c!.id), body: { reason: "The refusal was wrong after all." }, want: expectedStatus(route, cell, true) };
        },
        async (_res, cell, { r, c }) => {
          const reopened = (await reload(ctx, r.id)).status === "in_review";
          const [after] = await ctx.db.select().from(complaints).where(eq(complaints.id, c.id));
          const should = cell.who === "dpo" && cell.own;
          return reopened !== should || (after!.reopenedAt !== null) !== should ? [`${cell.label}: reopened=${reopened}`] : [];
        },
      );
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }
});
