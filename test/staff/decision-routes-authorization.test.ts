import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeSubject } from "../support/factories.js";
import { declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type ExpectedRoute, type Matrix } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { decisionRouter } from "../../src/staff/decision-routes.js";
import { makeRequest } from "./helpers.js";

/** Who may record an identity check (the staff policy must agree). */
const expectedRoles: readonly (ExpectedRoute & { ok: number; body: Record<string, string> })[] = [
  { method: "post", path: "/staff/requests/:id/identity-check", roles: ["dpo"], onOneResource: true, ok: 303, body: { method: "video_call" } },
];

describe("staff decision routes authorization: every route × role × organization, plus anonymous", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let matrix: Matrix;
  let subjectEmail: string;

  before(async () => {
    ctx = await freshContext();
    const orgA = await makeOrg(ctx, { slug: "dec-a" });
    const orgB = await makeOrg(ctx, { slug: "dec-b" });
    const subject = await makeSubject(ctx, orgA.id);
    subjectEmail = subject.email!;
    matrix = { ctx, app: buildApp(ctx), orgA, orgB, staffIn: await staffOfEachRole(ctx, [orgA, orgB]), anonymousOwn: false };
    (matrix as Matrix & { subjectId: string }).subjectId = subject.id;
  });

  it("lists every route the decision router mounts", () => {
    expect(mountedRoutes(decisionRouter(ctx))).to.deep.equal(declaredRoutes(expectedRoles));
  });

  for (const route of expectedRoles) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const results = await walkRoute(
        matrix,
        route.method,
        async (cell) => {
          const r = await makeRequest(ctx, matrix.orgA as never, { subjectId: (matrix as Matrix & { subjectId: string }).subjectId, status: "in_review" });
          const want = expectedStatus(route, cell, true);
          return { r, url: route.path.replace(":id", r.id), body: route.body, want: want === 303 ? route.ok : want };
        },
        (res, cell, { r }) => (!cell.own && (res.text.includes(r.reference) || res.text.includes(subjectEmail)) ? [`${cell.label}: leaks organization A's request`] : []),
      );
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }
});
