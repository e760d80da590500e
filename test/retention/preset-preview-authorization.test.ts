import { expect } from "chai";
import { freshContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type ExpectedRoute, type Matrix } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { presetRouter } from "../../src/retention/preset-routes.js";

/** Only an admin previews a preset (applying it is theirs too); the preview is a page, it changes nothing. */
const expectedRoles: readonly ExpectedRoute[] = [{ method: "post", path: "/staff/retention/preset/preview", roles: ["admin"] }];

describe("retention preset preview authorization: every role × organization, plus anonymous", function () {
  this.timeout(120_000);
  let matrix: Matrix;
  before(async () => {
    const ctx = await freshContext();
    const orgA = await makeOrg(ctx, { slug: "retp-a" });
    const orgB = await makeOrg(ctx, { slug: "retp-b" });
    matrix = { ctx, app: buildApp(ctx), orgA, orgB, staffIn: await staffOfEachRole(ctx, [orgA, orgB]), anonymousOwn: true };
  });

  it("lists every route the preset router mounts", () => {
    expect(mountedRoutes(presetRouter(matrix.ctx))).to.deep.equal(declaredRoutes(expectedRoles));
  });

  it("POST /staff/retention/preset/preview", async () => {
    const route = expectedRoles[0]!;
    const results = await walkRoute(matrix, "post", (cell) => {
      // Each organization's admin previews their own organization's rules (the host's): a page, not a redirect.
      const want = expectedStatus(route, cell, false);
      return { url: route.path, body: { preset: "school_programme" }, want: want === 303 ? 200 : want };
    });
    expect(results, results.join("\n")).to.deep.equal([]);
  });
});
