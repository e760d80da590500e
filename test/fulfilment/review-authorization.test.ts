import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject } from "../support/factories.js";
import { declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type ExpectedRoute, type Matrix, type StaffByOrg } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { reviewRouter } from "../../src/fulfilment/review-routes.js";
import { openPackageReview } from "../../src/fulfilment/package-review.js";
import { insertRequest } from "./helpers.js";

/** The specification: only the DPO reads a package's chats for its review, redacts and releases. */
const expectedReviewRoles: readonly ExpectedRoute[] = [
  { method: "get", path: "/staff/requests/:id/review", roles: ["dpo"], onOneResource: true },
  { method: "post", path: "/staff/requests/:id/review", roles: ["dpo"], onOneResource: true },
  { method: "get", path: "/staff/requests/:id/review/release", roles: ["dpo"], onOneResource: true },
  { method: "post", path: "/staff/requests/:id/review/release", roles: ["dpo"], onOneResource: true },
];

describe("package review authorization: every route × role × organization, plus anonymous", function () {
  this.timeout(300_000);
  let ctx: TestContext;
  let orgA: Awaited<ReturnType<typeof makeOrg>>;
  let staffIn: StaffByOrg;
  let matrix: Matrix;
  const secret = "Only organization A's DPO reads this line";

  before(async () => {
    ctx = await freshContext();
    orgA = await makeOrg(ctx, { slug: "review-a" });
    const orgB = await makeOrg(ctx, { slug: "review-b" });
    staffIn = await staffOfEachRole(ctx, [orgA, orgB]);
    matrix = { ctx, app: buildApp(ctx), orgA, orgB, staffIn, anonymousOwn: false };
  });

  it("lists every route the review router mounts", () => {
    expect(mountedRoutes(reviewRouter(ctx))).to.deep.equal(declaredRoutes(expectedReviewRoles));
  });

  /** A fresh approved access request of organization A with its review open. */
  async function openReview() {
    const subject = await makeSubject(ctx, orgA.id);
    const conv = await makeConversation(ctx, orgA.id, { subjectId: subject.id, messages: [{ body: secret }] });
    const r = await insertRequest(ctx, orgA, { subjectId: subject.id, type: "access", scope: "chosen_conversations", conversationIds: [conv.id], status: "approved" });
    await ctx.db.transaction((tx) => openPackageReview(tx, ctx, { type: "staff", id: staffIn[orgA.id]!.dpo.id, role: "dpo" }, r));
    return r;
  }

  for (const route of expectedReviewRoles) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const results = await walkRoute(
        matrix,
        route.method,
        async (cell) => {
          const r = await openReview();
          return { url: route.path.replace(":id", r.id), body: (route.path.endsWith("/review") ? { c: "0", p: "0" } : {}) as Record<string, string>, want: expectedStatus(route, cell, true) };
        },
        (res, cell) => (!(cell.who === "dpo" && cell.own) && res.text.includes(secret) ? [`${cell.label}: shows organization A's chat`] : []),
      );
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }
});
