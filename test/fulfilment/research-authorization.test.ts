import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject } from "../support/factories.js";
import { declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type ExpectedRoute, type Matrix } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { researchRouter } from "../../src/fulfilment/research-routes.js";

/** The specification: only the DPO discloses research excerpts (the organization's own screen). */
const expectedResearchRoles: readonly ExpectedRoute[] = [
  { method: "get", path: "/staff/research", roles: ["dpo"] },
  { method: "post", path: "/staff/research", roles: ["dpo"] },
];

describe("research excerpts authorization: every route × role × organization, plus anonymous", function () {
  this.timeout(300_000);
  let ctx: TestContext;
  let matrix: Matrix;
  const chatLine = "A chat line only organization A's export may hold";

  before(async () => {
    ctx = await freshContext();
    const orgA = await makeOrg(ctx, { slug: "research-a" });
    const orgB = await makeOrg(ctx, { slug: "research-b" });
    const subject = await makeSubject(ctx, orgA.id);
    await makeConversation(ctx, orgA.id, { subjectId: subject.id, messages: [{ body: chatLine }] });
    matrix = { ctx, app: buildApp(ctx), orgA, orgB, staffIn: await staffOfEachRole(ctx, [orgA, orgB]), anonymousOwn: true };
  });

  it("lists every route the research router mounts", () => {
    expect(mountedRoutes(researchRouter(ctx))).to.deep.equal(declaredRoutes(expectedResearchRoles));
  });

  for (const route of expectedResearchRoles) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const results = await walkRoute(
        matrix,
        route.method,
        (cell) => {
          const want = expectedStatus(route, cell, false);
          // The export answers with its file, not a redirect.
          return { url: route.path, body: { recipient: "Example University", purpose: "A study of chat themes" }, want: route.method === "post" && want === 303 ? 200 : want };
        },
        (res, cell) => (!(cell.who === "dpo" && cell.own) && res.text.includes(chatLine) ? [`${cell.label}: got organization A's chats`] : []),
      );
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }
});
